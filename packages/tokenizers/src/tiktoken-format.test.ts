import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenizerFormatError } from './errors';
import { decodeBase64, encodeBase64, parseTiktokenRanks, writeTiktokenRanks } from './tiktoken-format';

describe('.tiktoken format', () => {
  it('base64 round-trips and matches known values', () => {
    expect(encodeBase64(new TextEncoder().encode(' the'))).toBe('IHRoZQ==');
    expect(Array.from(decodeBase64('IQ==')!)).toEqual([33]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), (bytes) => {
        expect(Array.from(decodeBase64(encodeBase64(bytes))!)).toEqual(Array.from(bytes));
      }),
    );
    expect(decodeBase64('I$==')).toBeNull();
    expect(decodeBase64('abc')).toBeNull();
  });

  it('parses rank lines and writes them back', () => {
    const text = 'IQ== 0\nIg== 1\r\n\nIHRoZQ== 2\n';
    const ranks = parseTiktokenRanks(text);
    expect(ranks.map((r) => [Array.from(r.bytes), r.rank, r.line])).toEqual([
      [[33], 0, 1],
      [[34], 1, 2],
      [[32, 116, 104, 101], 2, 4],
    ]);
    expect(writeTiktokenRanks(ranks)).toBe('IQ== 0\nIg== 1\nIHRoZQ== 2\n');
  });

  it('names the line and the problem in malformed files', () => {
    const bad = (text: string, pattern: RegExp) => {
      expect(() => parseTiktokenRanks(text)).toThrow(TokenizerFormatError);
      expect(() => parseTiktokenRanks(text)).toThrow(pattern);
    };
    bad('IQ== 0\nIg==\n', /line 2: expected "<base64 token> <rank>"/);
    bad('IQ== 0\nIg== x\n', /line 2: rank "x" is not a non-negative integer/);
    bad('IQ== 0\nI!== 1\n', /line 2: token "I!==" is not valid/);
    bad('IQ== 0\nIg== 0\n', /line 2: rank 0 was already given on line 1/);
    bad('IQ== 0\nIQ== 1\n', /line 2: token IQ== was already given on line 1/);
    bad('\n\n', /holds no tokens/);
  });
});
