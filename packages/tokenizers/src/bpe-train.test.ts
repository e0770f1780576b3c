import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe';
import { countPieces, trainBpe } from './bpe-train';
import { encodeUtf8 } from './utf8';

/**
 * The textbook algorithm minbpe implements: recount every pair over all pieces (in text order, not
 * deduplicated) after each merge, take the most frequent, earliest-first on ties, merge left to right.
 */
function referenceTrain(text: string, pattern: string | null, merges: number): Array<[number, number]> {
  const re = pattern === null ? null : new RegExp(pattern, 'gu');
  const chunks = (re === null ? [text] : (text.match(re) ?? [])).map((c) => Array.from(encodeUtf8(c)));
  const out: Array<[number, number]> = [];
  for (let k = 0; k < merges; k++) {
    const stats = new Map<string, number>();
    for (const ids of chunks) {
      for (let i = 0; i + 1 < ids.length; i++) {
        const key = `${ids[i]},${ids[i + 1]}`;
        stats.set(key, (stats.get(key) ?? 0) + 1);
      }
    }
    let best = '';
    let bestCount = 0;
    for (const [key, count] of stats) {
      if (count > bestCount) {
        best = key;
        bestCount = count;
      }
    }
    if (bestCount === 0) break;
    const [a, b] = best.split(',').map(Number) as [number, number];
    out.push([a, b]);
    for (let c = 0; c < chunks.length; c++) {
      const ids = chunks[c]!;
      const merged: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
          merged.push(256 + k);
          i++;
        } else merged.push(ids[i]!);
      }
      chunks[c] = merged;
    }
  }
  return out;
}

const smallText = fc
  .array(fc.constantFrom('a', 'b', 'ab', ' a', ' ', 'aa', 'ba', 'é', '\n', 'x y', 'aaa', '1', '22'), {
    maxLength: 40,
  })
  .map((parts) => parts.join(''));

describe('trainBpe', () => {
  it("reproduces minbpe's Wikipedia example with and without a split pattern", () => {
    for (const pattern of [null, 'gpt4', 'gpt2']) {
      const tok = BpeTokenizer.train('aaabdaaabac', { vocabSize: 256 + 3, pattern });
      expect(tok.encode('aaabdaaabac')).toEqual([258, 100, 258, 97, 99]);
      expect(tok.decode([258, 100, 258, 97, 99])).toBe('aaabdaaabac');
    }
  });

  it('learns the same merges, in the same order, as recounting after every merge (ties: first seen)', () => {
    fc.assert(
      fc.property(smallText, fc.integer({ min: 1, max: 12 }), fc.boolean(), (text, merges, split) => {
        const pattern = split
          ? "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
          : null;
        const expected = referenceTrain(text, pattern, merges);
        if (expected.length < merges) {
          expect(() => trainBpe(text, { vocabSize: 256 + merges, pattern })).toThrow(RangeError);
        } else {
          expect(trainBpe(text, { vocabSize: 256 + merges, pattern }).merges).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('matches the reference on real text, where many pairs tie', () => {
    const text =
      'First Citizen: Before we proceed any further, hear me speak. All: Speak, speak. First Citizen: You are all ' +
      'resolved rather to die than to famish? All: Resolved. resolved. First Citizen: First, you know Caius Marcius ' +
      'is chief enemy to the people.';
    for (const pattern of [
      null,
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
    ]) {
      expect(trainBpe(text, { vocabSize: 256 + 60, pattern }).merges).toEqual(
        referenceTrain(text, pattern, 60),
      );
    }
  });

  it('merges overlapping runs left to right', () => {
    const { merges } = trainBpe('aaaaa', { vocabSize: 258, pattern: null });
    expect(merges).toEqual([
      [97, 97],
      [256, 256],
    ]);
  });

  it('is deterministic and reports progress after each merge', () => {
    const seen: number[] = [];
    const a = trainBpe('the cat sat on the mat with the hat', {
      vocabSize: 270,
      onProgress: (p) => seen.push(p.merge),
    });
    const b = trainBpe('the cat sat on the mat with the hat', { vocabSize: 270 });
    expect(a).toEqual(b);
    expect(seen).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(a.counts[0]).toBeGreaterThanOrEqual(a.counts[13]!);
  });

  it('keeps special tokens out of training and gives them the last ids', () => {
    const tok = BpeTokenizer.train('ab<|end|>ab<|end|>ab', { vocabSize: 258, specialTokens: ['<|end|>'] });
    expect(tok.merges).toEqual([[97, 98, 256]]);
    expect(tok.specialTokens).toEqual({ '<|end|>': 257 });
    expect(tok.vocabSize).toBe(258);
    expect(tok.encode('ab<|end|>', { allowedSpecial: 'all' })).toEqual([256, 257]);
  });

  it('counts distinct pieces in order of first appearance', () => {
    expect([...countPieces('b a b a c', 'gpt2')]).toEqual([
      ['b', 1],
      [' a', 2],
      [' b', 1],
      [' c', 1],
    ]);
  });

  it('rejects a vocabSize below the minimum, naming it', () => {
    expect(() => BpeTokenizer.train('abc', { vocabSize: 255 })).toThrow(/vocabSize must be an integer ≥ 256/);
    expect(() => BpeTokenizer.train('abc', { vocabSize: 256, specialTokens: ['<s>'] })).toThrow(/≥ 257/);
    expect(() => BpeTokenizer.train('abc', { vocabSize: 300.5 })).toThrow(RangeError);
  });

  it('says how far the text can go when it runs out of pairs', () => {
    expect(() => BpeTokenizer.train('ab', { vocabSize: 300, pattern: null })).toThrow(
      /only supports 257 tokens/,
    );
  });

  it('rejects a non-string text with a TypeError', () => {
    expect(() => BpeTokenizer.train(42 as unknown as string, { vocabSize: 300 })).toThrow(
      /expects a string.* but got number 42/,
    );
  });
});
