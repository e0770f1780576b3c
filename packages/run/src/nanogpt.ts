/**
 * nanoGPT's train.py configuration as a run spec. A `ckpt.pt` carries train.py's `config` dict (its
 * globals after the config file and the command line); this maps each of its fields to the spec field that
 * means the same, so a model trained by nanoGPT continues here with the same optimisation.
 *
 *   learning_rate, beta1, beta2, weight_decay → optimizer (AdamW, decay on every rank-2 tensor, as
 *     nanoGPT's configure_optimizers does); decay_lr, warmup_iters, min_lr, lr_decay_iters → a cosine
 *     schedule (or constant); max_iters, batch_size, gradient_accumulation_steps, grad_clip → training;
 *     eval_interval, eval_iters → eval; dataset → data (`shakespeare_char` is our `shakespeare`).
 */
import type { ModelConfig } from '@makemore/models';
import { resolveRunSpec } from './resolve';
import type { RunSpec } from './spec';

/** nanoGPT's data folders that are built-in datasets here. */
const NANOGPT_DATASETS: Record<string, string> = {
  shakespeare_char: 'shakespeare',
  shakespeare: 'shakespeare',
};

/**
 * The run spec of a nanoGPT run: `config` is train.py's config dict, `model` the converted model config.
 * `dataset` names the data to continue on when nanoGPT's is not a built-in one (a text file's path).
 */
export function specFromNanoGpt(
  config: Record<string, unknown>,
  model: ModelConfig,
  dataset?: string,
): RunSpec {
  const num = (key: string, fallback: number) =>
    typeof config[key] === 'number' ? (config[key] as number) : fallback;
  const lr = num('learning_rate', 6e-4);
  const steps = Math.max(1, num('max_iters', 5000));
  const decay = config.decay_lr !== false;
  const name = typeof config.dataset === 'string' ? config.dataset : '';
  const { vocabSize, blockSize, seed: _seed, ...sizes } = model;
  return resolveRunSpec({
    data: {
      dataset: dataset ?? NANOGPT_DATASETS[name] ?? 'shakespeare',
      split: { rule: 'contiguous', fractions: [0.9, 0.1] },
      tokenizer: { type: 'char' },
    },
    model: {
      ...(sizes as unknown as RunSpec['model']),
      type: 'transformer',
      vocabSize,
      blockSize: blockSize as number,
      seed: 1337,
    },
    optimizer: {
      type: 'adamw',
      lr,
      betas: [num('beta1', 0.9), num('beta2', 0.95)],
      eps: 1e-8,
      weightDecay: num('weight_decay', 0.1),
      decay: 'rank2',
    },
    schedule: decay
      ? {
          type: 'cosine',
          warmup: Math.min(num('warmup_iters', 2000), Math.max(0, num('lr_decay_iters', steps) - 1)),
          minLr: Math.min(num('min_lr', lr / 10), lr),
          decaySteps: Math.max(1, num('lr_decay_iters', steps)),
        }
      : { type: 'constant' },
    training: {
      steps,
      batchSize: num('batch_size', 12),
      gradAccum: Math.max(1, num('gradient_accumulation_steps', 1)),
      gradClip: num('grad_clip', 1),
      seed: 1337,
    },
    eval: { every: num('eval_interval', 2000), iters: Math.max(1, num('eval_iters', 200)) },
    sample: { n: 1, maxTokens: 500, temperature: 0.8, topK: 200, prompt: '\n' },
  });
}
