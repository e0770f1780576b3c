/**
 * Fused kernels that a TensorFlow.js backend may register for our layers and optimizers. When the active
 * backend has them, `gelu`, `layerNorm`, `maskedSoftmax`, `multiHeadAttention`, `crossEntropy` (and @makemore/trainer's optimizers and gradient norm) run as one kernel each
 * way instead of 5–12 composed ones; otherwise (cpu, WebGL, tfjs-node) they use the composed ops. `@makemore/backend` registers them on wasm and WebGPU
 * and declares their names once, in its side-effect-free `@makemore/backend/fused-kernels` entry (which
 * documents inputs, attributes and outputs). This package stays usable without @makemore/backend (a dev
 * dependency only): its build bundles that tiny entry in (see tsup.config.ts), so nothing imports it at run time.
 */
import { FUSED_KERNELS } from '@makemore/backend/fused-kernels';
import * as tf from '@tensorflow/tfjs-core';

/** Kernel names: `@makemore/backend`'s `FUSED_KERNELS`. */
export const FUSED_KERNEL_NAMES = FUSED_KERNELS;

/**
 * Whether every tensor in `x` (one tensor or several) is float32 and the active backend registers every
 * kernel in `names`. The registry is asked once, however many tensors.
 */
export function canFuse(x: tf.Tensor | readonly tf.Tensor[], ...names: string[]): boolean {
  if (!(Array.isArray(x) ? x : [x]).every((t: tf.Tensor) => t.dtype === 'float32')) return false;
  const backend = tf.getBackend();
  return names.every((name) => tf.getKernel(name, backend) !== undefined);
}

/** Runs a fused kernel with several outputs. */
export const runFused = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): tf.Tensor[] =>
  tf.engine().runKernel(name, inputs, attrs) as tf.Tensor[];
