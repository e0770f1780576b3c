/**
 * Activation functions used by the models.
 *
 * GELU (Hendrycks & Gimpel 2016), x·Φ(x), in two forms:
 * - `tanh`: the approximation 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))) used by GPT-2 and by
 *   makemore.py's `NewGELU`;
 * - `erf`: the exact 0.5·x·(1 + erf(x/√2)), PyTorch's `nn.GELU()` default as nanoGPT uses it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { canFuse, FUSED_KERNEL_NAMES as FUSED, runFused } from './fused-kernels';
import { Module } from './module';

/** Which GELU formula to use. */
export type GeluKind = 'tanh' | 'erf';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU of `x`, elementwise, as one custom-gradient op. Backward uses the closed forms
 *   tanh:  0.5·(1 + t) + 0.5·x·(1 − t²)·c·(1 + 3·0.044715·x²),  t = tanh(c·(x + 0.044715·x³)), c = sqrt(2/π)
 *   erf:   Φ(x) + x·φ(x) = 0.5·(1 + erf(x/√2)) + x·exp(−x²/2)/sqrt(2π)
 */
export function gelu(x: tf.Tensor, kind: GeluKind = 'tanh'): tf.Tensor {
  if (canFuse(x, FUSED.gelu, FUSED.geluGrad)) return fusedGelu(x, kind);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const half = tf.mul(input, 0.5);
    if (kind === 'erf') {
      const cdf = tf.add(tf.erf(tf.mul(input, Math.SQRT1_2)), 1); // 2·Φ(x)
      save([input, cdf]);
      return {
        value: tf.mul(half, cdf),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, sCdf] = saved as [tf.Tensor, tf.Tensor];
          const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), 1 / Math.sqrt(2 * Math.PI));
          return tf.mul(dy, tf.add(tf.mul(sCdf, 0.5), tf.mul(sx, pdf)));
        },
      };
    }
    const x2 = tf.square(input);
    const t = tf.tanh(tf.mul(tf.mul(input, tf.add(tf.mul(x2, 0.044715), 1)), SQRT_2_OVER_PI));
    save([input, t]);
    return {
      value: tf.mul(half, tf.add(t, 1)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, st] = saved as [tf.Tensor, tf.Tensor];
        const inner = tf.mul(tf.add(tf.mul(tf.square(sx), 3 * 0.044715), 1), SQRT_2_OVER_PI);
        const sech2 = tf.sub(1, tf.square(st));
        const d = tf.add(tf.mul(tf.add(st, 1), 0.5), tf.mul(tf.mul(tf.mul(sx, 0.5), sech2), inner));
        return tf.mul(dy, d);
      },
    };
  });
  return f(x);
}

/** {@link gelu} on the backend's fused kernels: same formulas, one pass over memory each way. */
function fusedGelu(x: tf.Tensor, kind: GeluKind): tf.Tensor {
  const approximate = kind === 'tanh' ? 'tanh' : 'none';
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const [y, aux] = runFused(FUSED.gelu, { x: input }, { approximate }) as [tf.Tensor, tf.Tensor];
    save([input, aux]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sAux] = saved as [tf.Tensor, tf.Tensor];
        return tf.engine().runKernel(FUSED.geluGrad, { dy, x: sx, aux: sAux }, { approximate }) as tf.Tensor;
      },
    };
  });
  return f(x);
}

/** A parameter-free tanh layer, so sequential stacks keep PyTorch's `nn.Sequential` indices. */
export class Tanh extends Module {
  /** tanh(x), elementwise. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tanh(x);
  }
}
