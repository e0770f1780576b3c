/**
 * Default hyperparameters per model family, used for every flag the user leaves out. The `mlp` preset is
 * `makemore train`'s default: Bengio et al. (2003)'s MLP as in the makemore lecture (block 3, embedding 10,
 * hidden 200, SGD with a step decay), sized to reach dev loss ≤ 2.3 on names in under three minutes on
 * two CPU cores.
 */
import type { ModelConfig, ModelType } from '@makemore/models';

/** Optimizer families `--optimizer` offers. */
export type OptimizerName = 'sgd' | 'adam' | 'adamw';
/** Schedules `--lr-schedule` offers. */
export type ScheduleName = 'constant' | 'step' | 'cosine';

/** A full set of training hyperparameters. */
export interface TrainPreset {
  /** Model fields beyond type and vocab size. `blockSize: 0` means "longest word + 1" for word data. */
  model: Partial<
    Pick<
      ModelConfig,
      | 'blockSize'
      | 'nEmbd'
      | 'nEmbd2'
      | 'nHidden'
      | 'nLayer'
      | 'nHead'
      | 'dropout'
      | 'batchNorm'
      | 'inputKind'
    >
  >;
  optimizer: OptimizerName;
  lr: number;
  schedule: ScheduleName;
  warmup: number;
  weightDecay: number;
  gradClip: number;
  steps: number;
  batchSize: number;
  evalEvery: number;
  evalIters: number;
  sampleEvery: number;
}

const sequenceDefaults = {
  optimizer: 'adamw' as const,
  lr: 5e-3,
  schedule: 'cosine' as const,
  warmup: 100,
  weightDecay: 0.01,
  gradClip: 1,
  steps: 3000,
  batchSize: 32,
  evalEvery: 500,
  evalIters: 50,
  sampleEvery: 0,
};

/** The makemore lecture's recipe (parts 2-5): plain SGD with a ×0.1 step decay, whole-split evaluation. */
const lectureDefaults = {
  optimizer: 'sgd' as const,
  lr: 0.1,
  schedule: 'step' as const,
  warmup: 0,
  weightDecay: 0,
  gradClip: 0,
  batchSize: 32,
  evalEvery: 5000,
  evalIters: 0,
  sampleEvery: 0,
};

/**
 * The preset of each model family, keyed in `@makemore/models`' MODEL_TYPES order: `--model`'s choices are
 * these keys, so the record type (every ModelType, nothing else) keeps the CLI's list in step with the models.
 */
export const PRESETS: Record<ModelType, TrainPreset> = {
  bigram: {
    model: { blockSize: 1 },
    ...sequenceDefaults,
    steps: 0,
  },
  'bigram-nn': {
    model: { blockSize: 0 },
    ...sequenceDefaults,
    lr: 0.05,
    weightDecay: 0,
    schedule: 'constant',
    batchSize: 512,
    steps: 1500,
  },
  mlp: {
    model: { blockSize: 3, nEmbd: 10, nHidden: 200, inputKind: 'window' },
    ...lectureDefaults,
    steps: 15000,
  },
  rnn: { model: { blockSize: 0, nEmbd: 64, nEmbd2: 64 }, ...sequenceDefaults },
  gru: { model: { blockSize: 0, nEmbd: 64, nEmbd2: 64 }, ...sequenceDefaults },
  lstm: { model: { blockSize: 0, nEmbd: 64, nEmbd2: 64 }, ...sequenceDefaults },
  bow: { model: { blockSize: 0, nEmbd: 64, nEmbd2: 64 }, ...sequenceDefaults },
  wavenet: {
    model: { blockSize: 8, nEmbd: 24, nHidden: 128, batchNorm: true, inputKind: 'window' },
    ...lectureDefaults,
    steps: 20000,
  },
  transformer: {
    model: { blockSize: 0, nEmbd: 64, nLayer: 4, nHead: 4, dropout: 0 },
    ...sequenceDefaults,
    lr: 1e-3,
  },
};

/** Block size for `blockSize: 0` presets on stream (text) datasets, where no word length bounds it. */
export const TEXT_BLOCK_SIZE = 64;
