/**
 * The run spec: one plain, versioned JSON object that names everything a training run depends on, from
 * the dataset and its split to the model, the optimizer, the schedule, the loop, evaluation, sampling and
 * the backend. It plays the part of nanoGPT's config globals: every entry point (the CLI's flags and
 * `--config`, the demo's form, the examples, sweeps) turns its input into a spec, and `prepareRun` turns a
 * spec into the objects that train. Two runs with equal specs are the same run.
 *
 * A *partial* spec ({@link RunSpecInput}) may leave anything out; {@link resolveRunSpec} fills the
 * defaults, checks every field and returns a complete {@link RunSpec}. Numbers that depend on the data
 * (the vocabulary size, `blockSize: 'auto'`) are filled in by `prepareRun`, which returns the spec with
 * them settled: that is what a run folder stores as `run.json`.
 */
import type { ModelType } from '@makemore/models';

/** The version of the spec's layout; bumped when a field changes meaning. */
export const RUN_SPEC_VERSION = 1;

/** How a dataset's examples look: a word per line, one text stream, or separate documents. */
export type DatasetKind = 'words' | 'text' | 'documents';

/** How the data is split into train and held-out parts. */
export interface SplitSpec {
  /**
   * - `fractions`: words, shuffled with `seed`, cut into train/dev/test by `fractions` (the lectures' 80/10/10).
   * - `makemore`: words, makemore.py's rule: test = min(1000, 10 %), the rest train, no dev split.
   * - `contiguous`: text, the first `fractions[0]` train and the rest val (nanoGPT's prepare.py).
   * - `documents`: documents shuffled with `seed`, whole documents to train and val by `fractions[0]`.
   */
  rule: 'fractions' | 'makemore' | 'contiguous' | 'documents';
  /** words: [train, dev, test]; text and documents: [train, val]. Each in [0, 1], summing to 1. */
  fractions: number[];
  /** Seed of the shuffle (`fractions`, `makemore`, `documents`). */
  seed: number;
}

/** Which tokenizer a run uses. */
export type TokenizerSpec =
  | { type: 'char' }
  | { type: 'bpe'; vocabSize: number; pattern: 'gpt2' | 'gpt4' }
  /** A saved tokenizer (`.json`, minbpe `.model`, `.tiktoken`); read by the Node adapters. */
  | { type: 'file'; path: string }
  /**
   * The tokenizer saved with the weights that {@link RunSpec.initFrom} names: a run that starts from a
   * trained model keeps its ids. The caller loads it with the weights (see `prepareRun`'s `init`).
   */
  | { type: 'init' };

/**
 * The tokenizer spec of a shard run: `{ type: 'file', path: '<shards>/index.json' }`, the tokenizer that
 * the shard folder's index records (the ids in the shards were encoded with it).
 */
export const SHARDS_TOKENIZER_FILE = 'index.json';

/** Where the text comes from, and how it becomes examples. */
export interface DataSpec {
  /** A built-in dataset name (`names`, `verbs`, `shakespeare`, `sotu`) or a file or folder path. */
  dataset: string;
  /**
   * A token shard folder (written by `makemore prepare` / `prepareTokenShards`) to train on instead of a
   * dataset loaded into memory: batches are random windows read from its files, so memory stays bounded by
   * the batch whatever the corpus size. Node only (`prepareShardRun` of `@makemore/run/node`). With it,
   * `dataset` names the folder, `kind` is `text`, the split is the one the shards were cut with, and the
   * tokenizer is the one their `index.json` records ({@link SHARDS_TOKENIZER_FILE}).
   */
  shards?: string;
  /** The dataset's kind, or `auto` to take the one it loads as. */
  kind: DatasetKind | 'auto';
  split: SplitSpec;
  tokenizer: TokenizerSpec;
}

/**
 * The model's config as `createModel` takes it, except that `vocabSize` may be left to the tokenizer and
 * `blockSize` may be `auto`: the longest word + 1 for sequence models on word lists, 64 on text.
 */
export interface ModelSpec {
  type: ModelType;
  vocabSize?: number;
  blockSize: number | 'auto';
  nEmbd?: number;
  nEmbd2?: number;
  nHidden?: number;
  nLayer?: number;
  nHead?: number;
  dropout?: number;
  batchNorm?: boolean;
  bias?: boolean;
  tieWeights?: boolean;
  gelu?: 'tanh' | 'erf';
  init?: 'pytorch' | 'gpt2';
  inputKind?: 'window' | 'sequence';
  /** bigram: add-k smoothing of the counts. */
  smoothing?: number;
  /** Seed of the weight initialisation (default: `training.seed`). */
  seed: number;
}

/**
 * Which parameters AdamW decays:
 * - `matrices`: weight matrices only, not embeddings, biases or norm gains (the default);
 * - `rank2`: every parameter of rank ≥ 2, embeddings included (nanoGPT's `configure_optimizers`);
 * - `all`: every parameter (`torch.optim.AdamW(model.parameters())`, as makemore.py does);
 * - `none`.
 */
export type DecayRule = 'matrices' | 'rank2' | 'all' | 'none';

/** The optimizer and all its hyperparameters. */
export interface OptimizerSpec {
  type: 'sgd' | 'adam' | 'adamw';
  /** Peak learning rate. */
  lr: number;
  /** Adam's β1, β2. */
  betas?: [number, number];
  /** Adam's ε. */
  eps?: number;
  /** AdamW: decoupled weight decay; Adam and SGD: an L2 term added to the gradient. */
  weightDecay: number;
  /** AdamW: which parameters `weightDecay` applies to. */
  decay?: DecayRule;
  /** SGD momentum. */
  momentum?: number;
}

/** The learning-rate schedule, in absolute steps, so that resuming with more steps does not move it. */
export interface ScheduleSpec {
  type: 'constant' | 'step' | 'cosine';
  /** cosine: linear warmup steps. */
  warmup?: number;
  /** cosine: the floor, reached at `decaySteps` (nanoGPT's `min_lr`). */
  minLr?: number;
  /** cosine: the step at which the rate reaches `minLr` (nanoGPT's `lr_decay_iters`). */
  decaySteps?: number;
  /** step: the steps at which the rate is multiplied by `gamma` (the lecture: once, 0.1 → 0.01). */
  milestones?: number[];
  /** step: the factor at each milestone. */
  gamma?: number;
}

/** The training loop. */
export interface TrainingSpec {
  /** Total optimisation steps. */
  steps: number;
  /** Examples per micro-batch. */
  batchSize: number;
  /** Micro-batches per step (nanoGPT's `gradient_accumulation_steps`). */
  gradAccum: number;
  /** Clip the gradients' global norm to this (0: off). */
  gradClip: number;
  /** Seed of the batch sampler. */
  seed: number;
}

/** Evaluation during training. */
export interface EvalSpec {
  /** Evaluate (and checkpoint) every this many steps, and after the last (0: only at the end). */
  every: number;
  /** Batches per split, or `all` to walk each split once. */
  iters: number | 'all';
  /** Examples per evaluation batch (default: 512 for `all`, else the training batch size). */
  batchSize?: number;
  /** Splits evaluated during training (default: the training split and the eval split). */
  splits?: string[];
}

/** Samples shown during and after training. */
export interface SampleSpec {
  /** Sample every this many steps (0: only at the end). */
  every: number;
  /** How many samples: words for word lists, continuations for text. */
  n: number;
  temperature: number;
  /** Keep only the k most likely tokens (0: all). */
  topK: number;
  /** The longest sample, in tokens. */
  maxTokens: number;
  /** Text to continue (text) or the start of every word (words). */
  prompt: string;
}

/** The tensor backend. */
export interface BackendSpec {
  /** `auto` picks the fastest that loads; or `wasm`, `cpu`, `webgpu`, `webgl`, `tensorflow`, `tensorflow-gpu`. */
  name: string;
  /**
   * Threads for the wasm backend, or `'auto'` (the default): more than one only for steps with enough work
   * for a second thread to pay (`chooseThreads`). The spec keeps `'auto'`; the number chosen is the
   * run's to report.
   */
  threads: number | 'auto';
}

/** A complete run spec, as {@link resolveRunSpec} returns it. */
export interface RunSpec {
  version: typeof RUN_SPEC_VERSION;
  /** The recipe it started from, when it did (informational: the fields below are what counts). */
  recipe?: string;
  /**
   * Start the model from these trained weights instead of a fresh initialisation (fine-tuning; nanoGPT's
   * `init_from`): a checkpoint folder in Node (`makemore train --init-from DIR`), a saved model's name in
   * the demo. The model's shape and the tokenizer (`data.tokenizer: { type: 'init' }`) are the weights'
   * own; the optimizer, the schedule and the step count start afresh. Only a new run reads the weights: a
   * resumed run continues from its own checkpoint.
   */
  initFrom?: string;
  data: DataSpec;
  model: ModelSpec;
  optimizer: OptimizerSpec;
  schedule: ScheduleSpec;
  training: TrainingSpec;
  eval: EvalSpec;
  sample: SampleSpec;
  backend: BackendSpec;
}

/** Makes every field of every section optional. */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** A partial spec: anything may be left out and is filled in by {@link resolveRunSpec}. */
export type RunSpecInput = DeepPartial<Omit<RunSpec, 'version'>> & { version?: number };
