/**
 * Whole words as padded sequences, the way makemore.py feeds its RNN, GRU, BoW and Transformer
 * models: for a word w of length L and blockSize T = maxWordLength + 1,
 *   x = [boundary, w_1 .. w_L, boundary, boundary, ...]   (T ids)
 *   y = [w_1 .. w_L, boundary, ignore, ignore, ...]       (T ids)
 * so the model predicts every character and the end of the word, and targets past the end are masked
 * with `ignoreIndex` (-1), which the loss skips.
 */
import { Rng } from '@makemore/random';
import { encodeWord } from './encode.js';
import { DatasetError, requireInt } from './errors.js';
import type { TextTokenizer } from './types.js';

/** All words of a split encoded at once: `x` and `y` are [n, blockSize] row-major. */
export interface WordSequences {
  x: Int32Array;
  y: Int32Array;
  n: number;
  blockSize: number;
}

/** Options for {@link encodeWordSequences}. */
export interface WordSequencesOptions {
  /**
   * Sequence length T. Default: the longest encoded word + 1. Give train, dev and test the same value
   * (e.g. `maxWordLength(allWords, tokenizer) + 1`) so one model fits all three.
   */
  blockSize?: number;
  /** Id of the start/end token. Default 0 (CharTokenizer's `.`). */
  boundaryId?: number;
  /** Target value for padded positions. Default -1. */
  ignoreIndex?: number;
}

/** The length in tokens of the longest word. */
export function maxWordLength(words: readonly string[], tokenizer: TextTokenizer): number {
  let max = 0;
  for (const w of words) max = Math.max(max, tokenizer.encode(w).length);
  return max;
}

/** Encodes every word as one padded (x, y) row. Throws when a word does not fit in blockSize - 1 tokens. */
export function encodeWordSequences(
  words: readonly string[],
  tokenizer: TextTokenizer,
  options: WordSequencesOptions = {},
): WordSequences {
  const boundary = options.boundaryId ?? 0;
  const ignore = options.ignoreIndex ?? -1;
  requireInt('boundaryId', boundary, 0);
  const encoded = words.map((w) => encodeWord(w, tokenizer));
  let longest = 0;
  for (const ids of encoded) longest = Math.max(longest, ids.length);
  const T = options.blockSize ?? longest + 1;
  requireInt('blockSize', T, 1);
  const n = encoded.length;
  const x = new Int32Array(n * T).fill(boundary);
  const y = new Int32Array(n * T).fill(ignore);
  encoded.forEach((ids, r) => {
    if (ids.length > T - 1) {
      throw new DatasetError(
        'BAD_ARGUMENT',
        `word "${words[r]}" has ${ids.length} tokens, but blockSize ${T} fits at most ${T - 1}; use blockSize >= ${ids.length + 1}`,
      );
    }
    const row = r * T;
    for (let k = 0; k < ids.length; k++) {
      x[row + 1 + k] = ids[k] as number;
      y[row + k] = ids[k] as number;
    }
    y[row + ids.length] = boundary;
  });
  return { x, y, n, blockSize: T };
}

/** One batch of word rows; `x`/`y` are [batchSize, blockSize] and are reused between steps. */
export interface WordSequenceBatch {
  x: Int32Array;
  y: Int32Array;
  batchSize: number;
  blockSize: number;
}

/** Options for {@link wordSequenceBatches}. */
export interface WordSequenceBatchesOptions {
  batchSize: number;
  /** Seed for sampling rows. Default 42. Ignored when `rng` is given. */
  seed?: number;
  rng?: Rng;
}

/**
 * An endless iterator of random batches of rows from `sequences`, drawn with replacement as
 * makemore.py's InfiniteDataLoader does. The yielded object and its arrays are the same on every step:
 * copy them before calling `next()` again.
 */
export function wordSequenceBatches(
  sequences: WordSequences,
  options: WordSequenceBatchesOptions,
): Generator<WordSequenceBatch, never> {
  const { batchSize } = options;
  requireInt('batchSize', batchSize, 1);
  if (batchSize > sequences.n) {
    throw new DatasetError(
      'NOT_ENOUGH_DATA',
      `batchSize ${batchSize} is larger than the ${sequences.n} words available; use batchSize <= ${sequences.n}`,
    );
  }
  return sampleSequences(sequences, batchSize, options);
}

function* sampleSequences(
  sequences: WordSequences,
  batchSize: number,
  options: WordSequenceBatchesOptions,
): Generator<WordSequenceBatch, never> {
  const rng = options.rng ?? new Rng(options.seed ?? 42);
  const T = sequences.blockSize;
  const batch: WordSequenceBatch = {
    x: new Int32Array(batchSize * T),
    y: new Int32Array(batchSize * T),
    batchSize,
    blockSize: T,
  };
  for (;;) {
    for (let b = 0; b < batchSize; b++) {
      const i = rng.int(sequences.n);
      for (let k = 0; k < T; k++) {
        batch.x[b * T + k] = sequences.x[i * T + k] as number;
        batch.y[b * T + k] = sequences.y[i * T + k] as number;
      }
    }
    yield batch;
  }
}
