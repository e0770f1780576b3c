import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe';
import { readCompactRanks, writeCompactRanks } from './compact-ranks';
import { TokenizerFormatError } from './errors';

function tokensOf(data: string): Array<number[] | undefined> {
  const { bytes, starts, ends, count } = readCompactRanks(data);
  const out: Array<number[] | undefined> = [];
  for (let r = 0; r < count; r++) {
    const token = Array.from(bytes.subarray(starts[r]!, ends[r]!));
    out.push(token.length === 0 ? undefined : token);
  }
  return out;
}

describe('compact rank format', () => {
  it('writes text tokens as UTF-8 text and others byte by byte', () => {
    const utf8 = new TextEncoder();
    const data = writeCompactRanks([
      utf8.encode('hi'),
      undefined,
      Uint8Array.of(0xe2, 0x82),
      Uint8Array.of(0, 1, 3, 4),
    ]);
    expect(data).toBe('\x01hi\x03\x02\xe2\x82\x02\u0100\u0101\u0103\x04');
    expect(tokensOf(data)).toEqual([[0x68, 0x69], undefined, [0xe2, 0x82], [0, 1, 3, 4]]);
  });

  it('round-trips any list of byte strings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.uint8Array({ minLength: 1, maxLength: 12 }), { nil: undefined }), {
          minLength: 1,
        }),
        (tokens) => {
          expect(tokensOf(writeCompactRanks(tokens))).toEqual(
            tokens.map((t) => (t ? Array.from(t) : undefined)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects malformed data with the token it failed on', () => {
    expect(() => readCompactRanks('')).toThrow(TokenizerFormatError);
    expect(() => readCompactRanks('abc')).toThrow(/token 0 starts with byte 0x61/);
    expect(() => readCompactRanks('\x01a\x01')).toThrow(/token 1 is empty/);
    expect(() => readCompactRanks('\x01a\x02\u0400')).toThrow(
      /token 1 holds a character that is not a byte character/,
    );
  });

  it('builds the same tokenizer as the .tiktoken text of the same ranks', () => {
    const trained = BpeTokenizer.train('low lower lowest newer wider '.repeat(20), { vocabSize: 270 });
    const tokens: Uint8Array[] = [];
    for (let id = 0; id < trained.vocabSize; id++) tokens.push(trained.tokenBytes(id));
    const compact = BpeTokenizer.fromCompactRanks(writeCompactRanks(tokens), { pattern: 'gpt4' });
    expect(compact.merges).toEqual(trained.merges);
    expect(() =>
      BpeTokenizer.fromCompactRanks(writeCompactRanks([...tokens, tokens[260]!]), { pattern: 'gpt4' }),
    ).toThrow(/token of rank 270 cannot be built from two lower-ranked tokens/);
  });
});
