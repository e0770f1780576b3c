/**
 * Linear: y = x Wᵀ + b, PyTorch's `nn.Linear`.
 *
 * The weight is stored as PyTorch stores it, `[outFeatures, inFeatures]`, so a state dict moves between
 * the two without transposes; it is applied with one fused `matMul(x, W, transposeB)` that also adds the
 * bias. Inputs of rank > 2 are flattened to 2-D around the matmul (a free reshape), which keeps it a
 * single large op.
 */
import type { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { constantInit, normalInit, uniformInit } from '../init';
import { Module } from './module';

/** Options for {@link Linear}. */
export interface LinearOptions {
  /** Add a bias vector (default true). */
  bias?: boolean;
  /**
   * Initialisation. Default `pytorch`: weight and bias from U(-1/sqrt(in), 1/sqrt(in)).
   * `{ std }`: weight from N(0, std²) and a zero bias (GPT-2 / nanoGPT).
   */
  init?: 'pytorch' | { std: number };
}

/** A fully connected layer with PyTorch's parameter layout: `weight [out, in]`, `bias [out]`. */
export class Linear extends Module {
  /** `[outFeatures, inFeatures]`. */
  readonly weight: tf.Variable;
  /** `[outFeatures]`, or null without a bias. */
  readonly bias: tf.Variable | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    options: LinearOptions = {},
  ) {
    super();
    const init = options.init ?? 'pytorch';
    const useBias = options.bias ?? true;
    if (init === 'pytorch') {
      const bound = 1 / Math.sqrt(inFeatures);
      this.weight = this.addParameter('weight', uniformInit([outFeatures, inFeatures], bound, rng));
      this.bias = useBias ? this.addParameter('bias', uniformInit([outFeatures], bound, rng)) : null;
    } else {
      this.weight = this.addParameter('weight', normalInit([outFeatures, inFeatures], init.std, rng));
      this.bias = useBias ? this.addParameter('bias', constantInit([outFeatures], 0)) : null;
    }
  }

  /** `x [..., in]` → `[..., out]`. */
  apply(x: tf.Tensor): tf.Tensor {
    const shape = x.shape;
    const flat = shape.length === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, this.inFeatures]);
    const y = tf.fused.matMul({
      a: flat as tf.Tensor2D,
      b: this.weight as tf.Tensor2D,
      transposeB: true,
      ...(this.bias ? { bias: this.bias } : {}),
    });
    return shape.length === 2 ? y : tf.reshape(y, [...shape.slice(0, -1), this.outFeatures]);
  }
}
