/**
 * Turning a file's bytes into text, refusing what is not text: empty files, binary files (a NUL byte)
 * and invalid UTF-8, each with the byte offset where the problem starts (RFC 3629 defines valid UTF-8).
 */
import { DatasetError } from './errors.js';

/**
 * The offset of the first byte that makes `bytes` invalid UTF-8, or -1 when it is all valid.
 * Rejects overlong forms, surrogates (U+D800..U+DFFF) and code points above U+10FFFF, as RFC 3629 does.
 */
export function findInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    if (i + need >= n) return i; // truncated sequence at the end
    const c1 = bytes[i + 1] as number;
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k] as number;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * Decodes UTF-8 bytes to a string. Throws EMPTY for zero bytes, BINARY when a NUL byte appears and
 * INVALID_UTF8 with the byte offset of the first bad sequence. A leading byte-order mark is dropped.
 * @param label names the source in error messages, e.g. a file path.
 */
export function decodeText(bytes: Uint8Array, label: string): string {
  if (bytes.length === 0) {
    throw new DatasetError('EMPTY', `${label} is empty (0 bytes); a dataset needs at least one character.`);
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw new DatasetError(
      'BINARY',
      `${label} looks like a binary file: it has a NUL byte at byte offset ${nul}. Datasets must be UTF-8 text.`,
    );
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    if (text.length === 0)
      throw new DatasetError('EMPTY', `${label} holds only a byte-order mark; it is empty.`);
    return text;
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    const at = findInvalidUtf8(bytes);
    throw new DatasetError(
      'INVALID_UTF8',
      `${label} is not valid UTF-8: bad byte 0x${(bytes[Math.max(at, 0)] ?? 0).toString(16).padStart(2, '0')} ` +
        `at byte offset ${at}. Re-save it as UTF-8 text.`,
      { cause: err },
    );
  }
}
