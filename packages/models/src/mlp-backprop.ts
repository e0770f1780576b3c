/**
 * The MLP's loss with its backward pass written out by hand, as in makemore part 4 ("Becoming a backprop
 * ninja"): one custom-gradient op instead of autodiff through every layer.
 *
 *   x      = C[ids] flattened                     [N, F]     F = blockSize · nEmbd
 *   h      = tanh(x W1ᵀ + b1)                     [N, H]
 *   logits = h W2ᵀ + b2                           [N, V]
 *   loss   = −Σ onehot · logsoftmax(logits) / n   n = number of valid targets
 *
 *   dlogits = (softmax(logits) − onehot) / n      (zero rows for ignored targets)
 *   dW2 = dlogitsᵀ h     db2 = Σ_rows dlogits     dh = dlogits W2
 *   dhpre = (1 − h²) ⊙ dh
 *   dW1 = dhpreᵀ x       db1 = Σ_rows dhpre       dx = dhpre W1
 *   dC  = scatter-add of dx's rows into the rows of C named by ids
 *
 * Small models are bound by the number of kernels per step, not by arithmetic. Autodiff records every op
 * of the forward pass and saves a copy of each input; this records one op. The lecture MLP's training step
 * goes from ~106 kernels to ~60 (see packages/backend/BENCHMARKS.md). Values and gradients equal autodiff's
 * within float32 rounding: the model's gradient check and PyTorch parity tests run through this path.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  composedCrossEntropy,
  flatTargetIds,
  kernelCrossEntropy,
  targetOneHot,
} from './layers/cross-entropy';
import { canFuse, FUSED_KERNEL_NAMES } from './layers/fused-kernels';

/** The MLP's parameters, as makemore names them. */
export interface MlpWeights {
  /** Embedding table `[V', E]` (`wte.weight`). */
  C: tf.Tensor;
  /** Hidden layer `[H, F]` and its bias `[H]` (`mlp.0.*`). */
  W1: tf.Tensor;
  b1: tf.Tensor;
  /** Output layer `[V, H]` and its bias `[V]` (`mlp.2.*`). */
  W2: tf.Tensor;
  b2: tf.Tensor;
}

/**
 * Mean cross-entropy of the MLP on context windows `ids [N, blockSize]` (int32 rows of C) against
 * `targets [N]`, skipping `ignoreIndex`. Gradients flow to every tensor in `w`.
 */
export function mlpLoss(w: MlpWeights, ids: tf.Tensor, targets: tf.Tensor, ignoreIndex = -1): tf.Scalar {
  const [N, bs] = ids.shape as [number, number];
  const [rows, E] = w.C.shape as [number, number];
  const V = w.W2.shape[0] as number;
  const fusedCe = canFuse(w.W2, FUSED_KERNEL_NAMES.crossEntropy, FUSED_KERNEL_NAMES.crossEntropyGrad);
  const fusedTanhGrad = canFuse(w.W1, FUSED_KERNEL_NAMES.tanhGrad);
  // Saved tensors (the engine keeps copies) outlive the caller's tidy until backprop runs; captured ones
  // would not, so everything the backward pass reads goes through save().
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [C, W1, b1, W2, b2, save] = args as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.GradSaveFunc,
    ];
    const x = tf.reshape(tf.gather(C, ids), [N, bs * E]) as tf.Tensor2D;
    const h = tf.tanh(tf.fused.matMul({ a: x, b: W1 as tf.Tensor2D, transposeB: true, bias: b1 }));
    const logits = tf.fused.matMul({ a: h as tf.Tensor2D, b: W2 as tf.Tensor2D, transposeB: true, bias: b2 });
    // The loss and what its gradient needs: the backend's cross-entropy kernels where it has them (one
    // kernel each way), else log-softmax against the one-hot targets.
    const ce = fusedCe
      ? kernelCrossEntropy(logits, flatTargetIds(targets, V, ignoreIndex))
      : composedCrossEntropy(logits, targetOneHot(targets, V, ignoreIndex));
    save([x, h, W1, W2, ids, ...ce.saved]);
    return {
      value: ce.loss,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sh, sW1, sW2, sIds, ...sCe] = saved as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          ...tf.Tensor[],
        ];
        const dlogits = ce.dlogits(dy, sCe);
        const dh = tf.matMul(dlogits, sW2);
        const dhpre = (
          fusedTanhGrad
            ? tf.engine().runKernel(FUSED_KERNEL_NAMES.tanhGrad, { dy: dh, y: sh }, {})
            : tf.mul(dh, tf.sub(1, tf.square(sh)))
        ) as tf.Tensor2D;
        const dx = tf.matMul(dhpre, sW1);
        const dC = tf.unsortedSegmentSum(tf.reshape(dx, [N * bs, E]), tf.reshape(sIds, [N * bs]), rows);
        return [
          dC,
          tf.matMul(dhpre, sx, true, false),
          tf.sum(dhpre, 0),
          tf.matMul(dlogits, sh, true, false),
          tf.sum(dlogits, 0),
        ];
      },
    };
  });
  return loss(w.C, w.W1, w.b1, w.W2, w.b2) as tf.Scalar;
}
