/**
 * Local workarounds for two TensorFlow.js 4.22 wasm kernel bugs that make training on wasm wrong:
 * - `OneHot` ignores its `dtype` and writes int32 bits even when float32 is asked for, so
 *   `tf.oneHot(ids, V, 1, 0, 'float32')` reads as denormals (1.4e-45) and a one-hot cross-entropy is ~0.
 *   Fix: one-hot in int32, then `Cast`.
 * - `_FusedMatMul` with a bias gives wrong results for more than one row when `transposeB` is set (the
 *   layout every Linear layer uses). Fix: `BatchMatMul` (which @makemore/backend repairs) plus `Add`.
 * Each fix is applied only when a probe on the active backend shows the bug, so the workaround turns
 * itself off once the kernels are repaired upstream or in @makemore/backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

type Disposer = { disposeData(id: object): void };

function oneHotIsBroken(): boolean {
  return tf.tidy(() => tf.oneHot(tf.tensor1d([1], 'int32'), 2, 1, 0, 'float32').dataSync()[1] !== 1);
}

function fusedMatMulIsBroken(): boolean {
  return tf.tidy(() => {
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const b = tf.tensor2d([1, -1, 2, 0.5], [2, 2]);
    const bias = tf.tensor1d([10, 20]);
    const fused = tf.fused.matMul({ a, b, transposeB: true, bias }).dataSync();
    const plain = tf.add(tf.matMul(a, b, false, true), bias).dataSync();
    return fused.some((v, i) => Math.abs(v - (plain[i] as number)) > 1e-4);
  });
}

function repairOneHot(): boolean {
  const original = tf.getKernel('OneHot', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (!original || !cast) return false;
  tf.unregisterKernel('OneHot', 'wasm');
  const fixed: KernelConfig = {
    kernelName: 'OneHot',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const dtype = (attrs as NamedAttrMap).dtype ?? 'float32';
      if (dtype === 'int32') return original.kernelFunc({ inputs, backend, attrs });
      const ints = original.kernelFunc({
        inputs,
        backend,
        attrs: { ...attrs, dtype: 'int32' },
      }) as TensorInfo;
      const out = cast.kernelFunc({ inputs: { x: ints }, backend, attrs: { dtype } }) as TensorInfo;
      (backend as unknown as Disposer).disposeData(ints.dataId);
      return out;
    },
  };
  tf.registerKernel(fixed);
  return true;
}

function repairFusedMatMul(): boolean {
  const original = tf.getKernel('_FusedMatMul', 'wasm');
  const batchMatMul = tf.getKernel('BatchMatMul', 'wasm');
  const add = tf.getKernel('Add', 'wasm');
  if (!original || !batchMatMul || !add) return false;
  tf.unregisterKernel('_FusedMatMul', 'wasm');
  const fixed: KernelConfig = {
    kernelName: '_FusedMatMul',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { a, b, bias, preluActivationWeights } = inputs as Record<string, TensorInfo | undefined>;
      const activation = (attrs as NamedAttrMap).activation;
      if (!bias || preluActivationWeights || (activation !== undefined && activation !== 'linear')) {
        return original.kernelFunc({ inputs, backend, attrs });
      }
      const transposeA = (attrs as NamedAttrMap).transposeA ?? false;
      const transposeB = (attrs as NamedAttrMap).transposeB ?? false;
      const product = batchMatMul.kernelFunc({
        inputs: { a: a!, b: b! },
        backend,
        attrs: { transposeA, transposeB },
      }) as TensorInfo;
      const out = add.kernelFunc({ inputs: { a: product, b: bias }, backend, attrs: {} }) as TensorInfo;
      (backend as unknown as Disposer).disposeData(product.dataId);
      return out;
    },
  };
  tf.registerKernel(fixed);
  return true;
}

/**
 * Applies the fixes the active wasm backend needs. Returns the names of the kernels it replaced (empty when
 * the backend is not wasm or has no bugs).
 */
export function repairWasmKernels(): string[] {
  if (tf.getBackend() !== 'wasm') return [];
  const fixed: string[] = [];
  if (oneHotIsBroken() && repairOneHot() && !oneHotIsBroken()) fixed.push('OneHot');
  if (fusedMatMulIsBroken() && repairFusedMatMul() && !fusedMatMulIsBroken()) fixed.push('_FusedMatMul');
  return fixed;
}
