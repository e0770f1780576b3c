/**
 * Activation functions used by the models.
 *
 * GELU (Hendrycks & Gimpel 2016), x·Φ(x), in two forms:
 * - `tanh`: the approximation 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))) used by GPT-2 and by
 *   makemore.py's `NewGELU`;
 * - `erf`: the exact 0.5·x·(1 + erf(x/√2)), PyTorch's `nn.GELU()` default as nanoGPT uses it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';

/** Which GELU formula to use. */
export type GeluKind = 'tanh' | 'erf';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU of `x`, elementwise. */
export function gelu(x: tf.Tensor, kind: GeluKind = 'tanh'): tf.Tensor {
  return tf.tidy(() => {
    if (kind === 'erf') return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
    const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  });
}

/** A parameter-free tanh layer, so sequential stacks keep PyTorch's `nn.Sequential` indices. */
export class Tanh extends Module {
  /** tanh(x), elementwise. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tanh(x);
  }
}
