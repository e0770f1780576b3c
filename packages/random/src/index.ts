/**
 * @makemore/random: a small, fully specified pseudo-random number generator.
 *
 * Every seeded thing in makemore.ts (dataset splits, weight initialisation, batch sampling, text
 * generation) draws from this generator, so a seed gives the same result in Node and in every browser.
 *
 * The algorithm is xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
 * 2018), seeded by expanding the seed with SplitMix32. Its state is four uint32 words, which
 * {@link Rng.state} exposes so that a training run can be checkpointed and resumed exactly.
 */

/** The four 32-bit words of xoshiro128** state. */
export type RngState = [number, number, number, number];

const TWO_POW_32 = 4294967296;

/** SplitMix32: turns one 32-bit seed into a stream of well-mixed words, used only for seeding. */
function splitMix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Seeded random numbers. Create one with `new Rng(seed)`. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * @param seed any finite number; it is reduced to 32 bits (non-integers are truncated).
   */
  constructor(seed = 42) {
    if (!Number.isFinite(seed)) {
      throw new TypeError(`Rng seed must be a finite number, got ${String(seed)}`);
    }
    const next = splitMix32(Math.trunc(seed) >>> 0);
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A generator that continues from a saved {@link RngState}. */
  static fromState(state: RngState): Rng {
    if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w))) {
      throw new TypeError(`Rng state must be an array of four uint32 words, got ${JSON.stringify(state)}`);
    }
    const rng = new Rng(0);
    rng.state = state;
    return rng;
  }

  /** The current state; assigning it restores a saved state. */
  get state(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  set state(state: RngState) {
    const [a, b, c, d] = state.map((w) => w >>> 0) as RngState;
    if ((a | b | c | d) === 0) throw new RangeError('Rng state must not be all zeros');
    this.s0 = a;
    this.s1 = b;
    this.s2 = c;
    this.s3 = d;
  }

  /** The next uint32 of the xoshiro128** stream. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1) with 53 random bits, built from two uint32 draws. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    // Rejection sampling on the top of the uint32 range keeps every value equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A standard normal sample (Box–Muller, one value per call so the state stays four words). */
  normal(mean = 0, std = 1): number {
    let u = this.random();
    while (u === 0) u = this.random();
    const v = this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles an array in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /**
   * Draws an index from unnormalised, non-negative weights (like `torch.multinomial(p, 1)`).
   * Throws when every weight is zero or any is negative or NaN.
   */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i] as number;
      if (!(w >= 0)) throw new RangeError(`categorical weight ${i} is ${w}; weights must be >= 0`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('categorical needs at least one positive weight');
    let r = this.random() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    // Rounding can leave r a hair above zero: return the last index with positive weight.
    for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i;
    return weights.length - 1;
  }

  /** An independent generator derived from this one, for giving a sub-task its own stream. */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }
}
