/**
 * `OneHot` for the wasm backend. The stock 4.22 kernel ignores `dtype` and always writes int32 bits, so a
 * float32 one-hot reads back as denormals (1 becomes 1.4e-45) and any cross-entropy built on it is ~0.
 *
 *   out[i, j] = onValue if indices[i] = j else offValue      (indices outside [0, depth) give a row of offValue)
 *
 * Written in JavaScript on the wasm heap: one fill and one store per index.
 */
import { type KernelConfig, type KernelFunc, OneHot, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapView, type WasmBackendInternals } from './heap';

function oneHot(args: {
  inputs: { indices?: TensorInfo };
  backend: WasmBackendInternals;
  attrs: { dtype: 'float32' | 'int32'; depth: number; onValue: number; offValue: number };
}): TensorInfo {
  const { indices } = args.inputs;
  if (indices === undefined) throw new Error('OneHot needs indices');
  const { backend } = args;
  const { dtype, depth, onValue, offValue } = args.attrs;
  const out = backend.makeOutput([...indices.shape, depth], dtype);
  const outData = heapView(backend, out);
  const ids = heapView(backend, indices);
  outData.fill(offValue);
  for (let i = 0; i < ids.length; i++) {
    const j = ids[i]!;
    if (j >= 0 && j < depth) outData[i * depth + j] = onValue;
  }
  return out;
}

/** The kernel config, ready for `registerKernel`. */
export const oneHotWasmConfig: KernelConfig = {
  kernelName: OneHot,
  backendName: 'wasm',
  kernelFunc: oneHot as unknown as KernelFunc,
};
