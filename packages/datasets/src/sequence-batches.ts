/**
 * Random training windows from one long token stream, as nanoGPT's `get_batch` draws them: pick
 * `batchSize` offsets uniformly, take `blockSize` tokens as input and the same window shifted by one
 * as targets. The iterator fills the same two Int32Arrays on every step, so training allocates nothing.
 */
import { Rng } from '@makemore/random';
import { DatasetError, requireInt } from './errors.js';

/** Token ids in a typed array (what `encodeText` returns). */
export type TokenArray = Int32Array | Uint16Array | Uint8Array;

/** One batch: `x` and `y` are [batchSize, blockSize] row-major; `y` is `x` shifted one token on. */
export interface SequenceBatch {
  x: Int32Array;
  y: Int32Array;
  batchSize: number;
  blockSize: number;
}

/** Options for {@link sequenceBatches}. */
export interface SequenceBatchesOptions {
  blockSize: number;
  batchSize: number;
  /** Seed for the offsets. Default 42. Ignored when `rng` is given. */
  seed?: number;
  rng?: Rng;
}

function checkStream(tokens: TokenArray, blockSize: number, batchSize: number): number {
  requireInt('blockSize', blockSize, 1);
  requireInt('batchSize', batchSize, 1);
  const windows = tokens.length - blockSize;
  if (windows < 1) {
    throw new DatasetError(
      'NOT_ENOUGH_DATA',
      `a window of blockSize ${blockSize} needs at least ${blockSize + 1} tokens, but the data has ${tokens.length}; use a smaller blockSize or more data`,
    );
  }
  if (batchSize > windows) {
    throw new DatasetError(
      'NOT_ENOUGH_DATA',
      `batchSize ${batchSize} is larger than the ${windows} distinct windows of ${blockSize + 1} tokens in ${tokens.length} tokens; use batchSize <= ${windows}`,
    );
  }
  return windows;
}

/**
 * An endless iterator of random (x, y) batches from `tokens`.
 *
 * The yielded object and its `x`/`y` arrays are the SAME on every step: copy them (or upload them to a
 * tensor) before calling `next()` again.
 */
export function sequenceBatches(
  tokens: TokenArray,
  options: SequenceBatchesOptions,
): Generator<SequenceBatch, never> {
  // Checked outside the generator, so bad options fail at the call and not at the first next().
  const windows = checkStream(tokens, options.blockSize, options.batchSize);
  return sampleWindows(tokens, windows, options);
}

function* sampleWindows(
  tokens: TokenArray,
  windows: number,
  options: SequenceBatchesOptions,
): Generator<SequenceBatch, never> {
  const { blockSize, batchSize } = options;
  const rng = options.rng ?? new Rng(options.seed ?? 42);
  const batch: SequenceBatch = {
    x: new Int32Array(batchSize * blockSize),
    y: new Int32Array(batchSize * blockSize),
    batchSize,
    blockSize,
  };
  for (;;) {
    for (let b = 0; b < batchSize; b++) {
      const i = rng.int(windows);
      // set() from a view copies natively (and converts Uint16 to Int32); it beats a JS loop for long rows
      batch.x.set(tokens.subarray(i, i + blockSize), b * blockSize);
      batch.y.set(tokens.subarray(i + 1, i + 1 + blockSize), b * blockSize);
    }
    yield batch;
  }
}

/**
 * A finite iterator over consecutive, non-overlapping windows of `tokens` in order, for a deterministic
 * evaluation pass. The last batch may hold fewer rows (`batchSize` says how many); the tail that does
 * not fill a whole window is skipped. Buffers are reused as in {@link sequenceBatches}.
 */
export function orderedSequenceBatches(
  tokens: TokenArray,
  options: { blockSize: number; batchSize: number },
): Generator<SequenceBatch, void> {
  const { blockSize, batchSize } = options;
  requireInt('blockSize', blockSize, 1);
  requireInt('batchSize', batchSize, 1);
  const rows = Math.floor((tokens.length - 1) / blockSize);
  if (rows < 1) {
    throw new DatasetError(
      'NOT_ENOUGH_DATA',
      `a window of blockSize ${blockSize} needs at least ${blockSize + 1} tokens, but the data has ${tokens.length}`,
    );
  }
  return walkWindows(tokens, rows, blockSize, batchSize);
}

function* walkWindows(
  tokens: TokenArray,
  rows: number,
  blockSize: number,
  batchSize: number,
): Generator<SequenceBatch, void> {
  const x = new Int32Array(batchSize * blockSize);
  const y = new Int32Array(batchSize * blockSize);
  for (let r0 = 0; r0 < rows; r0 += batchSize) {
    const count = Math.min(batchSize, rows - r0);
    for (let b = 0; b < count; b++) {
      const i = (r0 + b) * blockSize;
      x.set(tokens.subarray(i, i + blockSize), b * blockSize);
      y.set(tokens.subarray(i + 1, i + 1 + blockSize), b * blockSize);
    }
    yield {
      x: count === batchSize ? x : x.subarray(0, count * blockSize),
      y: count === batchSize ? y : y.subarray(0, count * blockSize),
      batchSize: count,
      blockSize,
    };
  }
}
