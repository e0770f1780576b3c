/**
 * TrainingData: where the training loop gets its batches from.
 *
 * Two kinds of source and two kinds of model input are covered:
 * - words (names, verbs): window models (`inputKind: 'window'`) train on the lecture's context windows,
 *   `...→e, ..e→m, .em→m, …` (@makemore/datasets' `contextWindows`); sequence models train on makemore.py's
 *   padded rows, x = [boundary, w…, boundary…], y = [w…, boundary, −1…] (`encodeWordSequences`), where −1
 *   targets are ignored by the loss.
 * - text (Shakespeare, State of the Union): a token stream with nanoGPT-style random windows; a sequence
 *   model predicts every next token of the window, a window model only the token after it (the loops live in
 *   text-windows.ts, shared with token shards on disk).
 *
 * Batches are drawn with the caller's {@link Rng}, so the RNG state alone decides which examples come next:
 * saving it in a checkpoint is what makes a resumed run repeat the same batches.
 */
import { contextWindows, encodeWordSequences, splitWords, type TextTokenizer } from '@makemore/datasets';
import type { InputKind } from '@makemore/models';
import type { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { checkBatch, requireRng, textWindowData } from './text-windows';

/** A batch of int32 inputs and targets; the caller disposes both. */
export interface Batch {
  /** Token ids, [B, blockSize]. */
  x: Tensor;
  /** Targets: [B] for window models, [B, blockSize] for sequence models (−1 = ignore). */
  y: Tensor;
}

/**
 * The structural tokenizer the trainer needs: `@makemore/tokenizers`' `TextTokenizer` (declared there once,
 * re-exported by `@makemore/datasets`), which every `@makemore/tokenizers` tokenizer fits.
 * @deprecated Use `TextTokenizer` from `@makemore/tokenizers` (or `@makemore/datasets`) by that name.
 */
export type EncodesText = TextTokenizer;

/** Options for {@link TrainingData.evalBatches}. */
export interface EvalBatchOptions {
  /** Examples per batch. */
  batchSize: number;
  /** `'all'` walks the split in order once; a number draws that many random batches from `rng`. */
  iters: number | 'all';
  /** Required when `iters` is a number. */
  rng?: Rng;
}

/** Batches for training and evaluation, split by name (`train`/`dev`/`test` or `train`/`val`). */
export interface TrainingData {
  readonly kind: 'words' | 'text';
  readonly inputKind: InputKind;
  readonly blockSize: number;
  /** Split names in order; the first is the training split. */
  readonly splits: string[];
  /** The split used to pick the best checkpoint: `dev` for words, `val` for text. */
  readonly evalSplit: string;
  /** Targets equal to this add nothing to the loss. */
  readonly ignoreIndex: number;
  /** Number of examples in a split (windows for text: every start position). */
  size(split: string): number;
  /** Tokens the model reads per example: blockSize (for the tokens/s figure). */
  readonly tokensPerExample: number;
  /** `batchSize` examples drawn uniformly with replacement using `rng`. */
  batch(split: string, batchSize: number, rng: Rng): Batch;
  /** Evaluation batches; each comes with its number of counted (non-ignored) targets, for weighting. */
  evalBatches(split: string, options: EvalBatchOptions): Iterable<Batch & { count: number }>;
  /** A JSON description for checkpoints (kind, sizes, blockSize; no data). */
  describe(): Record<string, unknown>;
}

/** Words to train on: ready-made splits, or one list that is split here with `splitWords`. */
export interface WordsDataOptions {
  kind: 'words';
  /** Named splits, e.g. from `splitWords(words, …)` of @makemore/datasets: `{ train, dev, test }`. */
  splits?: Record<string, readonly string[]>;
  /** All words, split with @makemore/datasets' `splitWords({ seed, fractions })` (default 80/10/10). */
  words?: readonly string[];
  /** Seed of the word split (default 42). */
  seed?: number;
  /** Train/dev/test fractions of the word split (default [0.8, 0.1, 0.1]). */
  fractions?: readonly [number, number, number];
  tokenizer: TextTokenizer;
  inputKind: InputKind;
  /** Window length for window models; row length (≥ longest word + 1) for sequence models. */
  blockSize: number;
  /** The start/end token id (default 0, the `.` of the lectures and makemore.py's start token). */
  boundaryToken?: number;
  /** Name of the split that picks the best checkpoint (default `dev`, or the second split). */
  evalSplit?: string;
  /** Anything else to record in checkpoints (dataset name…). */
  info?: Record<string, unknown>;
}

/** A token stream to train on, split contiguously (nanoGPT: first 90 % train, last 10 % val). */
export interface TextDataOptions {
  kind: 'text';
  /** All tokens, split by `split`; or give `splits` instead. */
  tokens?: ArrayLike<number>;
  /** Fraction of `tokens` that goes to `train` (default 0.9); the rest is `val`. */
  split?: number;
  /** Named token streams, e.g. `{ train, val }`. */
  splits?: Record<string, ArrayLike<number>>;
  inputKind?: InputKind;
  blockSize: number;
  evalSplit?: string;
  info?: Record<string, unknown>;
}

/** Builds {@link TrainingData} from words or a token stream. */
export function createTrainingData(options: WordsDataOptions | TextDataOptions): TrainingData {
  if (!Number.isInteger(options.blockSize) || options.blockSize < 1) {
    throw new RangeError(`createTrainingData: blockSize must be an integer >= 1, got ${options.blockSize}`);
  }
  if (options.kind === 'words') return wordsData(options);
  if (options.kind === 'text') return textData(options);
  throw new Error(
    `createTrainingData: kind must be 'words' or 'text', got '${(options as { kind: string }).kind}'`,
  );
}

/** Examples held as flat int32 arrays: x is [n, xWidth], y is [n, yWidth]. */
interface ExampleTable {
  x: Int32Array;
  y: Int32Array;
  n: number;
}

function pickEvalSplit(names: string[], wanted: string | undefined, preferred: string): string {
  const choice = wanted ?? (names.includes(preferred) ? preferred : (names[1] ?? names[0]));
  if (choice === undefined || !names.includes(choice)) {
    throw new Error(`evalSplit '${wanted}' is not one of the splits: ${names.join(', ')}`);
  }
  return choice;
}

function wordsData(options: WordsDataOptions): TrainingData {
  const { tokenizer, inputKind, blockSize } = options;
  const boundary = options.boundaryToken ?? 0;
  let splits = options.splits;
  if (!splits) {
    if (!options.words) throw new Error("createTrainingData: kind 'words' needs splits or words");
    splits = splitWords(options.words, {
      seed: options.seed ?? 42,
      ...(options.fractions ? { fractions: options.fractions } : {}),
    }) as unknown as Record<string, readonly string[]>;
  }
  const names = Object.keys(splits);
  if (names.length === 0) throw new Error('createTrainingData: splits is empty; give at least a train split');
  const tables = new Map<string, ExampleTable>();
  for (const name of names) {
    const words = splits[name] as readonly string[];
    tables.set(
      name,
      inputKind === 'window'
        ? contextWindows(words, tokenizer, blockSize, { boundaryId: boundary })
        : encodeWordSequences(words, tokenizer, { blockSize, boundaryId: boundary, ignoreIndex: -1 }),
    );
  }
  const sizes = Object.fromEntries(names.map((n) => [n, (splits[n] as readonly string[]).length]));
  const yWidth = inputKind === 'window' ? 1 : blockSize;
  return tableData({
    kind: 'words',
    inputKind,
    blockSize,
    names,
    tables,
    yWidth,
    evalSplit: pickEvalSplit(names, options.evalSplit, 'dev'),
    describe: () => ({
      kind: 'words',
      inputKind,
      blockSize,
      boundaryToken: boundary,
      words: sizes,
      ...(options.splits
        ? {}
        : { splitSeed: options.seed ?? 42, fractions: options.fractions ?? [0.8, 0.1, 0.1] }),
      ...options.info,
    }),
  });
}

interface TableDataSpec {
  kind: 'words';
  inputKind: InputKind;
  blockSize: number;
  names: string[];
  tables: Map<string, ExampleTable>;
  yWidth: number;
  evalSplit: string;
  describe: () => Record<string, unknown>;
}

function tableData(spec: TableDataSpec): TrainingData {
  const { blockSize, yWidth, tables } = spec;
  const table = (split: string): ExampleTable => {
    const t = tables.get(split);
    if (!t) throw new Error(`unknown split '${split}'; the splits are: ${spec.names.join(', ')}`);
    return t;
  };
  const yShape = (rows: number): number[] => (yWidth === 1 ? [rows] : [rows, yWidth]);
  const gather = (t: ExampleTable, rows: ArrayLike<number>): Batch & { count: number } => {
    const x = new Int32Array(rows.length * blockSize);
    const y = new Int32Array(rows.length * yWidth);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as number;
      x.set(t.x.subarray(r * blockSize, (r + 1) * blockSize), i * blockSize);
      y.set(t.y.subarray(r * yWidth, (r + 1) * yWidth), i * yWidth);
    }
    let count = 0;
    for (const v of y) if (v !== -1) count++;
    return {
      x: tf.tensor2d(x, [rows.length, blockSize], 'int32'),
      y: tf.tensor(y, yShape(rows.length), 'int32'),
      count,
    };
  };
  return {
    kind: spec.kind,
    inputKind: spec.inputKind,
    blockSize,
    splits: spec.names,
    evalSplit: spec.evalSplit,
    ignoreIndex: -1,
    tokensPerExample: blockSize,
    size: (split) => table(split).n,
    batch(split, batchSize, rng) {
      const t = table(split);
      checkBatch(split, batchSize, t.n);
      const rows = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) rows[i] = rng.int(t.n);
      const { x, y } = gather(t, rows);
      return { x, y };
    },
    *evalBatches(split, { batchSize, iters, rng }) {
      const t = table(split);
      checkBatch(split, batchSize, 1);
      if (iters === 'all') {
        for (let start = 0; start < t.n; start += batchSize) {
          const rows = Array.from({ length: Math.min(batchSize, t.n - start) }, (_, i) => start + i);
          yield gather(t, rows);
        }
        return;
      }
      const draw = requireRng(rng, iters);
      for (let it = 0; it < iters; it++) {
        const rows = Array.from({ length: Math.min(batchSize, t.n) }, () => draw.int(t.n));
        yield gather(t, rows);
      }
    },
    describe: spec.describe,
  };
}

function textData(options: TextDataOptions): TrainingData {
  const { blockSize } = options;
  const inputKind = options.inputKind ?? 'sequence';
  let streams: Record<string, Int32Array>;
  if (options.splits) {
    streams = Object.fromEntries(Object.entries(options.splits).map(([k, v]) => [k, Int32Array.from(v)]));
  } else if (options.tokens) {
    const fraction = options.split ?? 0.9;
    if (!(fraction > 0 && fraction < 1)) throw new RangeError(`split must be in (0, 1), got ${fraction}`);
    const all = Int32Array.from(options.tokens);
    const cut = Math.floor(all.length * fraction);
    streams = { train: all.subarray(0, cut), val: all.subarray(cut) };
  } else {
    throw new Error("createTrainingData: kind 'text' needs tokens (with split) or splits");
  }
  const names = Object.keys(streams);
  const positions = (split: string): number => Math.max(0, (streams[split] as Int32Array).length - blockSize);
  for (const name of names) {
    if (positions(name) < 1) {
      throw new RangeError(
        `split '${name}' has ${streams[name]?.length} tokens; it needs more than blockSize (${blockSize}) to form one example`,
      );
    }
  }
  return textWindowData({
    reader: {
      splits: names,
      positions,
      read: (split, p, into) => into.set((streams[split] as Int32Array).subarray(p, p + blockSize + 1)),
    },
    inputKind,
    blockSize,
    evalSplit: pickEvalSplit(names, options.evalSplit, 'val'),
    describe: () => ({
      kind: 'text',
      inputKind,
      blockSize,
      sizes: Object.fromEntries(names.map((k) => [k, streams[k]?.length ?? 0])),
      ...options.info,
    }),
  });
}
