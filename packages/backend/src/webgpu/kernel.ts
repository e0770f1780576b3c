/** What our fused WebGPU kernels share: their registration and the backend they are handed. */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGpuBackendInternals } from './dispatch';

/** The arguments tfjs hands a kernel function, with the backend's internals typed. */
export interface WebGpuKernelArgs {
  inputs: Partial<Record<string, TensorInfo>>;
  backend: WebGpuBackendInternals;
  attrs?: Record<string, unknown>;
}

/** `kernelFunc` registered as the webgpu kernel `kernelName`. */
export function webgpuKernel(
  kernelName: string,
  kernelFunc: (args: WebGpuKernelArgs) => TensorInfo | TensorInfo[],
): KernelConfig {
  return { kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as KernelFunc };
}

/** Elements of `t`. */
export const sizeOf = (t: TensorInfo): number => t.shape.reduce((a, b) => a * b, 1);
