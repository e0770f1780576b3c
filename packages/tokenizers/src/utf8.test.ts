import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyString } from '../test/arbitraries';
import { decodeUtf8, encodeUtf8, toWellFormed, utf8Length } from './utf8';

describe('utf8', () => {
  it('encodes like TextEncoder for well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        expect(Array.from(encodeUtf8(s))).toEqual(Array.from(new TextEncoder().encode(s)));
      }),
      { numRuns: 300 },
    );
  });

  it('encodes each lone surrogate as U+FFFD (EF BF BD)', () => {
    expect(Array.from(encodeUtf8('a\uD800b'))).toEqual([0x61, 0xef, 0xbf, 0xbd, 0x62]);
    expect(Array.from(encodeUtf8('\uDC00\uD83D'))).toEqual([0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd]);
    expect(Array.from(encodeUtf8('😀'))).toEqual([0xf0, 0x9f, 0x98, 0x80]);
  });

  it('toWellFormed replaces only lone surrogates', () => {
    expect(toWellFormed('x\uD800y\uDFFF😀')).toBe('x\uFFFDy\uFFFD😀');
    expect(toWellFormed('plain')).toBe('plain');
  });

  it('decodes invalid UTF-8 to U+FFFD', () => {
    expect(decodeUtf8(Uint8Array.of(0x61, 0xff, 0x62))).toBe('a\uFFFDb');
    expect(decodeUtf8(Uint8Array.of(0xe2, 0x82))).toBe('\uFFFD');
  });

  it('round-trips any string through toWellFormed', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        expect(decodeUtf8(encodeUtf8(s))).toBe(toWellFormed(s));
        expect(utf8Length(s)).toBe(encodeUtf8(s).length);
      }),
      { numRuns: 300 },
    );
  });
});
