/**
 * Text windows: nanoGPT-style batches from a token stream, wherever the stream lives.
 *
 * An example is the `blockSize + 1` ids starting at some position of a split: a sequence model reads the
 * first `blockSize` and predicts every next one (y is the window shifted by one), a window model reads the
 * same `blockSize` and predicts only the id after them. Training draws start positions uniformly with the
 * caller's {@link Rng}; evaluation either draws the same way or walks the split once in consecutive,
 * non-overlapping windows.
 *
 * Only the *reading* of one window differs between an in-memory stream (`createTrainingData`'s `text`
 * kind) and token shards on disk (`openTokenShards`), so both hand a {@link WindowReader} to
 * {@link textWindowData}, which owns the batch and evaluation loops. The same positions give the same
 * batches from either source.
 */
import type { InputKind } from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, TrainingData } from './data';

/** Where the windows come from: how many start positions a split has, and how to read one window. */
export interface WindowReader {
  /** Split names in order; the first is the training split. */
  readonly splits: string[];
  /** Start positions of `split`: every position with `blockSize + 1` ids from it (in one stream or shard). */
  positions(split: string): number;
  /** Reads the `blockSize + 1` ids of the window at start position `position` of `split` into `into`. */
  read(split: string, position: number, into: Int32Array): void;
}

/** Options for {@link textWindowData}. */
export interface TextWindowOptions {
  reader: WindowReader;
  inputKind: InputKind;
  blockSize: number;
  /** The split that picks the best checkpoint. */
  evalSplit: string;
  describe: () => Record<string, unknown>;
}

/** {@link TrainingData} of `kind: 'text'` over a {@link WindowReader}. */
export function textWindowData(options: TextWindowOptions): TrainingData {
  const { reader, inputKind, blockSize } = options;
  // A sequence model reads blockSize tokens and predicts blockSize; a window model predicts one.
  const yWidth = inputKind === 'window' ? 1 : blockSize;
  const yOffset = inputKind === 'window' ? blockSize : 1;
  const known = (split: string): number => {
    if (!reader.splits.includes(split))
      throw new Error(`unknown split '${split}'; the splits are: ${reader.splits.join(', ')}`);
    return reader.positions(split);
  };
  const window = new Int32Array(blockSize + 1);
  const gather = (split: string, positions: ArrayLike<number>): Batch & { count: number } => {
    const b = positions.length;
    const x = new Int32Array(b * blockSize);
    const y = new Int32Array(b * yWidth);
    for (let i = 0; i < b; i++) {
      reader.read(split, positions[i] as number, window);
      x.set(window.subarray(0, blockSize), i * blockSize);
      y.set(window.subarray(yOffset, yOffset + yWidth), i * yWidth);
    }
    return {
      x: tf.tensor2d(x, [b, blockSize], 'int32'),
      y: tf.tensor(y, yWidth === 1 ? [b] : [b, yWidth], 'int32'),
      count: b * yWidth,
    };
  };
  const draw = (n: number, batchSize: number, rng: { int(n: number): number }): Int32Array => {
    const positions = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) positions[i] = rng.int(n);
    return positions;
  };
  return {
    kind: 'text',
    inputKind,
    blockSize,
    splits: reader.splits,
    evalSplit: options.evalSplit,
    ignoreIndex: -1,
    tokensPerExample: blockSize,
    size: known,
    batch(split, batchSize, rng) {
      const n = known(split);
      checkBatch(split, batchSize, n);
      const { x, y } = gather(split, draw(n, batchSize, rng));
      return { x, y };
    },
    *evalBatches(split, { batchSize, iters, rng }) {
      const n = known(split);
      checkBatch(split, batchSize, n);
      if (iters === 'all') {
        // Consecutive non-overlapping windows: every token of the split is a target once (window models:
        // every token after the first window). Built a batch at a time, so memory stays one batch.
        const step = yWidth === 1 ? 1 : blockSize;
        let batch: number[] = [];
        for (let p = 0; p < n; p += step) {
          batch.push(p);
          if (batch.length === batchSize) {
            yield gather(split, batch);
            batch = [];
          }
        }
        if (batch.length > 0) yield gather(split, batch);
        return;
      }
      const source = requireRng(rng, iters);
      for (let it = 0; it < iters; it++) yield gather(split, draw(n, batchSize, source));
    },
    describe: options.describe,
  };
}

/** Refuses a batch size that is not a whole number ≥ 1, and a split with no example. */
export function checkBatch(split: string, batchSize: number, n: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
  }
  if (n < 1) throw new RangeError(`split '${split}' has no examples; it cannot give a batch`);
}

/** The rng a numeric `iters` needs, after checking `iters`. */
export function requireRng<R>(rng: R | undefined, iters: number): R {
  if (!Number.isInteger(iters) || iters < 1)
    throw new RangeError(`iters must be 'all' or an integer >= 1, got ${iters}`);
  if (!rng) throw new Error('evalBatches: a numeric iters needs an rng to draw random batches');
  return rng;
}
