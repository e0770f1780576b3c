/**
 * The flags of `makemore train` (shared in part with `lr-find`, `sweep` and `bench`). Every flag that sets
 * a run-spec field names it in {@link FLAG_FIELDS}: the flags are only a surface over the spec, so
 * `--print-config` shows what they set and `--config` accepts the same fields as JSON.
 */
import type { ModelType } from '@makemore/models';
import type { FlagSpec } from '../args';
import { BACKEND_FLAGS } from '../command';
import { RUN_THREADS_FLAG, threadsField } from '../threads';

/**
 * Model families, as `--model` names them. Listed here rather than read from `@makemore/models`, whose
 * import loads TensorFlow.js (the CLI keeps it out of start-up); the type check below holds the list to
 * exactly `ModelType`.
 */
export const MODEL_TYPES = [
  'bigram',
  'bigram-nn',
  'mlp',
  'rnn',
  'gru',
  'lstm',
  'bow',
  'wavenet',
  'transformer',
] as const satisfies readonly ModelType[];
type Unlisted = Exclude<ModelType, (typeof MODEL_TYPES)[number]>;
const everyTypeListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyTypeListed;

/**
 * Built-in dataset names, as `--dataset` offers them. Listed here rather than read from `@makemore/datasets`,
 * which the CLI loads lazily; a unit test holds the two lists equal.
 */
export const DATASET_NAMES = ['names', 'verbs', 'shakespeare', 'sotu'] as const;

/** Where the spec starts: a named recipe or a JSON file, then the flags on top. */
export const SPEC_SOURCE_FLAGS: FlagSpec[] = [
  {
    name: 'preset',
    type: 'string',
    placeholder: '<recipe>',
    description: "start from a named recipe ('makemore presets' lists them)",
  },
  {
    name: 'config',
    type: 'string',
    placeholder: '<run.json>',
    description: 'start from a run spec file (e.g. one --print-config wrote); flags override it',
  },
  { name: 'print-config', type: 'boolean', description: 'print the resolved run spec as JSON and exit' },
];

/** `--init-from`: a new run from trained weights (fine-tuning). */
export const INIT_FROM_FLAG: FlagSpec = {
  name: 'init-from',
  type: 'string',
  placeholder: '<dir>',
  description:
    "start from a checkpoint folder's weights (fine-tuning): its model and tokenizer, a fresh optimizer; from 10 M params nanoGPT's finetune_shakespeare.py unless set (AdamW 3e-5 constant, 1x32 windows, 20 steps)",
};

/** Data flags: which dataset, split and tokenizer. */
export const DATA_FLAGS: FlagSpec[] = [
  {
    name: 'dataset',
    type: 'string',
    choices: DATASET_NAMES,
    open: true,
    placeholder: '<name|path>',
    description: 'a built-in dataset or a text file/folder (default names)',
  },
  {
    name: 'shards',
    type: 'string',
    placeholder: '<dir>',
    description:
      'a token shard folder from makemore prepare, instead of --dataset: random windows read from disk, memory bounded by the batch',
  },
  {
    name: 'tokenizer',
    type: 'string',
    choices: ['char', 'bpe', 'bpe:<vocab>'],
    open: true,
    placeholder: '<char|bpe[:vocab]|file>',
    description:
      'characters, a BPE trained on the training split (vocab 512 by default), or a saved tokenizer',
  },
  {
    name: 'split',
    type: 'string',
    choices: ['fractions', 'makemore', 'contiguous', 'documents'],
    placeholder: '<rule>',
    description: 'words: fractions (80/10/10) or makemore (test = min(1000, 10 %)); text: contiguous 90/10',
  },
  {
    name: 'split-seed',
    type: 'int',
    min: 0,
    placeholder: '<n>',
    description: 'seed of the split (default --seed)',
  },
  {
    name: 'data-dir',
    type: 'string',
    placeholder: '<dir>',
    description: 'folder holding the dataset files (default: $MAKEMORE_DATA_DIR, then the cache)',
  },
];

/** Model architecture flags. */
export const MODEL_FLAGS: FlagSpec[] = [
  {
    name: 'model',
    type: 'string',
    choices: MODEL_TYPES,
    placeholder: '<type>',
    description: 'model family (default mlp)',
  },
  { name: 'block-size', type: 'int', min: 1, placeholder: '<n>', description: 'context length in tokens' },
  { name: 'n-embd', type: 'int', min: 1, placeholder: '<n>', description: 'embedding size' },
  {
    name: 'n-embd2',
    type: 'int',
    min: 1,
    placeholder: '<n>',
    description: 'second embedding size (rnn, bow)',
  },
  {
    name: 'n-hidden',
    type: 'int',
    min: 1,
    placeholder: '<n>',
    description: 'hidden layer size (mlp, wavenet)',
  },
  { name: 'n-layer', type: 'int', min: 1, placeholder: '<n>', description: 'number of layers (transformer)' },
  { name: 'n-head', type: 'int', min: 1, placeholder: '<n>', description: 'attention heads (transformer)' },
  {
    name: 'dropout',
    type: 'number',
    min: 0,
    max: 0.99,
    placeholder: '<p>',
    description: 'dropout probability',
  },
  { name: 'batch-norm', type: 'boolean', description: 'use BatchNorm (mlp, wavenet)' },
  {
    name: 'bias',
    type: 'boolean',
    description: 'biases in Linear and LayerNorm (transformer; --no-bias as nanoGPT)',
  },
  {
    name: 'tie-weights',
    type: 'boolean',
    description: 'share the token embedding with the output head (transformer)',
  },
  {
    name: 'gelu',
    type: 'string',
    choices: ['tanh', 'erf'],
    placeholder: '<tanh|erf>',
    description: 'GELU form (transformer)',
  },
  {
    name: 'init',
    type: 'string',
    choices: ['pytorch', 'gpt2'],
    placeholder: '<pytorch|gpt2>',
    description: "weight init: PyTorch's defaults or GPT-2's (normal 0.02, scaled projections)",
  },
];

/** Optimisation flags. */
export const OPTIM_FLAGS: FlagSpec[] = [
  {
    name: 'steps',
    type: 'int',
    min: 1,
    placeholder: '<n>',
    description: 'training steps, at least 1 (default: the recipe; env MAKEMORE_STEPS overrides the default)',
  },
  { name: 'batch-size', type: 'int', min: 1, placeholder: '<n>', description: 'examples per (micro-)batch' },
  {
    name: 'grad-accum',
    type: 'int',
    min: 1,
    placeholder: '<n>',
    description: 'micro-batches per step (default 1)',
  },
  { name: 'lr', type: 'number', min: 0, placeholder: '<rate>', description: 'peak learning rate' },
  {
    name: 'lr-schedule',
    type: 'string',
    choices: ['constant', 'step', 'cosine'],
    placeholder: '<constant|step|cosine>',
    description: 'step: ×0.1 at 75 % of the steps (the lecture); cosine: warmup, then down to --min-lr',
  },
  {
    name: 'warmup',
    type: 'int',
    min: 0,
    placeholder: '<steps>',
    description: 'linear warmup steps (cosine)',
  },
  {
    name: 'min-lr',
    type: 'number',
    min: 0,
    placeholder: '<rate>',
    description: 'the cosine floor (default lr/10)',
  },
  {
    name: 'lr-decay-steps',
    type: 'int',
    min: 1,
    placeholder: '<n>',
    description: "the step where the cosine reaches --min-lr (nanoGPT's lr_decay_iters; default --steps)",
  },
  {
    name: 'lr-milestones',
    type: 'string',
    placeholder: '<n[,n…]>',
    description: 'steps where the step schedule multiplies the rate by 0.1 (default 75 % of --steps)',
  },
  {
    name: 'optimizer',
    type: 'string',
    choices: ['sgd', 'adam', 'adamw'],
    placeholder: '<sgd|adam|adamw>',
    description: 'optimizer (default: the recipe)',
  },
  {
    name: 'beta1',
    type: 'number',
    min: 0,
    max: 0.999999,
    placeholder: '<b>',
    description: "Adam's β1 (default 0.9)",
  },
  {
    name: 'beta2',
    type: 'number',
    min: 0,
    max: 0.999999,
    placeholder: '<b>',
    description: "Adam's β2 (default 0.999; recipes 0.99)",
  },
  { name: 'eps', type: 'number', min: 0, placeholder: '<e>', description: "Adam's ε (default 1e-8)" },
  {
    name: 'weight-decay',
    type: 'number',
    min: 0,
    placeholder: '<w>',
    description: 'weight decay (AdamW: decoupled)',
  },
  {
    name: 'decay',
    type: 'string',
    choices: ['matrices', 'rank2', 'all', 'none'],
    placeholder: '<rule>',
    description: 'what AdamW decays: matrices (default), rank2 (nanoGPT), all (makemore.py), none',
  },
  {
    name: 'momentum',
    type: 'number',
    min: 0,
    max: 0.999999,
    placeholder: '<m>',
    description: 'SGD momentum (default 0)',
  },
  {
    name: 'grad-clip',
    type: 'number',
    min: 0,
    placeholder: '<norm>',
    description: 'clip the gradient norm (0: off)',
  },
];

/** Evaluation, sampling and run-control flags of `train`. */
export const RUN_FLAGS: FlagSpec[] = [
  {
    name: 'eval-every',
    type: 'int',
    min: 0,
    placeholder: '<steps>',
    description: 'estimate losses every n steps',
  },
  {
    name: 'eval-iters',
    type: 'int',
    min: 0,
    placeholder: '<n>',
    description: 'batches per loss estimate (0: the whole split)',
  },
  {
    name: 'sample-every',
    type: 'int',
    min: 0,
    placeholder: '<steps>',
    description: 'print samples every n steps',
  },
  {
    name: 'temperature',
    type: 'number',
    min: 0,
    placeholder: '<t>',
    description: 'sampling temperature (default 1)',
  },
  {
    name: 'top-k',
    type: 'int',
    min: 0,
    placeholder: '<k>',
    description: 'sample among the k likeliest tokens (0: all)',
  },
  {
    name: 'seed',
    type: 'int',
    min: 0,
    placeholder: '<n>',
    description: 'seed for batches, init and split (default 42)',
  },
  {
    name: 'out',
    type: 'string',
    placeholder: '<dir>',
    description: 'run folder (default: out/<dataset>-<model>)',
  },
  { name: 'resume', type: 'boolean', description: 'continue the run in --out (it follows its run.json)' },
  {
    name: 'log-every',
    type: 'int',
    min: 1,
    placeholder: '<steps>',
    description: 'steps between progress lines',
  },
  ...BACKEND_FLAGS.map((flag) => (flag.name === 'threads' ? RUN_THREADS_FLAG : flag)),
];

/** How a flag's value becomes a spec field. */
export interface FlagField {
  /** The dotted spec path. */
  field: string;
  /** Turns the flag's value into the field's (default: as is). */
  to?: (value: string | number | boolean) => unknown;
}

/** Every flag that sets one spec field. (`--tokenizer`, `--dataset`, `--beta1/2` and `--seed` are special.) */
export const FLAG_FIELDS: Record<string, FlagField> = {
  split: { field: 'data.split.rule' },
  'split-seed': { field: 'data.split.seed' },
  model: { field: 'model.type' },
  'block-size': { field: 'model.blockSize' },
  'n-embd': { field: 'model.nEmbd' },
  'n-embd2': { field: 'model.nEmbd2' },
  'n-hidden': { field: 'model.nHidden' },
  'n-layer': { field: 'model.nLayer' },
  'n-head': { field: 'model.nHead' },
  dropout: { field: 'model.dropout' },
  'batch-norm': { field: 'model.batchNorm' },
  bias: { field: 'model.bias' },
  'tie-weights': { field: 'model.tieWeights' },
  gelu: { field: 'model.gelu' },
  init: { field: 'model.init' },
  steps: { field: 'training.steps' },
  'batch-size': { field: 'training.batchSize' },
  'grad-accum': { field: 'training.gradAccum' },
  'grad-clip': { field: 'training.gradClip' },
  lr: { field: 'optimizer.lr' },
  optimizer: { field: 'optimizer.type' },
  eps: { field: 'optimizer.eps' },
  'weight-decay': { field: 'optimizer.weightDecay' },
  decay: { field: 'optimizer.decay' },
  momentum: { field: 'optimizer.momentum' },
  'lr-schedule': { field: 'schedule.type' },
  warmup: { field: 'schedule.warmup' },
  'min-lr': { field: 'schedule.minLr' },
  'lr-decay-steps': { field: 'schedule.decaySteps' },
  'lr-milestones': {
    field: 'schedule.milestones',
    to: (v) =>
      String(v)
        .split(',')
        .map((x) => Number(x.trim())),
  },
  'eval-every': { field: 'eval.every' },
  'eval-iters': { field: 'eval.iters', to: (v) => (v === 0 ? 'all' : v) },
  'sample-every': { field: 'sample.every' },
  temperature: { field: 'sample.temperature' },
  'top-k': { field: 'sample.topK' },
  backend: { field: 'backend.name' },
  threads: { field: 'backend.threads', to: threadsField },
};

/** The flag that sets a spec field, for messages ("--n-head (model.nHead)"). */
export function flagOfField(field: string): string | undefined {
  for (const [flag, f] of Object.entries(FLAG_FIELDS)) if (f.field === field) return `--${flag}`;
  if (field.startsWith('data.tokenizer')) return '--tokenizer';
  if (field === 'data.dataset') return '--dataset';
  if (field === 'data.shards') return '--shards';
  if (field === 'initFrom') return '--init-from';
  if (field.startsWith('optimizer.betas')) return '--beta1/--beta2';
  if (field === 'training.seed') return '--seed';
  return undefined;
}
