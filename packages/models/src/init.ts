/**
 * Seeded weight initialisers. Every random tensor in the model zoo is drawn here from a
 * `@makemore/random` generator, so a config's `seed` gives the same weights in Node and in every browser.
 *
 * The distributions follow PyTorch's defaults: `nn.Linear` draws weight and bias from
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5)), `nn.Embedding` from N(0, 1),
 * and nanoGPT's GPT-2 scheme uses N(0, 0.02) with zero biases.
 */
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';

/** Number of elements in a tensor of this shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** How many {@link withoutInitialDraws} calls are running: while above 0, the initialisers draw nothing. */
let skippingDraws = 0;

/**
 * Builds a model whose weights are about to be replaced (a run that starts from trained weights) without
 * drawing its random initialisation: inside `build`, {@link uniformInit} and {@link normalInit} give zeros.
 * GPT-2 small's 124 M draws take half a minute in JavaScript. The model's generator is then not advanced
 * past the draws, so its later random numbers (dropout masks) are not the ones a freshly initialised model
 * of the same seed would draw.
 */
export function withoutInitialDraws<T>(build: () => T): T {
  skippingDraws++;
  try {
    return build();
  } finally {
    skippingDraws--;
  }
}

/** A float32 tensor with entries drawn from U(-bound, bound). */
export function uniformInit(shape: number[], bound: number, rng: Rng): tf.Tensor {
  if (skippingDraws > 0) return tf.zeros(shape, 'float32');
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = (rng.random() * 2 - 1) * bound;
  return tf.tensor(values, shape, 'float32');
}

/** A float32 tensor with entries drawn from N(mean, std²). */
export function normalInit(shape: number[], std: number, rng: Rng, mean = 0): tf.Tensor {
  if (skippingDraws > 0) return tf.zeros(shape, 'float32');
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.normal(mean, std);
  return tf.tensor(values, shape, 'float32');
}

/** A float32 tensor filled with one value (zeros for biases, ones for norm gains). */
export function constantInit(shape: number[], value: number): tf.Tensor {
  return tf.fill(shape, value, 'float32');
}

/** The generator a model draws its initial weights from: `seed` when given, else 1337 (makemore's default). */
export function initRng(seed: number | undefined): Rng {
  return new Rng(seed ?? 1337);
}
