/** What our fused kernels (src/fused-kernels.ts) share: their registration and their checked inputs. */
import type { DataType, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** `kernelFunc` registered as the wasm kernel `kernelName`. */
export function wasmKernel<Args>(
  kernelName: string,
  kernelFunc: (args: Args) => TensorInfo | TensorInfo[],
): KernelConfig {
  return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}

/**
 * Input `name` of `kernel`: present, and of `dtype` (float32 unless said). The error names the kernel, the
 * input and what was wrong with it.
 */
export function kernelInput(
  inputs: Partial<Record<string, TensorInfo>>,
  name: string,
  kernel: string,
  dtype: DataType = 'float32',
): TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`${kernel} needs an input ${name}`);
  if (t.dtype !== dtype) throw new Error(`${kernel} takes ${dtype} tensors; ${name} is ${t.dtype}`);
  return t;
}
