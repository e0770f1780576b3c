/** The flags of `makemore train` (shared in part with `lr-find`, `eval` and `bench`). */
import type { ModelType } from '@makemore/models';
import type { FlagSpec } from '../args';
import { BACKEND_FLAGS } from '../command';
import { PRESETS } from '../presets';

/**
 * Model families, as `--model` names them: the keys of {@link PRESETS}, which the compiler holds to exactly
 * `ModelType`. Not `MODEL_TYPES` from `@makemore/models`: importing that package loads TensorFlow.js, and
 * the CLI keeps it out of start-up (`--help`, `tokenize`, `datasets`) by importing it lazily.
 */
export const MODEL_TYPES = Object.keys(PRESETS) as ModelType[];

/**
 * Built-in dataset names, as `--dataset` offers them. Listed here rather than read from `@makemore/datasets`,
 * which the CLI loads lazily; a unit test holds the two lists equal.
 */
export const DATASET_NAMES = ['names', 'verbs', 'shakespeare', 'sotu'] as const;

/** Data flags: which dataset and tokenizer. */
export const DATA_FLAGS: FlagSpec[] = [
  {
    name: 'dataset',
    type: 'string',
    choices: DATASET_NAMES,
    open: true,
    default: 'names',
    placeholder: '<name|path>',
    description: 'a built-in dataset or a text file/folder',
  },
  {
    name: 'tokenizer',
    type: 'string',
    choices: ['char', 'bpe', 'bpe:<vocab>'],
    open: true,
    default: 'char',
    placeholder: '<char|bpe[:vocab]|file>',
    description: 'characters, a BPE trained on the data (vocab 512 by default), or a saved tokenizer JSON',
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
    default: 'mlp',
    placeholder: '<type>',
    description: 'model family',
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
];

/** Optimisation flags. */
export const OPTIM_FLAGS: FlagSpec[] = [
  {
    name: 'steps',
    type: 'int',
    min: 1,
    placeholder: '<n>',
    description: 'training steps (default: the model preset; env MAKEMORE_STEPS overrides the preset)',
  },
  { name: 'batch-size', type: 'int', min: 1, placeholder: '<n>', description: 'examples per step' },
  { name: 'lr', type: 'number', min: 0, placeholder: '<rate>', description: 'peak learning rate' },
  {
    name: 'lr-schedule',
    type: 'string',
    choices: ['constant', 'step', 'cosine'],
    placeholder: '<constant|step|cosine>',
    description: 'step: ×0.1 after 75 % of the steps (the lecture); cosine: warmup then decay to lr/10',
  },
  {
    name: 'optimizer',
    type: 'string',
    choices: ['sgd', 'adam', 'adamw'],
    placeholder: '<sgd|adam|adamw>',
    description: 'optimizer (default: the model preset)',
  },
  {
    name: 'warmup',
    type: 'int',
    min: 0,
    placeholder: '<steps>',
    description: 'linear warmup steps (cosine)',
  },
  { name: 'weight-decay', type: 'number', min: 0, placeholder: '<w>', description: 'AdamW weight decay' },
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
    name: 'seed',
    type: 'int',
    min: 0,
    default: 42,
    placeholder: '<n>',
    description: 'seed for data split and init',
  },
  {
    name: 'out',
    type: 'string',
    placeholder: '<dir>',
    description: 'checkpoint folder (default: out/<dataset>-<model>)',
  },
  { name: 'resume', type: 'boolean', description: 'continue from the checkpoint in --out' },
  {
    name: 'log-every',
    type: 'int',
    min: 1,
    placeholder: '<steps>',
    description: 'steps between progress lines',
  },
  ...BACKEND_FLAGS,
];
