/**
 * Training data read from token shards on disk (`prepareTokenShards` of @makemore/datasets/node), for
 * corpora larger than memory.
 *
 * Batches are nanoGPT-style random windows: a start position is drawn uniformly over every window of
 * the split (windows do not cross shard files), and only that window's `blockSize + 1` ids are read from
 * its file with one positioned read. Memory is bounded by the batch, not by the corpus: the shard files
 * stay on disk and are only held open.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { InputKind } from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, TrainingData } from '../data';

/** The fields of a shard folder's index.json this reads. */
interface ShardIndex {
  format: string;
  dtype: 'uint16' | 'uint32';
  vocabSize: number;
  tokenizer?: unknown;
  splits: Record<string, { file: string; tokens: number }[]>;
}

/** Options for {@link openTokenShards}. */
export interface TokenShardsDataOptions {
  inputKind: InputKind;
  blockSize: number;
  /** Extra fields for `describe()`. */
  info?: Record<string, unknown>;
}

/** Training data over shard files, with `close()` to release the file handles. */
export interface ShardedTrainingData extends TrainingData {
  /** The tokenizer JSON recorded in index.json, if any. */
  readonly tokenizer: unknown;
  readonly vocabSize: number;
  close(): void;
}

interface OpenShard {
  fd: number;
  tokens: number;
  /** Windows that start in this shard: tokens − blockSize (window models need blockSize + 1 ids too). */
  windows: number;
  /** Windows in the shards before this one. */
  before: number;
}

/** Opens a shard folder as {@link TrainingData} with splits `train` and `val`. */
export function openTokenShards(dir: string, options: TokenShardsDataOptions): ShardedTrainingData {
  let index: ShardIndex;
  try {
    index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as ShardIndex;
  } catch (error) {
    throw new Error(
      `${dir} is not a token shard folder: cannot read index.json (${(error as Error).message})`,
    );
  }
  if (index.format !== 'makemore-token-shards') {
    throw new Error(
      `${join(dir, 'index.json')} is not a token shard index (format ${JSON.stringify(index.format)})`,
    );
  }
  const { blockSize, inputKind } = options;
  const width = index.dtype === 'uint32' ? 4 : 2;
  const yWidth = inputKind === 'window' ? 1 : blockSize;
  const yOffset = inputKind === 'window' ? blockSize : 1;
  const opened: Record<string, OpenShard[]> = {};
  const fds: number[] = [];
  for (const [split, shards] of Object.entries(index.splits)) {
    let before = 0;
    opened[split] = shards.map((s) => {
      const fd = openSync(join(dir, s.file), 'r');
      fds.push(fd);
      const windows = Math.max(0, s.tokens - blockSize);
      const o = { fd, tokens: s.tokens, windows, before };
      before += windows;
      return o;
    });
    if (before < 1) {
      for (const fd of fds) closeSync(fd);
      throw new RangeError(`split '${split}' has no shard longer than blockSize (${blockSize}) tokens`);
    }
  }
  const names = Object.keys(opened);
  const total = (split: string) => {
    const shards = opened[split];
    if (!shards) throw new Error(`unknown split '${split}'; the splits are: ${names.join(', ')}`);
    const last = shards[shards.length - 1] as OpenShard;
    return last.before + last.windows;
  };
  const buf = Buffer.alloc((blockSize + 1) * width);
  /** Reads the window starting at global window position `p` of `split` into x and y at row `row`. */
  const readWindow = (split: string, p: number, x: Int32Array, y: Int32Array, row: number) => {
    const shards = opened[split] as OpenShard[];
    let lo = 0;
    let hi = shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((shards[mid] as OpenShard).before <= p) lo = mid;
      else hi = mid - 1;
    }
    const shard = shards[lo] as OpenShard;
    const start = p - shard.before;
    const n = blockSize + 1;
    const got = readSync(shard.fd, buf, 0, n * width, start * width);
    if (got !== n * width) throw new Error(`short read in a shard of '${split}' (truncated file?)`);
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = width === 2 ? buf.readUInt16LE(2 * i) : buf.readUInt32LE(4 * i);
    x.set(ids.subarray(0, blockSize), row * blockSize);
    y.set(ids.subarray(yOffset, yOffset + yWidth), row * yWidth);
  };
  const gather = (split: string, positions: ArrayLike<number>): Batch & { count: number } => {
    const b = positions.length;
    const x = new Int32Array(b * blockSize);
    const y = new Int32Array(b * yWidth);
    for (let i = 0; i < b; i++) readWindow(split, positions[i] as number, x, y, i);
    return {
      x: tf.tensor2d(x, [b, blockSize], 'int32'),
      y: tf.tensor(y, yWidth === 1 ? [b] : [b, yWidth], 'int32'),
      count: b * yWidth,
    };
  };
  return {
    kind: 'text',
    inputKind,
    blockSize,
    splits: names,
    evalSplit: names.includes('val') ? 'val' : (names[1] ?? (names[0] as string)),
    ignoreIndex: -1,
    tokensPerExample: blockSize,
    tokenizer: index.tokenizer,
    vocabSize: index.vocabSize,
    size: total,
    batch(split, batchSize, rng) {
      const n = total(split);
      const positions = Array.from({ length: batchSize }, () => rng.int(n));
      const { x, y } = gather(split, positions);
      return { x, y };
    },
    *evalBatches(split, { batchSize, iters, rng }) {
      const n = total(split);
      if (iters === 'all') {
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
      if (!rng) throw new Error('evalBatches with a number of iterations needs an rng');
      for (let it = 0; it < iters; it++)
        yield gather(
          split,
          Array.from({ length: batchSize }, () => rng.int(n)),
        );
    },
    describe: () => ({
      kind: 'text',
      inputKind,
      blockSize,
      shards: dir,
      sizes: Object.fromEntries(
        names.map((k) => [k, (index.splits[k] ?? []).reduce((s, x) => s + x.tokens, 0)]),
      ),
      ...options.info,
    }),
    close() {
      for (const fd of fds.splice(0)) closeSync(fd);
    },
  };
}
