/**
 * The pieces `train`, `sample`, `eval` and `lr-find` share: choosing the tensor backend, building the
 * tokenizer and the train/dev/test data a run needs, and sampling words or text from a model. They only
 * wire the @makemore packages together; the logic lives in those packages.
 */
import { resolve } from 'node:path';
import type { Dataset } from '@makemore/datasets';
import type { BigramCounts, LanguageModel, ModelConfig } from '@makemore/models';
import type { TrainingData } from '@makemore/trainer';
import type { Args } from './args';
import { CliError, oneLine } from './errors';
import type { Output } from './ui/output';

/** A tokenizer as the CLI uses it (both @makemore/tokenizers kinds fit). */
export interface CliTokenizer {
  readonly vocabSize: number;
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
  toJSON(): unknown;
}

/** Builds a TensorFlow.js model from its config (every type but the `bigram` count table). */
export async function createNetwork(config: ModelConfig): Promise<LanguageModel> {
  const models = await import('@makemore/models');
  const model = models.createModel(config);
  if (model instanceof models.BigramCounts) {
    throw new CliError(
      'the bigram count table is not a trained network; use it with makemore train --model bigram',
    );
  }
  return model;
}

/** The boundary token of word datasets: makemore's `.` at id 0. */
export const BOUNDARY = '.';

/** Makes the requested (or fastest) tensor backend active; prints the one fallback notice on stderr. */
export async function selectBackend(args: Args, out: Output): Promise<{ backend: string; reason: string }> {
  const { useBestBackend } = await import('@makemore/backend/node');
  const prefer = args.string('backend') ?? 'auto';
  const threads = args.number('threads');
  try {
    const choice = await useBestBackend({
      prefer,
      ...(threads !== undefined ? { threads } : {}),
      onNotice: (message: string) => out.notice(`makemore: note: ${oneLine(message)}`),
    });
    if (choice.backend === 'wasm') {
      const { repairWasmKernels } = await import('./wasm-fixes');
      repairWasmKernels();
    }
    return { backend: choice.backend, reason: choice.reason };
  } catch (error) {
    throw new CliError(
      `cannot use --backend ${prefer}: ${oneLine(error)} (use --backend auto to fall back)`,
      {
        cause: error,
      },
    );
  }
}

/** How `--tokenizer` was given. */
export type TokenizerSpec =
  | { kind: 'char' }
  | { kind: 'bpe'; vocabSize: number }
  | { kind: 'file'; path: string };

/** Parses `--tokenizer char|bpe[:<vocab>]|<file>`. */
export function parseTokenizerSpec(value: string, cwd: string): TokenizerSpec {
  if (value === 'char') return { kind: 'char' };
  const bpe = /^bpe(?::(\d+))?$/.exec(value);
  if (bpe) {
    const vocabSize = bpe[1] === undefined ? 512 : Number(bpe[1]);
    if (vocabSize < 256)
      throw new CliError(`--tokenizer bpe:${vocabSize}: a byte-level BPE needs a vocab of at least 256`);
    return { kind: 'bpe', vocabSize };
  }
  if (/^(chr|cahr|bep|bpe:.*)$/.test(value) || !/[/\\.]/.test(value)) {
    throw new CliError(
      `unknown value '${value}' for --tokenizer; use char, bpe, bpe:<vocab> (e.g. bpe:1024) or a path to a tokenizer .json`,
    );
  }
  return { kind: 'file', path: resolve(cwd, value) };
}

/**
 * The tokenizer for a run. Word datasets get makemore's `.` boundary token at id 0 (char tokenizer only);
 * text datasets use the characters or a BPE trained on the training split.
 */
export async function buildTokenizer(spec: TokenizerSpec, ds: Dataset, out: Output): Promise<CliTokenizer> {
  const tk = await import('@makemore/tokenizers/node');
  if (spec.kind === 'file') {
    try {
      return (await tk.loadTokenizerFile(spec.path)) as CliTokenizer;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new CliError(`tokenizer file not found: ${spec.path}`);
      throw new CliError(`cannot load tokenizer ${spec.path}: ${oneLine(error)}`, { cause: error });
    }
  }
  if (spec.kind === 'char') {
    const text = ds.kind === 'words' ? (ds.words ?? []).join('') : ds.text;
    return tk.CharTokenizer.fromText(
      text,
      ds.kind === 'words' ? { specialTokens: [BOUNDARY] } : {},
    ) as CliTokenizer;
  }
  if (ds.kind === 'words') {
    throw new CliError(
      `--tokenizer bpe needs a text dataset; '${ds.name}' is a word list, where each character is a token (use --tokenizer char)`,
    );
  }
  out.notice(`training a ${spec.vocabSize}-token BPE on ${ds.name}…`);
  return tk.BpeTokenizer.train(ds.text.slice(0, Math.floor(ds.text.length * 0.9)), {
    vocabSize: spec.vocabSize,
    pattern: 'gpt4',
  }) as CliTokenizer;
}

/** Restores a tokenizer saved in a checkpoint. */
export async function tokenizerFromSaved(json: unknown, where: string): Promise<CliTokenizer> {
  const tk = await import('@makemore/tokenizers');
  if (json === undefined || json === null) throw new CliError(`${where} has no tokenizer recorded`);
  try {
    return tk.tokenizerFromJSON(json as Parameters<typeof tk.tokenizerFromJSON>[0]) as CliTokenizer;
  } catch (error) {
    throw new CliError(`${where}: the saved tokenizer is corrupt: ${oneLine(error)}`, { cause: error });
  }
}

/** Tokens in the longest word of a word dataset (0 for other kinds); sequence models need it + 1. */
export function longestWord(ds: Dataset, tokenizer: CliTokenizer): number {
  let longest = 0;
  if (ds.kind === 'words')
    for (const w of ds.words ?? []) longest = Math.max(longest, tokenizer.encode(w).length);
  return longest;
}

/** How a run split its data; recorded in checkpoints so `sample` and `eval` rebuild the same splits. */
export interface SplitRecord {
  /** The dataset name or path, as given to --dataset. */
  dataset: string;
  kind: 'words' | 'text' | 'documents';
  seed: number;
}

/** The splits of a dataset: word lists for word datasets, token streams for text. */
export interface RunData {
  data: TrainingData;
  /** Word splits (word datasets only), for grouping samples. */
  words?: { train: string[]; dev: string[]; test: string[] };
  /** Longest word in code points (word datasets). */
  maxWordLength: number;
}

/**
 * Splits `ds` (words: seeded 80/10/10; text: contiguous 90/10; documents: by document, seeded) and builds
 * the trainer's batch source for a model reading `inputKind` with `blockSize`.
 */
export async function buildRunData(
  ds: Dataset,
  tokenizer: CliTokenizer,
  options: { seed: number; inputKind: 'window' | 'sequence'; blockSize: number; record: SplitRecord },
): Promise<RunData> {
  const datasets = await import('@makemore/datasets');
  const { createTrainingData } = await import('@makemore/trainer');
  if (ds.kind === 'words') {
    const words = (ds.words ?? []).filter((w) => w.length > 0);
    const split = datasets.splitWords(words, { seed: options.seed });
    const maxWordLength = longestWord(ds, tokenizer);
    const data = createTrainingData({
      kind: 'words',
      splits: { train: split.train, dev: split.dev, test: split.test },
      tokenizer,
      inputKind: options.inputKind,
      blockSize: options.blockSize,
      info: { ...options.record },
    });
    return { data, words: split, maxWordLength };
  }
  let train: string;
  let val: string;
  if (ds.kind === 'documents' && ds.documents) {
    const s = datasets.splitDocuments(ds.documents, { seed: options.seed });
    train = datasets.joinDocuments(s.train);
    val = datasets.joinDocuments(s.val);
  } else {
    const s = datasets.splitText(ds.text);
    train = s.train;
    val = s.val;
  }
  const data = createTrainingData({
    kind: 'text',
    splits: { train: Int32Array.from(tokenizer.encode(train)), val: Int32Array.from(tokenizer.encode(val)) },
    inputKind: options.inputKind,
    blockSize: options.blockSize,
    info: { ...options.record },
  });
  return { data, maxWordLength: 0 };
}

/** Options for {@link sampleFrom}. */
export interface SampleOptions {
  n: number;
  temperature: number;
  topK?: number;
  seed: number;
  maxTokens: number;
  /** Text to continue (text datasets) or the start of each word (word datasets). */
  prompt?: string;
  /** True for word datasets: stop at the boundary token and return one word per sample. */
  words: boolean;
}

/** Draws `n` samples from `model`: whole words for word datasets, text continuations otherwise. */
export async function sampleFrom(
  model: LanguageModel | BigramCounts,
  tokenizer: CliTokenizer,
  options: SampleOptions,
): Promise<string[]> {
  const { generate } = await import('@makemore/models');
  const prompt = options.prompt ? tokenizer.encode(options.prompt) : [];
  // Words start from the boundary token (window models are left-padded with it); text from the prompt
  // or a newline, as nanoGPT does.
  const context = options.words
    ? [0, ...prompt]
    : prompt.length > 0
      ? prompt
      : tokenizer.encode('\n').slice(0, 1);
  if (context.length === 0) context.push(0);
  const samples: string[] = [];
  for (let i = 0; i < options.n; i++) {
    const ids = generate(model, {
      context,
      maxNewTokens: options.maxTokens,
      temperature: options.temperature,
      ...(options.topK !== undefined ? { topK: options.topK } : {}),
      seed: options.seed + i,
      ...(options.words ? { stopToken: 0 } : {}),
    });
    samples.push((options.prompt ?? '') + tokenizer.decode(ids));
  }
  return samples;
}
