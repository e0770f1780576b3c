/**
 * What a spec gets for every field it leaves out. Each model family has a recipe-like default: the
 * lectures' SGD with a step decay for the window models (MLP, WaveNet), AdamW with a cosine schedule for
 * the sequence models, sized to train in minutes on two CPU cores. Adding a model family adds one entry
 * here (the compiler asks for it) and one to {@link MODEL_FIELDS}.
 */
import type { ModelType } from '@makemore/models';
import type { RunSpecInput } from './spec';

/** Built-in datasets and their kinds (the data registry of @makemore/datasets, by name). */
export const BUILTIN_KINDS: Record<string, 'words' | 'text' | 'documents'> = {
  names: 'words',
  verbs: 'words',
  shakespeare: 'text',
  sotu: 'documents',
};

/** The model fields each family reads, beyond `type`, `vocabSize`, `blockSize` and `seed`. */
export const MODEL_FIELDS: Record<ModelType, readonly string[]> = {
  bigram: ['smoothing'],
  'bigram-nn': [],
  mlp: ['nEmbd', 'nEmbd2', 'nHidden', 'batchNorm', 'inputKind', 'init'],
  rnn: ['nEmbd', 'nEmbd2'],
  gru: ['nEmbd', 'nEmbd2'],
  lstm: ['nEmbd', 'nEmbd2'],
  bow: ['nEmbd', 'nEmbd2'],
  wavenet: ['nEmbd', 'nHidden', 'batchNorm', 'inputKind'],
  transformer: ['nEmbd', 'nLayer', 'nHead', 'dropout', 'bias', 'tieWeights', 'gelu', 'init'],
};

/** Fields every section starts from, whatever the model. */
export const COMMON_DEFAULTS: RunSpecInput = {
  data: { dataset: 'names', kind: 'auto', tokenizer: { type: 'char' } },
  training: { gradAccum: 1, gradClip: 0, seed: 42 },
  sample: { every: 0, temperature: 1, topK: 0, prompt: '' },
  backend: { name: 'auto', threads: 'auto' },
};

/** The makemore lectures (parts 2–5): plain SGD, a ×0.1 step decay at 75 % of the steps, whole-split evals. */
const lecture: RunSpecInput = {
  optimizer: { type: 'sgd', lr: 0.1, weightDecay: 0 },
  schedule: { type: 'step', gamma: 0.1 },
  training: { batchSize: 32 },
  eval: { every: 5000, iters: 'all' },
};

/** The sequence models: AdamW with 100 warmup steps and a cosine to a tenth, gradient clipping at 1. */
const sequence: RunSpecInput = {
  optimizer: { type: 'adamw', lr: 5e-3, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.01, decay: 'matrices' },
  schedule: { type: 'cosine', warmup: 100 },
  training: { steps: 3000, batchSize: 32, gradClip: 1 },
  eval: { every: 500, iters: 50 },
};

/**
 * Layers family defaults section by section. A part that gives a section another `type` replaces the
 * section, so that the old type's fields (a cosine's warmup under a constant schedule) do not leak in.
 */
const merge = (...parts: RunSpecInput[]): RunSpecInput => {
  const out: Record<string, Record<string, unknown>> = {};
  for (const part of parts) {
    for (const [section, value] of Object.entries(part)) {
      const fields = value as Record<string, unknown>;
      const previous = out[section];
      const retyped = previous && fields.type !== undefined && fields.type !== previous.type;
      out[section] = retyped ? { ...fields } : { ...previous, ...fields };
    }
  }
  return out as RunSpecInput;
};

/** Each family's defaults. `blockSize: 'auto'` is the longest word + 1 on word lists, 64 on text. */
export const FAMILY_DEFAULTS: Record<ModelType, RunSpecInput> = {
  bigram: merge({ model: { type: 'bigram', blockSize: 1, smoothing: 1 } as RunSpecInput['model'] }, lecture, {
    training: { steps: 0 },
    eval: { every: 0 },
  }),
  'bigram-nn': merge(sequence, {
    model: { type: 'bigram-nn', blockSize: 'auto' },
    optimizer: { lr: 0.05, weightDecay: 0 },
    schedule: { type: 'constant' },
    training: { steps: 1500, batchSize: 512 },
  }),
  mlp: merge(lecture, {
    model: { type: 'mlp', blockSize: 3, nEmbd: 10, nHidden: 200, inputKind: 'window' },
    training: { steps: 15000 },
  }),
  rnn: merge(sequence, { model: { type: 'rnn', blockSize: 'auto', nEmbd: 64, nEmbd2: 64 } }),
  gru: merge(sequence, { model: { type: 'gru', blockSize: 'auto', nEmbd: 64, nEmbd2: 64 } }),
  lstm: merge(sequence, { model: { type: 'lstm', blockSize: 'auto', nEmbd: 64, nEmbd2: 64 } }),
  bow: merge(sequence, { model: { type: 'bow', blockSize: 'auto', nEmbd: 64, nEmbd2: 64 } }),
  wavenet: merge(lecture, {
    model: { type: 'wavenet', blockSize: 8, nEmbd: 24, nHidden: 128, batchNorm: true, inputKind: 'window' },
    training: { steps: 20000 },
  }),
  transformer: merge(sequence, {
    model: { type: 'transformer', blockSize: 'auto', nEmbd: 64, nLayer: 4, nHead: 4, dropout: 0 },
    optimizer: { lr: 1e-3 },
  }),
};

/**
 * How a large model (≥ {@link FINETUNE_MIN_PARAMS} parameters) that a run starts from (`initFrom`) trains
 * unless told otherwise: nanoGPT's `config/finetune_shakespeare.py` over train.py's defaults. AdamW at a
 * constant 3e-5, betas 0.9/0.95, weight decay 0.1 on every matrix and embedding, clipping at 1; 20 steps of
 * 1 × 32 accumulated windows; an evaluation every 5 steps on 40 batches.
 */
export const FINETUNE_DEFAULTS: RunSpecInput = {
  optimizer: { type: 'adamw', lr: 3e-5, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1, decay: 'rank2' },
  schedule: { type: 'constant' },
  training: { steps: 20, batchSize: 1, gradAccum: 32, gradClip: 1 },
  eval: { every: 5, iters: 40 },
};

/**
 * Models smaller than this fine-tune with their family's own defaults instead: a rate of 3e-5 barely moves a
 * lecture MLP or a makemore transformer, which start from scratch at 1e-3 to 0.1.
 */
export const FINETUNE_MIN_PARAMS = 10_000_000;

/** The defaults a run that starts from a model of `params` parameters trains with, under the caller's spec. */
export function fineTuneDefaults(params: number): RunSpecInput {
  return params >= FINETUNE_MIN_PARAMS ? structuredClone(FINETUNE_DEFAULTS) : {};
}

/** Block size for `blockSize: 'auto'` on text, where no word length bounds it. */
export const TEXT_BLOCK_SIZE = 64;
