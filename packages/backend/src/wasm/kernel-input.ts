/** The checked inputs of our fused kernels (src/fused-kernels.ts). */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

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
