/**
 * The compact rank format: a BPE vocabulary as one JavaScript string, small once gzipped and quick to read.
 *
 * OpenAI's `.tiktoken` files list `base64(token bytes) rank` per line. Base64 hides the text from gzip, and the
 * ranks are just 0, 1, 2, …, so both can go. This format keeps only the token bytes, in rank order, each
 * token introduced by a marker character:
 *
 * - `\x01` then the token's bytes read as UTF-8 text, when they are valid UTF-8 holding no U+0000–U+0003;
 * - `\x02` then one character per byte: byte `b` as U+00`b` for b ≥ 4, and bytes 0–3 as U+0100–U+0103;
 * - `\x03` alone for a rank that no ordinary token uses (p50k_base leaves 50256 to `<|endoftext|>`).
 *
 * A token ends where the next marker starts. Most tokens are whole words or word pieces, so the string reads
 * as text and gzip compresses it about as well as plain text; CJK and other non-Latin tokens stay 3 bytes a
 * character instead of 6. The merges are not stored: a token's merge is recovered at load time by
 * BPE-encoding its bytes with all lower-ranked merges, which stops at exactly the two tokens it joins.
 */
import { TokenizerFormatError } from './errors';

const UTF8_MARK = 1;
const BYTES_MARK = 2;
const GAP_MARK = 3;

/**
 * The token bytes of a compact rank string: token `r` is `bytes[starts[r] .. ends[r])`, empty for an unused
 * rank. `bytes` is the UTF-8 form of the whole string, markers included, with byte-by-byte tokens decoded in
 * place; tokens are views into it rather than copies.
 */
export interface CompactRanks {
  bytes: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  /** Number of tokens (ranks `0 .. count - 1`). */
  count: number;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Writes tokens, given in rank order (rank = index; `undefined` for an unused rank), as a compact string. */
export function writeCompactRanks(tokens: ReadonlyArray<Uint8Array | undefined>): string {
  const parts: string[] = [];
  for (const bytes of tokens) {
    if (bytes === undefined) {
      parts.push('\x03');
      continue;
    }
    if (bytes.length === 0) throw new RangeError('writeCompactRanks: a token has no bytes.');
    let text: string | null = null;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      text = null;
    }
    if (text !== null && !holdsMarkerOrNul(text)) {
      parts.push('\x01', text);
    } else {
      let raw = '\x02';
      for (const b of bytes) raw += String.fromCharCode(b < 4 ? 0x100 + b : b);
      parts.push(raw);
    }
  }
  return parts.join('');
}

/** Whether `text` holds U+0000–U+0003, which a UTF-8 token cannot carry (they are the markers, and NUL). */
function holdsMarkerOrNul(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) <= GAP_MARK) return true;
  return false;
}

/**
 * Reads a compact rank string back into token bytes (see the file header for the format).
 *
 * Loading speed matters here (it runs on `import`), so the work per character is native: TextEncoder turns
 * the whole string into UTF-8 at once, which is already each text token's bytes, and `indexOf` finds the
 * markers (each is one byte, and no other byte of the UTF-8 form is below 4). Only the rare byte-by-byte
 * tokens are decoded in JavaScript, in place: U+0080–U+0103 are two UTF-8 bytes, one byte once decoded.
 */
export function readCompactRanks(data: string): CompactRanks {
  if (typeof data !== 'string' || data.length === 0) {
    throw new TokenizerFormatError('compact', 'expected a non-empty string of compact ranks.');
  }
  const bytes = new TextEncoder().encode(data);
  const len = bytes.length;
  // Positions of the rare markers (byte-by-byte tokens and gaps), found natively, then merged in order with
  // the text markers as the scan reaches them.
  const rare: number[] = [];
  for (const mark of [BYTES_MARK, GAP_MARK]) {
    for (let at = bytes.indexOf(mark); at >= 0; at = bytes.indexOf(mark, at + 1)) rare.push(at);
  }
  rare.sort((a, b) => a - b);
  rare.push(len);
  const starts = new Int32Array(len);
  const ends = new Int32Array(len);
  let count = 0;
  let nextRare = 0;
  let nextText = bytes.indexOf(UTF8_MARK);
  if (nextText < 0) nextText = len;
  let at = 0;
  while (at < len) {
    const mark = bytes[at]!;
    if (mark !== UTF8_MARK && mark !== BYTES_MARK && mark !== GAP_MARK) {
      throw new TokenizerFormatError(
        'compact',
        `token ${count} starts with byte 0x${mark.toString(16).padStart(2, '0')}, expected a \\x01, \\x02 or \\x03 marker.`,
      );
    }
    if (mark === UTF8_MARK) {
      nextText = bytes.indexOf(UTF8_MARK, at + 1);
      if (nextText < 0) nextText = len;
    } else nextRare++;
    const end = Math.min(nextText, rare[nextRare]!);
    if (mark === GAP_MARK) {
      if (end !== at + 1) throw new TokenizerFormatError('compact', `the gap at token ${count} holds bytes.`);
      starts[count] = ends[count] = at;
    } else if (end === at + 1) {
      throw new TokenizerFormatError('compact', `token ${count} is empty.`);
    } else if (mark === UTF8_MARK) {
      starts[count] = at + 1;
      ends[count] = end;
    } else {
      starts[count] = at + 1;
      ends[count] = decodeByteToken(bytes, at + 1, end, count);
    }
    count++;
    at = end;
  }
  return { bytes, starts: starts.subarray(0, count), ends: ends.subarray(0, count), count };
}

/**
 * Decodes the UTF-8 of a byte-by-byte token (`bytes[start..end)`, characters U+0004–U+0103) in place and
 * returns where its bytes now end.
 */
function decodeByteToken(bytes: Uint8Array, start: number, end: number, token: number): number {
  let out = start;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b < 0x80) bytes[out++] = b;
    else if ((b === 0xc2 || b === 0xc3 || b === 0xc4) && i + 1 < end) {
      const code = ((b & 0x1f) << 6) | (bytes[++i]! & 0x3f);
      if (code <= 0x103) {
        bytes[out++] = code & 0xff;
        continue;
      }
      throw new TokenizerFormatError(
        'compact',
        `token ${token} holds U+${code.toString(16)}, not a byte character.`,
      );
    } else {
      throw new TokenizerFormatError(
        'compact',
        `token ${token} holds a character that is not a byte character.`,
      );
    }
  }
  return out;
}
