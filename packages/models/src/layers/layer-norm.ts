/**
 * LayerNorm (Ba, Kiros & Hinton 2016): normalise each vector over its last axis to zero mean and unit
 * (biased) variance, then scale and shift: y = (x - mean) / sqrt(var + eps) * weight + bias.
 * Parameters `weight` (ones) and optional `bias` (zeros), as PyTorch's `nn.LayerNorm`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { constantInit } from '../init';
import { canFuse, FUSED_KERNEL_NAMES as FUSED, runFused } from './fused-kernels';
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
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/**
 * LayerNorm over the last axis as ONE custom-gradient op. The backward pass is the closed form
 *   dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)),  g = dy · weight,
 *   dweight = Σ dy · x̂,  dbias = Σ dy   (sums over every axis but the last),
 * which takes about half the kernels of differentiating the forward op by op.
 */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null, eps = 1e-5): tf.Tensor {
  if (canFuse(x, FUSED.layerNorm, FUSED.layerNormGrad)) return fusedLayerNorm(x, weight, bias, eps);
  const dim = weight.shape[0] as number;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const w = args[1] as tf.Tensor;
    const b = bias ? (args[2] as tf.Tensor) : null;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const mean = tf.mean(input, -1, true);
    const centred = tf.sub(input, mean);
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps));
    const xhat = tf.mul(centred, rstd);
    const scaled = tf.mul(xhat, w);
    save([xhat, rstd, w]);
    return {
      value: b ? tf.add(scaled, b) : scaled,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sXhat, sRstd, sW] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const g = tf.mul(dy, sW);
        const dx = tf.mul(
          sRstd,
          tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(sXhat, tf.mean(tf.mul(g, sXhat), -1, true))),
        );
        const flatDy = tf.reshape(dy, [-1, dim]);
        const dw = tf.sum(tf.mul(tf.reshape(sXhat, [-1, dim]), flatDy), 0);
        return b ? [dx, dw, tf.sum(flatDy, 0)] : [dx, dw];
      },
    };
  });
  return bias ? f(x, weight, bias) : f(x, weight);
}

/**
 * {@link layerNorm} on the backend's fused kernels: the forward kernel also returns each row's mean and
 * 1/√(var + eps), from which the backward kernel recomputes x̂.
 */
function fusedLayerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null, eps: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const w = args[1] as tf.Tensor;
    const b = bias ? (args[2] as tf.Tensor) : null;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs: tf.NamedTensorMap = b ? { x: input, weight: w, bias: b } : { x: input, weight: w };
    const [y, mean, rstd] = runFused(FUSED.layerNorm, inputs, { epsilon: eps }) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    save([input, mean, rstd, w]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sMean, sRstd, sW] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return runFused(
          FUSED.layerNormGrad,
          { dy, x: sx, mean: sMean, rstd: sRstd, weight: sW },
          { bias: b !== null },
        );
      },
    };
  });
  return bias ? f(x, weight, bias) : f(x, weight);
}
