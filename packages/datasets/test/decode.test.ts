// UTF-8 validation with byte offsets, checked against the platform's own strict decoder.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DatasetError, decodeText, findInvalidUtf8 } from '../src/index.js';

const strictValid = (bytes: Uint8Array) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};

describe('findInvalidUtf8', () => {
  it('finds the first bad byte', () => {
    const b = (...x: number[]) => Uint8Array.from(x);
    expect(findInvalidUtf8(new TextEncoder().encode('naïve ☃ 𝄞'))).toBe(-1);
    expect(findInvalidUtf8(b(0x61, 0xff, 0x61))).toBe(1); // never valid
    expect(findInvalidUtf8(b(0x61, 0xc0, 0x80))).toBe(1); // overlong NUL
    expect(findInvalidUtf8(b(0xe0, 0x80, 0x80))).toBe(0); // overlong 3-byte
    expect(findInvalidUtf8(b(0xed, 0xa0, 0x80))).toBe(0); // surrogate U+D800
    expect(findInvalidUtf8(b(0xf4, 0x90, 0x80, 0x80))).toBe(0); // above U+10FFFF
    expect(findInvalidUtf8(b(0x61, 0x62, 0xe2, 0x98))).toBe(2); // truncated at the end
    expect(findInvalidUtf8(b(0xe2, 0x41, 0x83))).toBe(0); // bad continuation
  });

  it('agrees with a strict TextDecoder on random bytes and on every valid string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(findInvalidUtf8(bytes) === -1).toBe(strictValid(bytes));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
        expect(findInvalidUtf8(new TextEncoder().encode(s))).toBe(-1);
      }),
    );
  });
});

describe('decodeText', () => {
  it('decodes UTF-8 and drops a byte-order mark', () => {
    expect(decodeText(Uint8Array.from([0xef, 0xbb, 0xbf, 0x68, 0x69]), 'x')).toBe('hi');
  });

  it('names the problem and the offset', () => {
    expect(() => decodeText(new Uint8Array(0), 'a.txt')).toThrow(/a\.txt is empty/);
    const err = (() => {
      try {
        decodeText(Uint8Array.from([0x68, 0x69, 0x0a, 0xc3, 0x28]), 'b.txt');
      } catch (e) {
        return e as DatasetError;
      }
    })();
    expect(err?.code).toBe('INVALID_UTF8');
    expect(err?.message).toBe(
      'b.txt is not valid UTF-8: bad byte 0xc3 at byte offset 3. Re-save it as UTF-8 text.',
    );
    expect(() => decodeText(Uint8Array.from([0x41, 0, 0x42]), 'c.bin')).toThrow(/NUL byte at byte offset 1/);
  });
});
