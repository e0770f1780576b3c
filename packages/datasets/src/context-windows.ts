/**
 * The (context -> next token) examples of the makemore lecture's MLP (Bengio et al. 2003, "A Neural
 * Probabilistic Language Model"): every word is framed by boundary tokens, and each of its tokens and
 * the final boundary is predicted from the `blockSize` tokens before it (`... -> e`, `..e -> m`, ...).
 */
import { Rng } from '@makemore/random';
import { encodeWord } from './encode.js';
import { DatasetError, requireInt } from './errors.js';
import type { TextTokenizer } from './types.js';

/** Examples as flat typed arrays: `x` is [n, blockSize] row-major, `y` is [n]. */
export interface ContextWindows {
  x: Int32Array;
  y: Int32Array;
  n: number;
  blockSize: number;
}

/** Options for {@link contextWindows}. */
export interface ContextWindowsOptions {
  /** The id that pads contexts and ends each word. Default 0 (CharTokenizer's `.`). */
  boundaryId?: number;
}

/**
 * Builds every (context, next) pair for a list of words. For names with blockSize 3 that is
 * 228,146 examples: one per character plus one end-of-word per name.
 */
export function contextWindows(
  words: readonly string[],
  tokenizer: TextTokenizer,
  blockSize: number,
  options: ContextWindowsOptions = {},
): ContextWindows {
  requireInt('blockSize', blockSize, 1);
  const boundary = options.boundaryId ?? 0;
  requireInt('boundaryId', boundary, 0);
  const encoded = words.map((w) => encodeWord(w, tokenizer));
  let n = 0;
  for (const ids of encoded) n += ids.length + 1;
  const x = new Int32Array(n * blockSize);
  const y = new Int32Array(n);
  const context = new Int32Array(blockSize);
  let row = 0;
  for (const ids of encoded) {
    context.fill(boundary);
    for (let k = 0; k <= ids.length; k++) {
      const next = k < ids.length ? (ids[k] as number) : boundary;
      x.set(context, row * blockSize);
      y[row] = next;
      row++;
      context.copyWithin(0, 1);
      context[blockSize - 1] = next;
    }
  }
  return { x, y, n, blockSize };
}

/** One minibatch of context windows. The arrays are reused: copy them before asking for the next batch. */
export interface WindowBatch {
  x: Int32Array;
  y: Int32Array;
  batchSize: number;
  blockSize: number;
}

/** Options for {@link windowBatches}. */
export interface WindowBatchesOptions {
  batchSize: number;
  /** Seed for sampling. Default 42. Ignored when `rng` is given. */
  seed?: number;
  rng?: Rng;
}

/**
 * An endless iterator of random minibatches drawn from `windows` with replacement, like the lecture's
 * `ix = torch.randint(0, X.shape[0], (batchSize,))`. It allocates its two buffers once and refills
 * them on every step: copy `x`/`y` (or upload them to a tensor) before calling `next()` again.
 */
export function windowBatches(
  windows: ContextWindows,
  options: WindowBatchesOptions,
): Generator<WindowBatch, never> {
  const { batchSize } = options;
  requireInt('batchSize', batchSize, 1);
  if (batchSize > windows.n) {
    throw new DatasetError(
      'NOT_ENOUGH_DATA',
      `batchSize ${batchSize} is larger than the ${windows.n} examples available; use batchSize <= ${windows.n}`,
    );
  }
  // Checked above, outside the generator, so bad options fail at the call and not at the first next().
  return sampleRows(windows, batchSize, options);
}

function* sampleRows(
  windows: ContextWindows,
  batchSize: number,
  options: WindowBatchesOptions,
): Generator<WindowBatch, never> {
  const rng = options.rng ?? new Rng(options.seed ?? 42);
  const T = windows.blockSize;
  const batch: WindowBatch = {
    x: new Int32Array(batchSize * T),
    y: new Int32Array(batchSize),
    batchSize,
    blockSize: T,
  };
  for (;;) {
    for (let b = 0; b < batchSize; b++) {
      const i = rng.int(windows.n);
      for (let k = 0; k < T; k++) batch.x[b * T + k] = windows.x[i * T + k] as number;
      batch.y[b] = windows.y[i] as number;
    }
    yield batch;
  }
}
