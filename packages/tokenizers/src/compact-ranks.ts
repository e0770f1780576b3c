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
 * The token bytes of a compact rank string: token `r` is `bytes[offsets[r] .. offsets[r + 1])`, empty for an
 * unused rank.
 */
export interface CompactRanks {
  bytes: Uint8Array;
  /** `count + 1` offsets into `bytes`. */
  offsets: Int32Array;
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

/** Reads a compact rank string back into token bytes (see the file header for the format). */
export function readCompactRanks(data: string): CompactRanks {
  if (typeof data !== 'string' || data.length === 0) {
    throw new TokenizerFormatError('compact', 'expected a non-empty string of compact ranks.');
  }
  // Three bytes per UTF-16 unit is an upper bound for both kinds of token.
  let bytes = new Uint8Array(data.length * 3);
  const offsets: number[] = [];
  let at = 0;
  let i = 0;
  const len = data.length;
  while (i < len) {
    const mark = data.charCodeAt(i);
    if (mark === GAP_MARK) {
      offsets.push(at);
      i++;
      continue;
    }
    if (mark !== UTF8_MARK && mark !== BYTES_MARK) {
      throw new TokenizerFormatError(
        'compact',
        `token ${offsets.length} starts with U+${mark.toString(16).padStart(4, '0')}, expected a \\x01, \\x02 or \\x03 marker.`,
      );
    }
    let end = i + 1;
    while (end < len) {
      const c = data.charCodeAt(end);
      if (c <= GAP_MARK && c >= UTF8_MARK) break;
      end++;
    }
    if (end === i + 1) throw new TokenizerFormatError('compact', `token ${offsets.length} is empty.`);
    offsets.push(at);
    if (mark === UTF8_MARK) at = writeUtf8(data, i + 1, end, bytes, at);
    else {
      for (let k = i + 1; k < end; k++) {
        const c = data.charCodeAt(k);
        if (c > 0x103) {
          throw new TokenizerFormatError(
            'compact',
            `token ${offsets.length - 1} holds U+${c.toString(16)}, which is not a byte character.`,
          );
        }
        bytes[at++] = c & 0xff;
      }
    }
    i = end;
  }
  offsets.push(at);
  if (at < bytes.length / 2) bytes = bytes.slice(0, at);
  return { bytes, offsets: Int32Array.from(offsets), count: offsets.length - 1 };
}

/**
 * Writes the UTF-8 bytes of `text[start..end)` into `out` from `at` and returns the new end. The text came
 * from valid UTF-8, so it holds no lone surrogates.
 */
function writeUtf8(text: string, start: number, end: number, out: Uint8Array, at: number): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) out[at++] = c;
    else if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6);
      out[at++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
      out[at++] = 0xf0 | (cp >> 18);
      out[at++] = 0x80 | ((cp >> 12) & 0x3f);
      out[at++] = 0x80 | ((cp >> 6) & 0x3f);
      out[at++] = 0x80 | (cp & 0x3f);
    } else {
      out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 0x3f);
      out[at++] = 0x80 | (c & 0x3f);
    }
  }
  return at;
}
