/**
 * Text from a stream of token ids, chunk by chunk, for printing samples as they are generated.
 *
 * A byte-level BPE token can end in the middle of a UTF-8 character (an emoji is often two or three
 * tokens), and decoding it alone gives U+FFFD. This adapter works with any tokenizer's whole-sequence
 * `decode`: it decodes everything seen so far, emits what is new, and holds back trailing U+FFFD until
 * the next token completes the character (or `end` says nothing more is coming, and whatever is left is
 * emitted as it is). A tokenizer with its own streaming decoder can be used directly instead; this is
 * the fallback that makes every tokenizer stream.
 */

/** Turns ids into text incrementally; see {@link createTextStream}. */
export interface TextStream {
  /** Reads `ids` (the next tokens) and returns the text they complete (possibly empty). */
  push(ids: readonly number[]): string;
  /** Returns whatever text is still held back; the stream starts afresh. */
  end(): string;
}

const REPLACEMENT = '\uFFFD';

/** A {@link TextStream} over `decode`, a tokenizer's decoding of a whole id sequence. */
export function createTextStream(decode: (ids: number[]) => string): TextStream {
  let ids: number[] = [];
  let emitted = 0;
  return {
    push(next) {
      ids.push(...next);
      const text = decode(ids);
      let stable = text.length;
      while (stable > emitted && text[stable - 1] === REPLACEMENT) stable--;
      // Held-back text may have been rewritten by the new token (a completed character): emit from the
      // last point both decodings agree on, which is `emitted` as long as the prefix is unchanged.
      const chunk = text.slice(emitted, stable);
      emitted = stable;
      return chunk;
    },
    end() {
      const rest = decode(ids).slice(emitted);
      ids = [];
      emitted = 0;
      return rest;
    },
  };
}
