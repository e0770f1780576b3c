/**
 * LayerNorm (Ba, Kiros & Hinton 2016): normalise each vector over its last axis to zero mean and unit
 * (biased) variance, then scale and shift: y = (x - mean) / sqrt(var + eps) * weight + bias.
 * Parameters `weight` (ones) and optional `bias` (zeros), as PyTorch's `nn.LayerNorm`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { constantInit } from '../init';
import { Module } from './module';

/** Layer normalisation over the last axis. */
export class LayerNorm extends Module {
  /** `[dim]`, initialised to ones. */
  readonly weight: tf.Variable;
  /** `[dim]`, initialised to zeros; null when built with `bias: false` (nanoGPT's `bias=False`). */
  readonly bias: tf.Variable | null;

  constructor(
    readonly dim: number,
    options: { bias?: boolean; eps?: number } = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.weight = this.addParameter('weight', constantInit([dim], 1));
    this.bias = (options.bias ?? true) ? this.addParameter('bias', constantInit([dim], 0)) : null;
  }

  /** Added to the variance before the square root (PyTorch's default 1e-5). */
  readonly eps: number;

  /** `x [..., dim]` → same shape. */
  apply(x: tf.Tensor): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
    const scaled = tf.mul(xhat, this.weight);
    return this.bias ? tf.add(scaled, this.bias) : scaled;
  }
}
