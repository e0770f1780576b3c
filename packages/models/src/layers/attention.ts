/**
 * Multi-head scaled dot-product attention from a fused q, k, v projection (Vaswani et al. 2017,
 * "Attention Is All You Need"), the core of nanoGPT's `CausalSelfAttention`:
 *
 *   q, k, v = split(qkv),   y_h = softmax(q_h·k_hᵀ / √d + mask)·v_h,   y = concat_h(y_h)
 */
import * as tf from '@tensorflow/tfjs-core';
import { canFuse, FUSED_KERNEL_NAMES as FUSED, runFused } from './fused-kernels';
import { maskedSoftmax } from './masked-softmax';

/**
 * Attention over `qkv [B, T, 3E]` (q, k and v side by side on the last axis, each split into `heads` heads
 * of E / heads columns) with the additive `mask [T, T]` (a constant) → `[B, T, E]`.
 *
 * On a backend with the fused attention kernels (`@makemore/backend`'s wasm) this is one kernel each way,
 * reading each head in place; otherwise it is the composed ops: a reshape and transpose to
 * `[3, B, H, T, D]`, two batched products around {@link maskedSoftmax}, and a transpose back.
 * `dropProbs`, when given, is applied to the attention probabilities (attention dropout) and keeps the
 * composed ops.
 */
export function multiHeadAttention(
  qkv: tf.Tensor,
  mask: tf.Tensor,
  heads: number,
  dropProbs?: (probs: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  const [B, T, W] = qkv.shape as [number, number, number];
  const E = W / 3;
  const D = E / heads;
  const scale = 1 / Math.sqrt(D);
  if (dropProbs === undefined && canFuse([qkv, mask], FUSED.attention, FUSED.attentionGrad)) {
    const attrs = { heads, scale };
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const input = args[0] as tf.Tensor;
      const save = args[1] as tf.GradSaveFunc;
      const [y, probs] = runFused(FUSED.attention, { qkv: input, mask }, attrs) as [tf.Tensor, tf.Tensor];
      save([input, probs]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf
            .engine()
            .runKernel(FUSED.attentionGrad, { dy, qkv: saved[0]!, probs: saved[1]! }, attrs) as tf.Tensor,
      };
    });
    return f(qkv);
  }
  // [B, T, 3E] → [B, T, 3, H, D] → [3, B, H, T, D]: q, k, v for every head.
  const [q, k, v] = tf.unstack(tf.transpose(tf.reshape(qkv, [B, T, 3, heads, D]), [2, 0, 3, 1, 4])) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
  const probs = maskedSoftmax(tf.matMul(q, k, false, true), mask, scale);
  const att = dropProbs === undefined ? probs : dropProbs(probs);
  return tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [B, T, E]);
}
