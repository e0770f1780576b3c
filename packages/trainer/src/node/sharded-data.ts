/**
 * Training data read from token shards on disk (`prepareTokenShards` of @makemore/datasets/node), for
 * corpora larger than memory.
 *
 * Batches are nanoGPT-style random windows: a start position is drawn uniformly over every window of
 * the split (windows do not cross shard files), and only that window's `blockSize + 1` ids are read from
 * its file with one positioned read. Memory is bounded by the batch, not by the corpus: the shard files
 * stay on disk and are only held open. The batch and evaluation loops are the in-memory stream's
 * (text-windows.ts); only the reading of a window is this file's.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { InputKind } from '@makemore/models';
import type { TrainingData } from '../data';
import { textWindowData } from '../text-windows';

/** The fields of a shard folder's index.json that training reads. */
export interface TokenShardsIndexJson {
  /** `makemore-token-shards`. */
  format: string;
  /** How each id is stored: 2 bytes (vocabularies up to 65,536) or 4, little-endian. */
  dtype: 'uint16' | 'uint32';
  /** The tokenizer's vocabulary size. */
  vocabSize: number;
  /** The tokenizer's JSON, when the one that encoded the shards had `toJSON()`. */
  tokenizer?: unknown;
  /** The split the shards were cut with: `fraction` of the text went to train. */
  split?: { fraction: number; atByte: number };
  /** Each split's shard files, in order, with their token counts. */
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

/**
 * Reads and checks a shard folder's index.json: its format, dtype and splits. Throws an error naming the
 * folder and what is wrong with it.
 */
export function readTokenShardsIndex(dir: string): TokenShardsIndexJson {
  const path = join(dir, 'index.json');
  let index: TokenShardsIndexJson;
  try {
    index = JSON.parse(readFileSync(path, 'utf8')) as TokenShardsIndexJson;
  } catch (error) {
    throw new Error(
      `${dir} is not a token shard folder: cannot read index.json (${(error as Error).message}); make one with makemore prepare`,
    );
  }
  if (index?.format !== 'makemore-token-shards') {
    throw new Error(`${path} is not a token shard index (format ${JSON.stringify(index?.format)})`);
  }
  if (index.dtype !== 'uint16' && index.dtype !== 'uint32')
    throw new Error(`${path}: dtype must be uint16 or uint32, got ${JSON.stringify(index.dtype)}`);
  if (typeof index.splits !== 'object' || index.splits === null || Object.keys(index.splits).length === 0)
    throw new Error(`${path} lists no splits`);
  return index;
}

/** Opens a shard folder as {@link TrainingData} with splits `train` and `val`. */
export function openTokenShards(dir: string, options: TokenShardsDataOptions): ShardedTrainingData {
  const index = readTokenShardsIndex(dir);
  const { blockSize, inputKind } = options;
  const width = index.dtype === 'uint32' ? 4 : 2;
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
  const positions = (split: string) => {
    const last = (opened[split] as OpenShard[]).at(-1) as OpenShard;
    return last.before + last.windows;
  };
  const buf = Buffer.alloc((blockSize + 1) * width);
  /** Reads the window at global start position `p` of `split`: one positioned read in one shard file. */
  const read = (split: string, p: number, into: Int32Array) => {
    const shards = opened[split] as OpenShard[];
    let lo = 0;
    let hi = shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((shards[mid] as OpenShard).before <= p) lo = mid;
      else hi = mid - 1;
    }
    const shard = shards[lo] as OpenShard;
    const n = blockSize + 1;
    const got = readSync(shard.fd, buf, 0, n * width, (p - shard.before) * width);
    if (got !== n * width) throw new Error(`short read in a shard of '${split}' in ${dir} (truncated file?)`);
    for (let i = 0; i < n; i++) into[i] = width === 2 ? buf.readUInt16LE(2 * i) : buf.readUInt32LE(4 * i);
  };
  const data = textWindowData({
    reader: { splits: names, positions, read },
    inputKind,
    blockSize,
    evalSplit: names.includes('val') ? 'val' : (names[1] ?? (names[0] as string)),
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
  });
  return Object.assign(data, {
    tokenizer: index.tokenizer,
    vocabSize: index.vocabSize,
    close() {
      for (const fd of fds.splice(0)) closeSync(fd);
    },
  });
}
