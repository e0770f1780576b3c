/**
 * Model presets with the settings their sources use: the lecture's bigram and MLP, makemore.py's default
 * transformer, and nanoGPT's CPU "baby GPT" for tiny Shakespeare. `blockSize: 0` means "decide from the
 * data": for word datasets, the longest word plus one, as makemore.py does.
 */
import { type BuiltinDatasetName, listDatasets } from '@makemore/datasets';
import type { ModelType } from '@makemore/models';
import type { RunSetup } from './worker/protocol';

export interface Preset {
  id: string;
  label: string;
  description: string;
  dataset: string;
  model: RunSetup['model'];
  train: Partial<RunSetup['train']>;
}

export const PRESETS: Preset[] = [
  {
    id: 'bigram',
    label: 'Bigram (neural)',
    description: 'One weight matrix: the previous character’s row of logits. Lecture part 1.',
    dataset: 'names',
    model: { type: 'bigram-nn', blockSize: 0 },
    train: {
      optimizer: 'adamw',
      learningRate: 0.1,
      batchSize: 32,
      steps: 500,
      weightDecay: 0,
      schedule: 'constant',
    },
  },
  {
    id: 'mlp',
    label: 'Lecture MLP',
    description: 'Bengio et al. 2003: block 3, a 27×10 embedding table C, 200 tanh units. Lecture part 2.',
    dataset: 'names',
    model: { type: 'mlp', blockSize: 3, nEmbd: 10, nHidden: 200, inputKind: 'window' },
    train: {
      optimizer: 'sgd',
      learningRate: 0.1,
      batchSize: 32,
      steps: 5000,
      weightDecay: 0,
      schedule: 'step',
    },
  },
  {
    id: 'makemore-transformer',
    label: 'makemore transformer',
    description: 'makemore.py’s default: 4 layers, 4 heads, n_embd 64, AdamW 5e-4.',
    dataset: 'names',
    model: { type: 'transformer', blockSize: 0, nLayer: 4, nHead: 4, nEmbd: 64, dropout: 0 },
    train: {
      optimizer: 'adamw',
      learningRate: 5e-4,
      batchSize: 32,
      steps: 2000,
      weightDecay: 0.01,
      schedule: 'constant',
    },
  },
  {
    id: 'baby-gpt',
    label: 'Baby GPT',
    description: 'nanoGPT’s CPU config for tiny Shakespeare: 4 layers, 4 heads, 128 wide, block 64.',
    dataset: 'shakespeare',
    model: { type: 'transformer', blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0 },
    train: {
      optimizer: 'adamw',
      learningRate: 1e-3,
      batchSize: 12,
      steps: 2000,
      weightDecay: 0.1,
      schedule: 'cosine',
    },
  },
];

export const DEFAULT_TRAIN: RunSetup['train'] = {
  steps: 1000,
  batchSize: 32,
  learningRate: 0.1,
  optimizer: 'sgd',
  schedule: 'constant',
  weightDecay: 0,
  evalEvery: 100,
  evalIters: 10,
  sampleEvery: 100,
  seed: 42,
};

/**
 * The model types the Train page offers: every `ModelType` of @makemore/models but the `bigram` count table,
 * which is not a trainable network. Listed here, not filtered from its `MODEL_TYPES` at run time, because
 * importing @makemore/models on the page would pull TensorFlow.js into the main bundle (it lives in the
 * worker); the type checks below hold this list to `ModelType` instead.
 */
export const MODEL_TYPES = [
  'bigram-nn',
  'mlp',
  'rnn',
  'gru',
  'lstm',
  'bow',
  'wavenet',
  'transformer',
] as const satisfies readonly ModelType[];

/** Fails to compile when @makemore/models gains a trainable type this list lacks. */
type UnlistedModelType = Exclude<ModelType, 'bigram' | (typeof MODEL_TYPES)[number]>;
const everyTrainableTypeListed: [UnlistedModelType] extends [never] ? true : UnlistedModelType = true;
void everyTrainableTypeListed;

/** The built-in datasets, as @makemore/datasets lists them (names, verbs, shakespeare, sotu). */
export const BUILTIN_DATASETS: readonly BuiltinDatasetName[] = listDatasets().map(
  (info) => info.name as BuiltinDatasetName,
);
