/**
 * Streaming decode: turning token ids into text as they arrive, e.g. while a model samples.
 *
 * A byte-level BPE token can end in the middle of a UTF-8 character (an emoji is often 2–4 tokens), so
 * decoding each token on its own prints U+FFFD for every piece. The decoder here keeps the unfinished tail
 * of a character until the bytes that complete it arrive. It emits U+FFFD only where the bytes really are
 * invalid, exactly where decoding all the bytes at once would (the WHATWG "maximal subpart" rule, which is
 * also what Python's `bytes.decode('utf-8', errors='replace')` does), and `end()` flushes a character left
 * unfinished as one U+FFFD.
 */

/** Turns ids into text piece by piece; see {@link createStreamDecoder}. */
export interface TokenStreamDecoder {
  /** Decodes more ids and returns the text they complete (possibly `''` while a character is unfinished). */
  write(ids: ArrayLike<number>): string;
  /** Returns the text still held back (U+FFFD for an unfinished character) and resets the decoder. */
  end(): string;
}

/** A stream decoder over `bytesOf(ids)`, the concatenated bytes of some token ids. */
export function createStreamDecoder(bytesOf: (ids: ArrayLike<number>) => Uint8Array): TokenStreamDecoder {
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  return {
    write: (ids) => decoder.decode(bytesOf(ids), { stream: true }),
    end: () => decoder.decode(),
  };
}
