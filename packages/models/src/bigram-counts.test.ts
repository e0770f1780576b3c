import { Rng } from '@makemore/random';
import { describe, expect, it } from 'vitest';
import { BigramCounts } from './bigram-counts';
import { encodedNames } from '../test/support/names';

describe('BigramCounts', () => {
  it('counts pairs and computes the smoothed NLL by hand on a tiny corpus', () => {
    // ".ab." and ".a." over the vocabulary {., a, b}
    const model = new BigramCounts({ vocabSize: 3, smoothing: 1 }).fit([
      [0, 1, 2, 0],
      [0, 1, 0],
    ]);
    expect(Array.from(model.counts)).toEqual([0, 2, 0, 1, 0, 1, 1, 0, 0]);
    const P = model.probabilityMatrix();
    expect(P[0]).toEqual([1 / 5, 3 / 5, 1 / 5]);
    expect(P[1]).toEqual([2 / 5, 1 / 5, 2 / 5]);
    // pairs: .a a b b . .a a .
    const expected =
      -(Math.log(3 / 5) + Math.log(2 / 5) + Math.log(2 / 4) + Math.log(3 / 5) + Math.log(2 / 5)) / 5;
    expect(
      model.nll([
        [0, 1, 2, 0],
        [0, 1, 0],
      ]),
    ).toBeCloseTo(expected, 12);
  });

  it('without smoothing an unseen pair has infinite NLL and rows still sum to one', () => {
    const model = new BigramCounts({ vocabSize: 3, smoothing: 0 }).fit([[0, 1, 0]]);
    expect(model.nll([[0, 2, 0]])).toBe(Number.POSITIVE_INFINITY);
    const row = model.rowProbabilities(0);
    expect(row[0]! + row[1]! + row[2]!).toBeCloseTo(1, 12);
  });

  it('gives the lecture NLL on names.txt (≈ 2.454 with +1 smoothing)', () => {
    const names = encodedNames();
    const model = new BigramCounts({ vocabSize: 27 }).fit(names);
    const nll = model.nll(names);
    expect(nll).toBeGreaterThan(2.45);
    expect(nll).toBeLessThan(2.46);
  });

  it('samples deterministically per seed, from the row distribution', () => {
    const model = new BigramCounts({ vocabSize: 3, smoothing: 0 }).fit([
      [0, 1, 0],
      [0, 1, 0],
      [0, 2, 0],
      [0, 1, 0],
    ]);
    expect(model.sample(7)).toEqual(model.sample(7));
    const rng = new Rng(1);
    let ones = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) if (model.sample(rng, { maxLength: 1 })[0] === 1) ones++;
    expect(ones / n).toBeGreaterThan(0.72);
    expect(ones / n).toBeLessThan(0.78);
  });

  it('rejects bad input with clear errors and round-trips through JSON', () => {
    expect(() => new BigramCounts({ vocabSize: 0 })).toThrow(/vocabSize/);
    expect(() => new BigramCounts({ vocabSize: 3, smoothing: -1 })).toThrow(/smoothing/);
    const model = new BigramCounts({ vocabSize: 3 }).fit([[0, 2, 0]]);
    expect(() => model.fit([[0, 3]])).toThrow(/token id 3 is outside \[0, 3\)/);
    const copy = BigramCounts.fromJSON(JSON.parse(JSON.stringify(model)));
    expect(Array.from(copy.counts)).toEqual(Array.from(model.counts));
    expect(copy.smoothing).toBe(1);
  });
});
