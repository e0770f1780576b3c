/**
 * Gradient clipping by global norm (Pascanu et al. 2013, "On the difficulty of training recurrent neural
 * networks"): when ‖g‖₂ over all parameters exceeds maxNorm, every gradient is scaled by maxNorm / ‖g‖₂.
 */
import { canFuse, FUSED_KERNEL_NAMES } from '@makemore/models';
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import type { Gradients } from './optim/optimizer';

/** The global L2 norm of all gradients, as a scalar tensor the caller owns. */
export function globalNorm(grads: Gradients): Scalar {
  const list = grads instanceof Map ? [...grads.values()] : Object.values(grads);
  return tf.tidy(() => {
    if (list.length === 0) return tf.scalar(0);
    if (canFuse(list, FUSED_KERNEL_NAMES.squaredNorm)) {
      // One kernel for every gradient where the backend has it, instead of a Square and a Sum for each.
      const inputs = Object.fromEntries(list.map((g, i) => [`g${i}`, g]));
      return tf.sqrt(
        tf.engine().runKernel(FUSED_KERNEL_NAMES.squaredNorm, inputs, {}) as tf.Tensor,
      ) as Scalar;
    }
    const squares = list.map((g) => tf.sum(tf.square(g)));
    return tf.sqrt(tf.addN(squares)) as Scalar;
  });
}

/** What {@link clipGradNorm} returns; the caller owns every tensor in it. */
export interface ClippedGradients {
  /** The gradients, scaled when their norm exceeded `maxNorm`; same names as the input. */
  grads: Map<string, Tensor>;
  /** The global norm before clipping. */
  norm: Scalar;
}

/**
 * Scales `grads` so their global norm is at most `maxNorm`, by the factor min(1, maxNorm / (norm + 1e-6))
 * (the small constant guards against dividing by zero, as PyTorch's clip_grad_norm_ does).
 * The input gradients are left untouched.
 */
export function clipGradNorm(grads: Gradients, maxNorm: number): ClippedGradients {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const norm = globalNorm(grads);
  return { grads: scaleToNorm(grads, norm, maxNorm), norm };
}

/**
 * `grads` scaled by min(1, maxNorm / (norm + 1e-6)) given their global `norm`: the second half of
 * {@link clipGradNorm}, for callers that already have the norm. The caller owns the new tensors.
 */
export function scaleToNorm(grads: Gradients, norm: Scalar, maxNorm: number): Map<string, Tensor> {
  const entries = grads instanceof Map ? [...grads] : Object.entries(grads);
  return new Map(
    tf.tidy(() => {
      const scale = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1);
      return entries.map(([name, g]) => [name, tf.mul(g, scale)] as const);
    }),
  );
}
