import { describe, expect, it } from 'vitest';
import { Rng } from './index';

// Reference values computed by hand from the published xoshiro128** and SplitMix32 definitions,
// with a BigInt implementation below that shares no code with the class under test.
function referenceXoshiro(seed: number, count: number): number[] {
  const M = 0xffffffffn;
  let x = BigInt(seed >>> 0);
  const split = () => {
    x = (x + 0x9e3779b9n) & M;
    let z = x;
    z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & M;
    z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & M;
    return (z ^ (z >> 16n)) & M;
  };
  const s = [split(), split(), split(), split()] as bigint[];
  const rotl = (v: bigint, k: bigint) => ((v << k) | (v >> (32n - k))) & M;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const [s0, s1, s2, s3] = s as [bigint, bigint, bigint, bigint];
    out.push(Number((rotl((s1 * 5n) & M, 7n) * 9n) & M));
    const t = (s1 << 9n) & M;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = rotl(n3, 11n);
    s.splice(0, 4, n0, n1, n2, n3);
  }
  return out;
}

describe('Rng', () => {
  it('matches an independent BigInt implementation of xoshiro128**', () => {
    for (const seed of [0, 1, 42, 2147483647, 0xdeadbeef]) {
      const rng = new Rng(seed);
      const got = Array.from({ length: 50 }, () => rng.nextUint32());
      expect(got).toEqual(referenceXoshiro(seed, 50));
    }
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const sa = Array.from({ length: 10 }, () => a.random());
    expect(Array.from({ length: 10 }, () => b.random())).toEqual(sa);
    expect(Array.from({ length: 10 }, () => c.random())).not.toEqual(sa);
  });

  it('saves and restores its state exactly', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 17; i++) rng.nextUint32();
    const saved = rng.state;
    const expected = Array.from({ length: 20 }, () => rng.random());
    const restored = Rng.fromState(saved);
    expect(Array.from({ length: 20 }, () => restored.random())).toEqual(expected);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/all zeros/);
    expect(() => Rng.fromState([1, 2] as never)).toThrow(/four uint32/);
  });

  it('draws uniform floats and unbiased integers', () => {
    const rng = new Rng(1);
    const counts = new Array(6).fill(0);
    let sum = 0;
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const f = rng.random();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
      counts[rng.int(6)]++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c / n - 1 / 6)).toBeLessThan(0.01);
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it('draws normals with mean 0 and std 1', () => {
    const rng = new Rng(5);
    const n = 50_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(s2 / n - (s / n) ** 2) - 1)).toBeLessThan(0.02);
  });

  it('shuffles to a permutation and samples categoricals by weight', () => {
    const rng = new Rng(9);
    const items = Array.from({ length: 100 }, (_, i) => i);
    const shuffled = rng.shuffle([...items]);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[rng.categorical([1, 0, 3])]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeGreaterThan(2.7);
    expect(counts[2]! / counts[0]!).toBeLessThan(3.3);
    expect(() => rng.categorical([0, 0])).toThrow(/positive weight/);
    expect(() => rng.categorical([1, -1])).toThrow(/>= 0/);
  });
});
