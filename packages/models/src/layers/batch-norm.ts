/**
 * BatchNorm1d (Ioffe & Szegedy 2015), as in makemore lecture part 3.
 *
 * Features sit on the LAST axis: `[N, C]`, or `[N, L, C]` where statistics are taken over both N and L
 * (the lecture's WaveNet layout). In training mode the batch mean and biased variance normalise the
 * input, and the running statistics move towards them with `momentum`, using the unbiased variance as
 * PyTorch does. In inference mode the running statistics are used. Names follow PyTorch: parameters
 * `weight`, `bias`; buffers `running_mean`, `running_var`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { constantInit } from '../init';
import { Module } from './module';

/** Batch normalisation over every axis but the last. */
export class BatchNorm1d extends Module {
  /** Scale `[C]` (ones). */
  readonly weight: tf.Variable;
  /** Shift `[C]` (zeros). */
  readonly bias: tf.Variable;
  /** Running mean `[C]` (buffer). */
  readonly runningMean: tf.Variable;
  /** Running unbiased variance `[C]` (buffer). */
  readonly runningVar: tf.Variable;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Weight of the newest batch in the running statistics (PyTorch's default 0.1; the lecture uses 0.001). */
  readonly momentum: number;

  constructor(
    readonly numFeatures: number,
    options: { eps?: number; momentum?: number } = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.weight = this.addParameter('weight', constantInit([numFeatures], 1));
    this.bias = this.addParameter('bias', constantInit([numFeatures], 0));
    this.runningMean = this.addBuffer('running_mean', constantInit([numFeatures], 0));
    this.runningVar = this.addBuffer('running_var', constantInit([numFeatures], 1));
  }

  /** `x [..., C]` → same shape. */
  apply(x: tf.Tensor): tf.Tensor {
    if (!this.training) {
      const scale = tf.mul(tf.rsqrt(tf.add(this.runningVar, this.eps)), this.weight);
      return tf.add(tf.mul(tf.sub(x, this.runningMean), scale), this.bias);
    }
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const count = x.size / this.numFeatures;
    if (count < 2) {
      throw new Error(`BatchNorm1d needs more than one value per feature in training mode, got ${count}`);
    }
    const { mean, variance } = tf.moments(x, axes);
    this.updateRunningStats(mean, variance, count);
    const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
    return tf.add(tf.mul(xhat, this.weight), this.bias);
  }

  private updateRunningStats(mean: tf.Tensor, variance: tf.Tensor, count: number): void {
    const m = this.momentum;
    tf.tidy(() => {
      // The running statistics are state: nothing downstream of them reaches the loss, so the tape
      // never differentiates through these ops.
      const unbiased = tf.mul(variance, count / (count - 1));
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
    });
  }
}
