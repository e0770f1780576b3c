/**
 * The three reference configurations of `makemore bench` (the baby GPT, makemore's transformer, the lecture
 * MLP): models, optimizers, batch sizes and step counts. Kept apart from the command so that the repository's
 * other speed scripts (bench/gemm-routes.mts, packages/backend/bench/webgpu-node.ts) time the same models.
 */
import type { ModelConfig } from '@makemore/models';

/** One benchmark configuration. */
export interface BenchSpec {
  name: string;
  description: string;
  model: ModelConfig;
  batchSize: number;
  optimizer: 'sgd' | 'adamw';
  lr: number;
  steps: number;
  /** Untimed steps first. Enough for V8 to optimise the step's JavaScript: the MLP's step is ~2 ms, so a
   * few steps would time the interpreter, not what a 200k-step run sees. */
  warmup: number;
}

export const BENCH_SPECS: BenchSpec[] = [
  {
    name: 'gpt',
    description: 'baby GPT 4L/4H/128, block 64, batch 12, vocab 65, AdamW',
    model: {
      type: 'transformer',
      vocabSize: 65,
      blockSize: 64,
      nLayer: 4,
      nHead: 4,
      nEmbd: 128,
      dropout: 0,
      // nanoGPT's choices, as bench/pytorch/train_speed.py: no biases, tied head, exact GELU.
      bias: false,
      tieWeights: true,
      gelu: 'erf',
      init: 'gpt2',
      seed: 1,
    } as ModelConfig,
    batchSize: 12,
    optimizer: 'adamw',
    lr: 1e-3,
    steps: 40,
    warmup: 3,
  },
  {
    name: 'transformer',
    description: "makemore's default transformer on names (4L/4H/64, block 16, batch 32, vocab 27), AdamW",
    model: {
      type: 'transformer',
      vocabSize: 27,
      blockSize: 16,
      nLayer: 4,
      nHead: 4,
      nEmbd: 64,
      dropout: 0,
      seed: 1,
    },
    batchSize: 32,
    optimizer: 'adamw',
    lr: 5e-4,
    steps: 60,
    warmup: 10,
  },
  {
    name: 'mlp',
    description: 'lecture MLP (block 3, embedding 10, hidden 200, batch 32, vocab 27), SGD',
    model: {
      type: 'mlp',
      vocabSize: 27,
      blockSize: 3,
      nEmbd: 10,
      nHidden: 200,
      inputKind: 'window',
      seed: 1,
    },
    batchSize: 32,
    optimizer: 'sgd',
    lr: 0.1,
    steps: 600,
    warmup: 300,
  },
];

/** A batch of token ids as plain arrays, with the shapes to make tensors of. */
export interface TokenBatch {
  x: Int32Array;
  xShape: [number, number];
  y: Int32Array;
  yShape: number[];
}

/**
 * One batch of seeded random token ids for `spec` (the step's cost does not depend on the data): x is
 * [batch, T]; y is [batch] for a model that reads fixed windows, else [batch, T].
 */
export function randomTokenBatch(
  spec: BenchSpec,
  window: boolean,
  rng: { int(n: number): number },
): TokenBatch {
  const T = spec.model.blockSize;
  const x = new Int32Array(spec.batchSize * T).map(() => rng.int(spec.model.vocabSize));
  const y = new Int32Array(window ? spec.batchSize : spec.batchSize * T).map(() =>
    rng.int(spec.model.vocabSize),
  );
  return { x, xShape: [spec.batchSize, T], y, yShape: window ? [spec.batchSize] : [spec.batchSize, T] };
}
