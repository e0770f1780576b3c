/**
 * Attention's probabilities from raw scores (Vaswani et al. 2017, "Attention Is All You Need"):
 * softmax(scores·scale + mask) over the last axis, with scale = 1/√d_head and an additive mask (0 where a
 * query may look, a large negative number where it may not).
 */
import * as tf from '@tensorflow/tfjs-core';
import { canFuse, FUSED_KERNEL_NAMES as FUSED } from './fused-kernels';

/**
 * softmax(scores·scale + mask) over the last axis of `scores [..., T, S]`; `mask [T, S]` is a constant
 * (no gradient). One kernel each way on a backend with the fused kernels, three and four ops otherwise.
 */
export function maskedSoftmax(scores: tf.Tensor, mask: tf.Tensor, scale: number): tf.Tensor {
  if (!canFuse([scores, mask], FUSED.maskedSoftmax, FUSED.maskedSoftmaxGrad)) {
    return tf.softmax(tf.add(tf.mul(scores, scale), mask));
  }
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const y = tf.engine().runKernel(FUSED.maskedSoftmax, { x, mask }, { scale }) as tf.Tensor;
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf
          .engine()
          .runKernel(FUSED.maskedSoftmaxGrad, { dy, y: saved[0] as tf.Tensor }, { scale }) as tf.Tensor,
    };
  });
  return f(scores);
}
