/**
 * BigramCounts: the first model of makemore lecture part 1. Count how often each token follows each
 * other token, add `smoothing` to every cell (Laplace / additive smoothing), and normalise rows into
 * next-token probabilities P(b | a) = (N[a, b] + s) / Σ_b' (N[a, b'] + s).
 *
 * Pure typed arrays and float64 arithmetic, no TensorFlow.js: fitting names.txt takes milliseconds,
 * and `nll` is the exact average negative log-likelihood the neural models are compared against.
 */
import { Rng } from '@makemore/random';
import type { ModelConfig } from './types';

/** Configuration of {@link BigramCounts} (`type: 'bigram'` in a model config). */
export interface BigramCountsConfig {
  /** Number of distinct token ids, boundary token included. */
  vocabSize: number;
  /** Pseudo-count added to every cell before normalising (default 1; 0 gives the raw maximum-likelihood table). */
  smoothing?: number;
}

/** A bigram count table with additive smoothing. */
export class BigramCounts {
  /** Number of token ids. */
  readonly vocabSize: number;
  /** The pseudo-count added to every cell. */
  readonly smoothing: number;
  /** Row-major `[vocabSize, vocabSize]` counts: `counts[a * V + b]` = times b followed a. */
  readonly counts: Float64Array;
  /** A bigram reads one token of context. */
  readonly blockSize = 1;

  constructor(config: BigramCountsConfig) {
    const { vocabSize } = config;
    if (!Number.isInteger(vocabSize) || vocabSize < 1) {
      throw new Error(`BigramCounts: vocabSize must be a positive integer, got ${JSON.stringify(vocabSize)}`);
    }
    const smoothing = config.smoothing ?? 1;
    if (!(smoothing >= 0) || !Number.isFinite(smoothing)) {
      throw new Error(`BigramCounts: smoothing must be a finite number >= 0, got ${smoothing}`);
    }
    this.vocabSize = vocabSize;
    this.smoothing = smoothing;
    this.counts = new Float64Array(vocabSize * vocabSize);
  }

  /** The model config as plain JSON (`type: 'bigram'`). */
  get config(): ModelConfig {
    return { type: 'bigram', vocabSize: this.vocabSize, blockSize: 1, smoothing: this.smoothing };
  }

  /**
   * Counts every adjacent pair in every sequence (adding to existing counts). Sequences already hold
   * their boundary tokens, e.g. `[0, 5, 13, 13, 1, 0]` for `.emma.`. Returns `this`.
   */
  fit(sequences: Iterable<ArrayLike<number>>): this {
    const V = this.vocabSize;
    for (const seq of sequences) {
      for (let i = 0; i + 1 < seq.length; i++) {
        const a = this.checkToken(seq[i] as number);
        const b = this.checkToken(seq[i + 1] as number);
        this.counts[a * V + b] = (this.counts[a * V + b] as number) + 1;
      }
    }
    return this;
  }

  /** Sets every count back to zero. */
  reset(): void {
    this.counts.fill(0);
  }

  /** Smoothed P(next | prev) for one row, as a fresh Float64Array of length `vocabSize`. */
  rowProbabilities(prev: number): Float64Array {
    const V = this.vocabSize;
    const a = this.checkToken(prev);
    const row = new Float64Array(V);
    let total = 0;
    for (let b = 0; b < V; b++) {
      const c = (this.counts[a * V + b] as number) + this.smoothing;
      row[b] = c;
      total += c;
    }
    if (total > 0) for (let b = 0; b < V; b++) row[b] = (row[b] as number) / total;
    return row;
  }

  /**
   * The whole smoothed probability matrix, row-major `[V, V]`. A row with no counts and no smoothing
   * is all zeros (that token was never seen followed by anything).
   */
  probabilities(): Float64Array {
    const V = this.vocabSize;
    const out = new Float64Array(V * V);
    for (let a = 0; a < V; a++) out.set(this.rowProbabilities(a), a * V);
    return out;
  }

  /** The probability matrix as nested arrays `P[prev][next]`. */
  probabilityMatrix(): number[][] {
    const V = this.vocabSize;
    const p = this.probabilities();
    return Array.from({ length: V }, (_, a) => Array.from(p.subarray(a * V, (a + 1) * V)));
  }

  /**
   * Exact average negative log-likelihood (nats per predicted token, float64) of every adjacent pair
   * in `sequences`. Infinity when some pair has probability zero (use smoothing > 0 to avoid it).
   */
  nll(sequences: Iterable<ArrayLike<number>>): number {
    const V = this.vocabSize;
    const logp = this.probabilities().map(Math.log);
    let sum = 0;
    let n = 0;
    for (const seq of sequences) {
      for (let i = 0; i + 1 < seq.length; i++) {
        const a = this.checkToken(seq[i] as number);
        const b = this.checkToken(seq[i + 1] as number);
        sum -= logp[a * V + b] as number;
        n++;
      }
    }
    if (n === 0)
      throw new Error('BigramCounts.nll: the sequences hold no pairs (each needs at least 2 tokens)');
    return sum / n;
  }

  /**
   * Samples one sequence: start after `start` (default the boundary token 0) and draw until `stop`
   * (default 0) or `maxLength` tokens. Returns the drawn tokens without the stop token.
   */
  sample(rng: Rng | number, options: { start?: number; stop?: number; maxLength?: number } = {}): number[] {
    const r = typeof rng === 'number' ? new Rng(rng) : rng;
    const stop = options.stop ?? 0;
    const maxLength = options.maxLength ?? 256;
    const out: number[] = [];
    let prev = options.start ?? 0;
    while (out.length < maxLength) {
      const next = r.categorical(this.rowProbabilities(prev));
      if (next === stop) break;
      out.push(next);
      prev = next;
    }
    return out;
  }

  /** The counts and config as JSON-friendly data (see {@link BigramCounts.fromJSON}). */
  toJSON(): { config: BigramCountsConfig; counts: number[] } {
    return {
      config: { vocabSize: this.vocabSize, smoothing: this.smoothing },
      counts: Array.from(this.counts),
    };
  }

  /** Rebuilds a table saved with {@link BigramCounts.toJSON}. */
  static fromJSON(json: { config: BigramCountsConfig; counts: ArrayLike<number> }): BigramCounts {
    const model = new BigramCounts(json.config);
    model.setCounts(json.counts);
    return model;
  }

  /** Replaces the counts with a row-major `[V, V]` array of non-negative numbers. */
  setCounts(counts: ArrayLike<number>): void {
    const V = this.vocabSize;
    if (counts.length !== V * V) {
      throw new Error(`BigramCounts: counts must have ${V}×${V} = ${V * V} entries, got ${counts.length}`);
    }
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i] as number;
      if (!(c >= 0)) throw new Error(`BigramCounts: count ${i} is ${c}; counts must be >= 0`);
    }
    this.counts.set(counts);
  }

  private checkToken(t: number): number {
    if (!Number.isInteger(t) || t < 0 || t >= this.vocabSize) {
      throw new RangeError(`BigramCounts: token id ${t} is outside [0, ${this.vocabSize})`);
    }
    return t;
  }
}
