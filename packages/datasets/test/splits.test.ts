// Seeded splits: the lecture's 80/10/10, makemore.py's min(1000, 10%) test set, nanoGPT's contiguous
// 90/10 text split and the by-document split.
import { Rng } from '@makemore/random';
import { describe, expect, it } from 'vitest';
import { splitDocuments, splitText, splitWords } from '../src/index.js';
import { loadDataset } from '../src/node.js';
import { DATA_DIR } from './helpers.js';

const names = (await loadDataset('names', { dataDir: DATA_DIR })).words as string[];
const sorted = (a: readonly string[]) => [...a].sort();

describe('splitWords', () => {
  it('splits 32,033 names 25,626 / 3,203 / 3,204 and loses or adds nothing', () => {
    const s = splitWords(names, { seed: 42 });
    expect([s.train.length, s.dev.length, s.test.length]).toEqual([25626, 3203, 3204]);
    expect(sorted([...s.train, ...s.dev, ...s.test])).toEqual(sorted(names));
    expect(names.slice(0, 3)).toEqual(['emma', 'olivia', 'ava']); // the input is not shuffled in place
  });

  it('is Fisher-Yates with Rng(seed).int, so any platform with the same RNG gets the same split', () => {
    const words = names.slice(0, 500);
    const rng = new Rng(7);
    const expected = [...words];
    for (let i = expected.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [expected[i], expected[j]] = [expected[j] as string, expected[i] as string];
    }
    const s = splitWords(words, { seed: 7 });
    expect([...s.train, ...s.dev, ...s.test]).toEqual(expected);
  });

  it('gives the same split for the same seed and a different one for another seed', () => {
    expect(splitWords(names, { seed: 1 }).test).toEqual(splitWords(names, { seed: 1 }).test);
    expect(splitWords(names, { seed: 1 }).test).not.toEqual(splitWords(names, { seed: 2 }).test);
  });

  it("applies makemore.py's rule: test = min(1000, 10%), dev empty", () => {
    const big = splitWords(names, { seed: 3, rule: 'makemore' });
    expect([big.train.length, big.dev.length, big.test.length]).toEqual([31033, 0, 1000]);
    const small = splitWords(names.slice(0, 57), { seed: 3, rule: 'makemore' });
    expect([small.train.length, small.test.length]).toEqual([52, 5]);
  });

  it('takes custom fractions and rejects ones that do not sum to 1', () => {
    const s = splitWords(names.slice(0, 100), { fractions: [0.5, 0.25, 0.25] });
    expect([s.train.length, s.dev.length, s.test.length]).toEqual([50, 25, 25]);
    expect(() => splitWords(names, { fractions: [0.8, 0.1, 0.2] })).toThrow(/sum/);
    expect(() => splitWords(names, { fractions: [1.1, -0.1, 0] })).toThrow(/non-negative/);
  });
});

describe('splitText', () => {
  it('splits a string contiguously 90/10 into train and val', () => {
    const text = 'abcdefghij'.repeat(11);
    const { train, val } = splitText(text);
    expect(train).toHaveLength(99);
    expect(train + val).toBe(text);
  });

  it('splits token arrays as views of the same buffer', () => {
    const tokens = Uint16Array.from({ length: 1000 }, (_, i) => i % 65);
    const { train, val } = splitText(tokens, 0.8);
    expect(train).toHaveLength(800);
    expect(val).toHaveLength(200);
    expect(train.buffer).toBe(tokens.buffer);
    expect(val[0]).toBe(tokens[800]);
  });

  it('rejects a fraction outside (0, 1)', () => {
    expect(() => splitText('abc', 1)).toThrow(/between 0 and 1/);
    expect(() => splitText('abc', 0)).toThrow(/between 0 and 1/);
  });
});

describe('splitDocuments', () => {
  const docs = Array.from({ length: 20 }, (_, i) => ({ id: `P_${1800 + i}`, text: `doc ${i}` }));

  it('keeps whole documents, in order, on one side each, seeded', () => {
    const { train, val } = splitDocuments(docs, { seed: 5 });
    expect(train).toHaveLength(18);
    expect(val).toHaveLength(2);
    expect(sorted([...train, ...val].map((d) => d.id))).toEqual(sorted(docs.map((d) => d.id)));
    expect(train.map((d) => d.id)).toEqual(sorted(train.map((d) => d.id)));
    expect(splitDocuments(docs, { seed: 5 }).val).toEqual(val);
    const others = [1, 2, 3, 4].map((seed) =>
      splitDocuments(docs, { seed })
        .val.map((d) => d.id)
        .join(),
    );
    expect(new Set(others).size).toBeGreaterThan(1);
  });

  it('leaves at least one document on each side', () => {
    const two = splitDocuments(docs.slice(0, 2), { fraction: 0.99 });
    expect([two.train.length, two.val.length]).toEqual([1, 1]);
  });
});
