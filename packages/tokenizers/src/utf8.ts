/**
 * UTF-8 encoding and decoding (RFC 3629) without allocating in the hot path.
 *
 * Lone surrogates (UTF-16 halves without their partner) are not Unicode scalar values and have no UTF-8
 * form. Like Python's tiktoken, which re-encodes such text with `errors="replace"`, we encode each lone
 * surrogate as U+FFFD (bytes EF BF BD). So `decode(encode(s)) === toWellFormed(s)` for every string `s`.
 */

/** Replaces every lone surrogate in `text` with U+FFFD; well-formed text is returned unchanged. */
export function toWellFormed(text: string): string {
  const s = text as string & { isWellFormed?: () => boolean; toWellFormed?: () => string };
  if (typeof s.isWellFormed === 'function' && typeof s.toWellFormed === 'function') {
    return s.isWellFormed() ? text : s.toWellFormed();
  }
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** The UTF-8 length of `text` in bytes, with lone surrogates counted as U+FFFD (3 bytes). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** An upper bound on the UTF-8 length of `text`: 3 bytes per UTF-16 unit. */
export function maxUtf8Length(text: string): number {
  return text.length * 3;
}

/**
 * Writes the UTF-8 bytes of `text[start..end)` into `out` (which must hold 3 bytes per UTF-16 unit) and
 * returns the number of bytes written. Lone surrogates become U+FFFD.
 */
export function encodeUtf8Into(text: string, out: Uint8Array, start = 0, end = text.length): number {
  let n = 0;
  const len = end;
  for (let i = start; i < len; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < len ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out[n++] = 0xf0 | (cp >> 18);
        out[n++] = 0x80 | ((cp >> 12) & 0x3f);
        out[n++] = 0x80 | ((cp >> 6) & 0x3f);
        out[n++] = 0x80 | (cp & 0x3f);
        i++;
        continue;
      }
      c = 0xfffd;
    }
    out[n++] = 0xe0 | (c >> 12);
    out[n++] = 0x80 | ((c >> 6) & 0x3f);
    out[n++] = 0x80 | (c & 0x3f);
  }
  return n;
}

/** The UTF-8 bytes of `text` (lone surrogates become U+FFFD). */
export function encodeUtf8(text: string): Uint8Array {
  const buf = new Uint8Array(maxUtf8Length(text));
  return buf.slice(0, encodeUtf8Into(text, buf));
}

let decoder: TextDecoder | undefined;

/** Decodes UTF-8 bytes, replacing each invalid sequence with U+FFFD (WHATWG "maximal subpart" rule). */
export function decodeUtf8(bytes: Uint8Array): string {
  decoder ??= new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  return decoder.decode(bytes);
}
