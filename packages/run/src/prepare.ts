/**
 * prepareRun: a spec plus the dataset's text becomes everything that trains: the tokenizer, the splits,
 * the batches, the model, the optimizer, the schedule and the loop's options. The CLI, the demo's worker
 * and the examples all call this one function, so the same spec and seed give the same split, the same
 * batches and the same losses wherever it runs.
 *
 * It is browser-safe: it takes the dataset already loaded (the Node and browser loaders of
 * @makemore/datasets both give a `Dataset`) and never touches a file. Token shards on disk, which are
 * never loaded whole, come in through `@makemore/run/node` (`prepareShardRun`).
 */
import { type Dataset, joinDocuments, splitDocuments, splitText, splitWords } from '@makemore/datasets';
import {
  type BigramCounts,
  checkMemoryFits,
  createModel,
  estimateMemory,
  type MemoryLimits,
  generate,
  isLanguageModel,
  type LanguageModel,
  type ModelConfig,
  withoutInitialDraws,
} from '@makemore/models';
import { BpeTokenizer, CharTokenizer, type Tokenizer } from '@makemore/tokenizers';
import {
  AdamW,
  Adam,
  constant,
  cosineWithWarmup,
  type DecayPredicate,
  isWeightMatrix,
  type Optimizer,
  SGD,
  type Schedule,
  stepDecay,
  createTrainingData,
  estimateLoss,
  type TrainingData,
  type TrainOptions,
  type TrainingSnapshot,
} from '@makemore/trainer';
import { TEXT_BLOCK_SIZE } from './defaults';
import { checkAlphabet, type InitSource, loadInitWeights } from './init-from';
import { canonicalSpec, RunSpecError, resolveRunSpec, settle } from './resolve';
import type { DatasetKind, DecayRule, OptimizerSpec, RunSpec, ScheduleSpec } from './spec';

/** What a run needs of a tokenizer: @makemore/tokenizers' one interface (both its classes fit). */
export type RunTokenizer = Tokenizer;

/** The boundary token of word lists: makemore's `.` at id 0. */
export const BOUNDARY_TOKEN = '.';

/**
 * A dataset split as the spec says: word lists, text streams, or token shards on disk (`data.shards`),
 * whose ids stay in their files (`tokens` counts them per split).
 */
export type RunSplits =
  | { kind: 'words'; words: Record<string, string[]> }
  | { kind: 'text'; text: Record<string, string> }
  | { kind: 'shards'; dir: string; tokens: Record<string, number> };

/** The data half of a prepared run: no model yet. */
export interface PreparedSource {
  /** The spec with the dataset's kind, the split and `blockSize`/`vocabSize` settled. */
  spec: RunSpec;
  kind: DatasetKind;
  datasetName: string;
  tokenizer: RunTokenizer;
  splits: RunSplits;
  /** Examples per split: words for word lists, characters for text, tokens for shards. */
  splitSizes: Record<string, number>;
  /** Tokens in the longest word (word lists; 0 for text). */
  longestWord: number;
  /**
   * Opens batches that are not built from `splits` in memory (token shards: `@makemore/run/node`).
   * {@link buildTrainingData} calls it when it is there.
   */
  openData?: (inputKind: 'window' | 'sequence', blockSize: number) => TrainingData;
}

/** Options for {@link prepareSource} and {@link prepareRun}. */
export interface PrepareOptions {
  /**
   * A tokenizer to use instead of building one: a resumed run's saved tokenizer, or the file named by a
   * `{ type: 'file' }` tokenizer spec, loaded by the caller.
   */
  tokenizer?: RunTokenizer;
  /**
   * The trained weights a spec with `initFrom` starts from (its tokenizer too, unless `tokenizer` is
   * given): the model is built from the spec, then loaded with them. A resumed run leaves this out; its
   * own checkpoint has the weights.
   */
  init?: InitSource;
  /** Called with a line of progress for slow steps (training a BPE). */
  onProgress?: (message: string) => void;
  /**
   * Refuse a model and batch whose estimated memory exceeds these limits before anything is allocated
   * (@makemore/models' `estimateMemory`); throws its `MemoryLimitError`, which names the fields to lower.
   */
  memory?: MemoryLimits;
}

/** Splits the dataset and builds the tokenizer a spec asks for. */
export function prepareSource(spec: RunSpec, dataset: Dataset, options: PrepareOptions = {}): PreparedSource {
  if (spec.data.shards !== undefined) {
    throw new RunSpecError(
      'data.shards',
      `token shards (${spec.data.shards}) are read from disk, in Node: prepare the run with prepareShardRun of @makemore/run/node`,
    );
  }
  const kind = dataset.kind;
  if (spec.data.kind !== 'auto' && spec.data.kind !== kind) {
    throw new RunSpecError(
      'data.kind',
      `'${dataset.name}' loaded as ${kind}, but the spec says ${spec.data.kind}`,
    );
  }
  const resolved = resolveForKind(spec, kind);
  const splits = splitDataset(resolved, dataset);
  const tokenizer =
    options.tokenizer ?? options.init?.tokenizer ?? buildTokenizer(resolved, splits, dataset.name, options);
  if (options.init && !options.tokenizer) {
    const texts =
      splits.kind === 'words'
        ? Object.values(splits.words).flat()
        : splits.kind === 'text'
          ? Object.values(splits.text)
          : [];
    checkAlphabet(tokenizer, texts, options.init.from, dataset.name);
  }
  let longestWord = 0;
  if (splits.kind === 'words') {
    for (const list of Object.values(splits.words)) {
      for (const w of list) longestWord = Math.max(longestWord, tokenizer.encode(w).length);
    }
  }
  const splitSizes: Record<string, number> = {};
  if (splits.kind === 'words') for (const [k, v] of Object.entries(splits.words)) splitSizes[k] = v.length;
  else if (splits.kind === 'text') for (const [k, v] of Object.entries(splits.text)) splitSizes[k] = v.length;
  return completeSource(resolved, {
    kind,
    datasetName: dataset.name,
    tokenizer,
    splits,
    splitSizes,
    longestWord,
  });
}

/**
 * The spec settled for a dataset of `kind`, known only once the data is found: what depends on it is
 * filled in, keeping everything already set, and the whole is checked again.
 */
export function resolveForKind(spec: RunSpec, kind: DatasetKind): RunSpec {
  const settled = settle(structuredClone(spec) as never, kind, { warmupGiven: true });
  settled.data.kind = kind;
  return resolveRunSpec(settled as never);
}

/**
 * Completes a source from its parts: settles `blockSize` (`auto`) and `vocabSize` (the tokenizer's) and
 * checks them against the data, then orders the spec canonically.
 */
export function completeSource(resolved: RunSpec, parts: Omit<PreparedSource, 'spec'>): PreparedSource {
  const { splits, tokenizer, longestWord } = parts;
  const model = resolved.model;
  const window = isWindowModel(resolved);
  if (model.blockSize === 'auto') {
    model.blockSize = splits.kind === 'words' ? (window ? 3 : longestWord + 1) : TEXT_BLOCK_SIZE;
  }
  // Trained weights may carry more output rows than their tokenizer has ids (nanoGPT pads GPT-2's 50,257
  // to 50,304); the extra rows are never a target, and the model keeps the shape it was trained with.
  const padded =
    resolved.initFrom !== undefined && model.vocabSize !== undefined && model.vocabSize > tokenizer.vocabSize;
  if (model.vocabSize !== undefined && model.vocabSize !== tokenizer.vocabSize && !padded) {
    throw new RunSpecError(
      'model.vocabSize',
      `${model.vocabSize} does not match the tokenizer's ${tokenizer.vocabSize} tokens; leave it out to take the tokenizer's`,
    );
  }
  if (!padded) model.vocabSize = tokenizer.vocabSize;
  if (splits.kind === 'words' && !window && model.type !== 'bigram' && model.blockSize < longestWord + 1) {
    throw new RunSpecError(
      'model.blockSize',
      `${model.blockSize} is shorter than the longest word + 1 (${longestWord + 1}); use 'auto' or a larger number`,
    );
  }
  // The settled numbers (vocabSize, blockSize) take their place in the canonical order, so the spec a run
  // records serialises exactly as the same spec resolved anywhere else.
  return { ...parts, spec: canonicalSpec(resolved) };
}

/** True for models that read a fixed window and predict the one token after it. */
export function isWindowModel(spec: Pick<RunSpec, 'model'>): boolean {
  return spec.model.type === 'wavenet' || (spec.model.type === 'mlp' && spec.model.inputKind === 'window');
}

/** Splits a dataset by the spec's rule. */
export function splitDataset(spec: RunSpec, dataset: Dataset): RunSplits {
  const { rule, fractions, seed } = spec.data.split;
  if (dataset.kind === 'words') {
    const words = (dataset.words ?? []).filter((w) => w.length > 0);
    if (rule === 'makemore') {
      const s = splitWords(words, { seed, rule: 'makemore' });
      return { kind: 'words', words: { train: s.train, test: s.test } };
    }
    const s = splitWords(words, { seed, fractions: fractions as [number, number, number] });
    return { kind: 'words', words: { train: s.train, dev: s.dev, test: s.test } };
  }
  const fraction = fractions[0] ?? 0.9;
  if (dataset.kind === 'documents' && rule === 'documents' && dataset.documents) {
    const s = splitDocuments(dataset.documents, { seed, fraction });
    return { kind: 'text', text: { train: joinDocuments(s.train), val: joinDocuments(s.val) } };
  }
  const s = splitText(dataset.text, fraction);
  return { kind: 'text', text: { train: s.train, val: s.val } };
}

/** Builds the spec's tokenizer: characters of the whole dataset, or a BPE trained on the training split. */
export function buildTokenizer(
  spec: RunSpec,
  splits: RunSplits,
  datasetName: string,
  options: PrepareOptions = {},
): RunTokenizer {
  const tok = spec.data.tokenizer;
  if (splits.kind === 'shards') {
    throw new RunSpecError(
      'data.shards',
      `the tokenizer of the shards in ${splits.dir} is the one their index.json records; pass it as options.tokenizer`,
    );
  }
  if (tok.type === 'file') {
    throw new RunSpecError(
      'data.tokenizer',
      `a tokenizer file (${tok.path}) must be loaded by the caller and passed as options.tokenizer`,
    );
  }
  if (tok.type === 'init') {
    throw new RunSpecError(
      'data.tokenizer',
      `the tokenizer saved with the weights of ${spec.initFrom} must be passed with them, as options.init`,
    );
  }
  if (tok.type === 'char') {
    if (splits.kind === 'words') {
      const all = Object.values(splits.words).flat().join('');
      return CharTokenizer.fromText(all, { specialTokens: [BOUNDARY_TOKEN] });
    }
    return CharTokenizer.fromText(Object.values(splits.text).join(''));
  }
  if (splits.kind === 'words') {
    throw new RunSpecError(
      'data.tokenizer',
      `a byte-level BPE needs a text dataset; '${datasetName}' is a word list`,
    );
  }
  options.onProgress?.(`training a ${tok.vocabSize}-token BPE on ${datasetName}'s training split…`);
  return BpeTokenizer.train(splits.text.train ?? '', { vocabSize: tok.vocabSize, pattern: tok.pattern });
}

/**
 * The tokenizer of a run's data handed to nanoGPT (`makemore export nanogpt`). A word list is exported as
 * its words one per line, and nanoGPT has no special tokens, so its tokenizer is the characters of the
 * exported text `exported` (the newline included, which ends each word) with no boundary token. Text keeps
 * the run's own tokenizer, so the ids are the ones `makemore train` trains on.
 */
export function nanoGptTokenizer(source: PreparedSource, exported: string): RunTokenizer {
  if (source.splits.kind !== 'words') return source.tokenizer;
  return CharTokenizer.fromText(exported);
}

/** The model config of a prepared source: the spec's model with its numbers settled. */
export function modelConfigOf(source: PreparedSource): ModelConfig {
  const { seed, ...rest } = source.spec.model;
  const config: Record<string, unknown> = { ...rest, seed };
  for (const [k, v] of Object.entries(config)) if (v === undefined) delete config[k];
  return config as ModelConfig;
}

/** Builds the batches a model of `inputKind` trains on. */
export function buildTrainingData(
  source: PreparedSource,
  inputKind: 'window' | 'sequence',
  blockSize: number,
): TrainingData {
  const { spec, splits, tokenizer } = source;
  if (source.openData) return source.openData(inputKind, blockSize);
  const info = { name: source.datasetName, split: spec.data.split };
  if (splits.kind === 'shards') {
    throw new RunSpecError(
      'data.shards',
      `token shards (${splits.dir}) are read from disk: prepare the run with prepareShardRun of @makemore/run/node`,
    );
  }
  if (splits.kind === 'words') {
    const dataBlock = inputKind === 'sequence' ? source.longestWord + 1 : blockSize;
    return createTrainingData({
      kind: 'words',
      splits: splits.words,
      tokenizer,
      inputKind,
      blockSize: dataBlock,
      info,
    });
  }
  const streams: Record<string, Int32Array> = {};
  for (const [name, text] of Object.entries(splits.text))
    streams[name] = Int32Array.from(tokenizer.encode(text));
  return createTrainingData({ kind: 'text', splits: streams, inputKind, blockSize, info });
}

/** The AdamW decay rule of a spec as a predicate. */
export function decayPredicate(rule: DecayRule): DecayPredicate {
  switch (rule) {
    case 'rank2':
      return (_name, variable) => variable.rank >= 2;
    case 'all':
      return () => true;
    case 'none':
      return () => false;
    default:
      return isWeightMatrix;
  }
}

/** The spec's optimizer over `model`'s parameters. */
export function buildOptimizer(spec: OptimizerSpec, model: LanguageModel): Optimizer {
  const params = model.parameters();
  if (spec.type === 'sgd') {
    return new SGD(params, { lr: spec.lr, momentum: spec.momentum ?? 0, weightDecay: spec.weightDecay });
  }
  const common = {
    lr: spec.lr,
    betas: spec.betas ?? [0.9, 0.999],
    eps: spec.eps ?? 1e-8,
    weightDecay: spec.weightDecay,
  };
  if (spec.type === 'adam') return new Adam(params, common);
  return new AdamW(params, { ...common, decay: decayPredicate(spec.decay ?? 'matrices') });
}

/** The spec's learning-rate schedule (0-based step → rate). */
export function buildSchedule(schedule: ScheduleSpec, lr: number): Schedule {
  if (schedule.type === 'step') {
    const milestones = schedule.milestones ?? [];
    const gamma = schedule.gamma ?? 0.1;
    return stepDecay({
      values: [lr, ...milestones.map((_, i) => lr * gamma ** (i + 1))],
      boundaries: milestones,
    });
  }
  if (schedule.type === 'cosine') {
    return cosineWithWarmup({
      maxLr: lr,
      minLr: schedule.minLr ?? lr / 10,
      warmupSteps: schedule.warmup ?? 0,
      decaySteps: schedule.decaySteps ?? 1,
    });
  }
  return constant(lr);
}

/** Options for {@link sampleTexts}. */
export interface SampleTextOptions {
  n: number;
  temperature: number;
  topK: number;
  maxTokens: number;
  prompt: string;
  seed: number;
}

/**
 * Draws `n` samples: whole words for word lists (from the boundary token, stopping at it), or text
 * continuations of the prompt (or of a newline, as nanoGPT's sample.py starts, or of token 0 when the
 * tokenizer has no newline).
 */
export function sampleTexts(
  model: LanguageModel | BigramCounts,
  tokenizer: RunTokenizer,
  kind: DatasetKind,
  options: SampleTextOptions,
): string[] {
  const words = kind === 'words';
  let prompt: number[] = [];
  try {
    prompt = options.prompt ? tokenizer.encode(options.prompt) : [];
  } catch (error) {
    throw new RunSpecError('sample.prompt', `cannot be encoded: ${(error as Error).message}`);
  }
  let context: number[];
  if (words) context = [0, ...prompt];
  else if (prompt.length > 0) context = prompt;
  else {
    let newline: number[] = [];
    try {
      newline = tokenizer.encode('\n').slice(0, 1);
    } catch {}
    context = newline.length > 0 ? newline : [0];
  }
  const shown = words ? options.prompt : options.prompt === '\n' ? '' : options.prompt;
  const out: string[] = [];
  for (let i = 0; i < options.n; i++) {
    const ids = generate(model, {
      context,
      maxNewTokens: options.maxTokens,
      temperature: options.temperature,
      ...(options.topK > 0 ? { topK: options.topK } : {}),
      seed: options.seed + i,
      ...(words ? { stopToken: 0 } : {}),
    });
    out.push(shown + tokenizer.decode(ids));
  }
  return out;
}

/** Batches per split in a text run's final evaluation (nanoGPT's default `eval_iters`). */
export const FINAL_EVAL_BATCHES = 200;

/** A run ready to train: pass {@link PreparedRun.trainOptions} to the trainer's `train`. */
export interface PreparedRun extends PreparedSource {
  model: LanguageModel;
  data: TrainingData;
  optimizer: Optimizer;
  schedule: Schedule;
  /** The options for `train()`; add a checkpoint sink, a signal, `resume` and callbacks as needed. */
  trainOptions(extra?: Partial<TrainOptions>): TrainOptions;
  /**
   * The final evaluation of a run: every split, whole for word lists, and for text on at least
   * {@link FINAL_EVAL_BATCHES} random batches (or the spec's `eval.iters`, if more; a run from `initFrom`
   * on `eval.iters` alone), so the figure a run
   * ends with is steadier than the loop's quick estimates.
   */
  evaluate(): Promise<Record<string, number>>;
  /** Samples as the spec's `sample` section says, with a seed of the caller's. */
  sample(seed: number, overrides?: Partial<SampleTextOptions>): string[];
  /** Frees the model and the optimizer. */
  dispose(): void;
}

/**
 * Prepares a spec for training: {@link prepareSource}, then the model, its batches, the optimizer and the
 * schedule. The count-table `bigram` is fitted rather than trained: use {@link prepareSource} for it.
 */
export function prepareRun(spec: RunSpec, dataset: Dataset, options: PrepareOptions = {}): PreparedRun {
  return prepareRunFrom(prepareSource(spec, dataset, options), options);
}

/**
 * {@link prepareRun} from a prepared source: the model, its batches, the optimizer and the schedule. The
 * Node entry uses it for token shards, whose source is not a loaded dataset.
 */
export function prepareRunFrom(source: PreparedSource, options: PrepareOptions = {}): PreparedRun {
  const config = modelConfigOf(source);
  if (config.type === 'bigram') {
    throw new RunSpecError(
      'model.type',
      'the bigram count table is fitted, not trained; use prepareSource and fitBigram',
    );
  }
  if (options.memory) {
    const { training, optimizer } = source.spec;
    checkMemoryFits(
      estimateMemory(config, training.batchSize, { optimizer: optimizer.type }),
      options.memory,
    );
  }
  if (options.init && source.spec.initFrom === undefined) {
    throw new RunSpecError(
      'initFrom',
      `weights from ${options.init.from} were given, but the spec does not start from them; make it with specForInit`,
    );
  }
  // Weights that are about to be loaded need no random initialisation first.
  const built = options.init ? withoutInitialDraws(() => createModel(config)) : createModel(config);
  if (!isLanguageModel(built))
    throw new RunSpecError('model.type', `${config.type} is not a trainable network`);
  const model = built;
  let data: TrainingData;
  let optimizer: Optimizer;
  try {
    if (options.init) loadInitWeights(model, options.init);
    data = buildTrainingData(source, model.inputKind, model.blockSize);
    optimizer = buildOptimizer(source.spec.optimizer, model);
  } catch (error) {
    model.dispose();
    throw error;
  }
  const s = source.spec;
  const schedule = buildSchedule(s.schedule, s.optimizer.lr);
  const sample = (seed: number, overrides: Partial<SampleTextOptions> = {}) =>
    sampleTexts(model, source.tokenizer, source.kind, { ...s.sample, seed, ...overrides });
  const evaluate = () => {
    // A fine-tuning run keeps to its own count: its model is usually large (GPT-2 on a CPU), where 200
    // batches per split would take longer than the training.
    const batches =
      s.eval.iters === 'all'
        ? 'all'
        : s.initFrom !== undefined
          ? s.eval.iters
          : Math.max(s.eval.iters, FINAL_EVAL_BATCHES);
    const iters = source.kind === 'words' ? 'all' : batches;
    return estimateLoss(model, data, {
      splits: data.splits,
      iters,
      batchSize: iters === 'all' ? (s.eval.batchSize ?? 512) : (s.eval.batchSize ?? s.training.batchSize),
      seed: s.training.seed + 2,
    });
  };
  return {
    ...source,
    model,
    data,
    optimizer,
    schedule,
    sample,
    evaluate,
    trainOptions(extra = {}) {
      return {
        model,
        data,
        optimizer,
        schedule,
        steps: s.training.steps,
        batchSize: s.training.batchSize,
        gradAccum: s.training.gradAccum,
        ...(s.training.gradClip > 0 ? { gradClip: s.training.gradClip } : {}),
        evalEvery: s.eval.every,
        evalIters: s.eval.iters,
        ...(s.eval.batchSize !== undefined ? { evalBatchSize: s.eval.batchSize } : {}),
        ...(s.eval.splits !== undefined ? { evalSplits: s.eval.splits } : {}),
        sampleEvery: s.sample.every,
        sample: (m, c) => sampleTexts(m, source.tokenizer, source.kind, { ...s.sample, seed: c.seed }),
        seed: s.training.seed,
        tokenizer: source.tokenizer.toJSON(),
        record: { run: s },
        ...extra,
      };
    },
    dispose() {
      optimizer.dispose();
      model.dispose();
      // Data read from files (token shards) holds them open until now.
      (data as TrainingData & { close?: () => void }).close?.();
    },
  };
}

/** The run spec recorded in a checkpoint by a prepared run (`snapshot.trainer.run`), if any. */
export function specOfSnapshot(snapshot: Pick<TrainingSnapshot, 'trainer'>): RunSpec | undefined {
  const run = (snapshot.trainer as { run?: RunSpec }).run;
  return run && typeof run === 'object' && run.version !== undefined ? run : undefined;
}
