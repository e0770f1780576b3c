/**
 * Train/dev/test splits.
 * - Words: a seeded shuffle, then contiguous 80/10/10 slices as in the makemore lecture (part 2, MLP,
 *   after Bengio et al. 2003), or makemore.py's rule: test = min(1000, 10%), the rest for training.
 * - Text: contiguous 90/10 train/val, as nanoGPT's prepare scripts do.
 * - Documents: a seeded shuffle of whole documents, so no address is split between train and val.
 * The shuffle is Fisher-Yates over @makemore/random's xoshiro128**, so a seed gives the same split on
 * every platform.
 */
import { Rng } from '@makemore/random';
import { DatasetError } from './errors.js';
import type { DatasetDocument } from './types.js';

/** Options for {@link splitWords}. */
export interface SplitWordsOptions {
  /** Seed for the shuffle. Default 42. Ignored when `rng` is given. */
  seed?: number;
  /** A generator to draw the shuffle from instead of a fresh one seeded with `seed`. */
  rng?: Rng;
  /**
   * Fractions of train, dev and test for the `fractions` rule. Default [0.8, 0.1, 0.1]. The cut points
   * are floor(f0·n) and floor((f0+f1)·n); test gets the rest.
   */
  fractions?: readonly [number, number, number];
  /**
   * `fractions` (default): the lecture's train/dev/test slices.
   * `makemore`: makemore.py's rule, test = min(1000, floor(0.1·n)), train the rest, dev empty.
   */
  rule?: 'fractions' | 'makemore';
  /** Shuffle before splitting. Default true. */
  shuffle?: boolean;
}

/** A word split. `dev` is what makemore calls the validation set. */
export interface WordSplit {
  train: string[];
  dev: string[];
  test: string[];
}

/**
 * Shuffles a copy of `words` with a seeded RNG and slices it into train/dev/test.
 * With 32,033 names and the default fractions: 25,626 / 3,203 / 3,204.
 */
export function splitWords(words: readonly string[], options: SplitWordsOptions = {}): WordSplit {
  if (!Array.isArray(words)) throw new DatasetError('BAD_ARGUMENT', 'splitWords needs an array of words');
  const rng = options.rng ?? new Rng(options.seed ?? 42);
  const items = [...words];
  if (options.shuffle !== false) rng.shuffle(items);
  const n = items.length;
  if (options.rule === 'makemore') {
    const testSize = Math.min(1000, Math.floor(n * 0.1));
    return { train: items.slice(0, n - testSize), dev: [], test: items.slice(n - testSize) };
  }
  const [f0, f1, f2] = options.fractions ?? [0.8, 0.1, 0.1];
  if (![f0, f1, f2].every((f) => Number.isFinite(f) && f >= 0) || Math.abs(f0 + f1 + f2 - 1) > 1e-9) {
    throw new DatasetError(
      'BAD_ARGUMENT',
      `split fractions must be three non-negative numbers summing to 1, got [${f0}, ${f1}, ${f2}]`,
    );
  }
  const n1 = Math.floor(f0 * n);
  const n2 = Math.floor((f0 + f1) * n);
  return { train: items.slice(0, n1), dev: items.slice(n1, n2), test: items.slice(n2) };
}

/** A text or token split. nanoGPT calls the held-out part `val`. */
export interface TextSplit<T> {
  train: T;
  val: T;
}

/**
 * Splits a string or a token array contiguously: the first floor(fraction·n) items train, the rest
 * val. Typed arrays are split with `subarray`, so no tokens are copied.
 * @param fraction the training share, in (0, 1). Default 0.9.
 */
export function splitText<T extends string | Int32Array | Uint16Array | Uint8Array>(
  data: T,
  fraction = 0.9,
): TextSplit<T> {
  if (!(fraction > 0 && fraction < 1)) {
    throw new DatasetError(
      'BAD_ARGUMENT',
      `split fraction must be between 0 and 1 (exclusive), got ${fraction}`,
    );
  }
  const n = Math.floor(fraction * data.length);
  if (typeof data === 'string') return { train: data.slice(0, n) as T, val: data.slice(n) as T };
  const arr = data as Int32Array | Uint16Array | Uint8Array;
  return { train: arr.subarray(0, n) as T, val: arr.subarray(n) as T };
}

/** Options for {@link splitDocuments}. */
export interface SplitDocumentsOptions {
  /** Seed for the shuffle. Default 42. */
  seed?: number;
  /** A generator to draw from instead of a fresh one seeded with `seed`. */
  rng?: Rng;
  /** The training share of documents. Default 0.9. */
  fraction?: number;
}

/**
 * Splits documents into train/val by whole document after a seeded shuffle. Each side keeps the
 * documents in their original order, so joining them reads chronologically for sotu.
 * With two or more documents each side gets at least one.
 */
export function splitDocuments<D extends DatasetDocument>(
  documents: readonly D[],
  options: SplitDocumentsOptions = {},
): TextSplit<D[]> {
  const fraction = options.fraction ?? 0.9;
  if (!(fraction > 0 && fraction < 1)) {
    throw new DatasetError(
      'BAD_ARGUMENT',
      `split fraction must be between 0 and 1 (exclusive), got ${fraction}`,
    );
  }
  const n = documents.length;
  const rng = options.rng ?? new Rng(options.seed ?? 42);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  let nTrain = Math.floor(fraction * n);
  if (n >= 2) nTrain = Math.min(n - 1, Math.max(1, nTrain));
  const trainSet = new Set(order.slice(0, nTrain));
  const train: D[] = [];
  const val: D[] = [];
  documents.forEach((d, i) => {
    (trainSet.has(i) ? train : val).push(d);
  });
  return { train, val };
}
