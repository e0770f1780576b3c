/**
 * A repair for tfjs-backend-webgpu 4.22's `AddN` (`tf.addN`), registered through tfjs's kernel registry.
 *
 * The stock kernel binds each input as its own storage buffer in one shader, and the backend asks its
 * device for no more than WebGPU's default limit of 8 storage buffers per shader stage (whatever the
 * adapter supports). So `tf.addN` of more than 7 tensors fails validation: the pipeline is invalid, the
 * command buffer is dropped, and the output holds garbage. The trainer's `globalNorm` adds one term per
 * parameter tensor, so every model with 8 or more (GRU, LSTM, WaveNet, the transformers) trained to NaN
 * on WebGPU (seen on an NVIDIA H200 through Dawn, and on Mesa's lavapipe; packages/backend/BENCHMARKS.md).
 *
 * The repair sums at most (limit − 1) inputs per call of the stock kernel, then sums the partial sums.
 */
import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { installWebGpuFusedKernels } from './fused';

/** WebGPU's default `maxStorageBuffersPerShaderStage`, what tfjs 4.22's device gets. */
const DEFAULT_STORAGE_BUFFERS = 8;

/** What we read from tfjs's WebGPU backend: its device's limits. */
interface WebGpuBackendLike {
  device?: { limits?: { maxStorageBuffersPerShaderStage?: number } };
  disposeData(dataId: object): unknown;
}

/** Inputs one AddN shader can take on `backend`'s device: one storage buffer is the output. */
export function addNInputLimit(backend: WebGpuBackendLike): number {
  const buffers = backend.device?.limits?.maxStorageBuffersPerShaderStage ?? DEFAULT_STORAGE_BUFFERS;
  return Math.max(2, buffers - 1);
}

/**
 * `stock` wrapped so that no call gets more than `limit(backend)` inputs: inputs are summed in chunks,
 * and the chunks' sums again, until one call remains. Partial sums are freed on the backend.
 */
export function chunkedAddN(stock: KernelFunc, limit: (backend: WebGpuBackendLike) => number): KernelFunc {
  return ((args: Parameters<KernelFunc>[0]) => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    const max = limit(backend);
    let parts = args.inputs as unknown as TensorInfo[];
    if (parts.length <= max) return stock(args);
    const partialSums: TensorInfo[] = [];
    while (parts.length > max) {
      const next: TensorInfo[] = [];
      for (let i = 0; i < parts.length; i += max) {
        const chunk = parts.slice(i, i + max);
        if (chunk.length === 1) {
          next.push(chunk[0]!);
          continue;
        }
        const sum = stock({ ...args, inputs: chunk as unknown as typeof args.inputs }) as TensorInfo;
        partialSums.push(sum);
        next.push(sum);
      }
      parts = next;
    }
    const out = stock({ ...args, inputs: parts as unknown as typeof args.inputs });
    // The WebGPU backend defers the release of buffers that queued work still reads.
    for (const t of partialSums) backend.disposeData(t.dataId);
    return out;
  }) as KernelFunc;
}

const STOCK = Symbol.for('@makemore/backend:webgpuStockAddN');
const store = globalThis as { [STOCK]?: KernelConfig };

/**
 * Replaces `AddN` on the `webgpu` backend with the chunked kernel and registers our fused kernels
 * (src/webgpu/fused.ts) unless `fused: false` (once; later calls do nothing). Needs
 * `@tensorflow/tfjs-backend-webgpu` imported first. Returns whether the repair is in place.
 */
export function installWebGpuRepairs(options: { fused?: boolean } = {}): boolean {
  if (options.fused !== false) installWebGpuFusedKernels();
  if (store[STOCK] !== undefined) return true;
  const stock = getKernel('AddN', 'webgpu');
  if (stock === undefined) return false;
  store[STOCK] = stock;
  unregisterKernel('AddN', 'webgpu');
  registerKernel({ ...stock, kernelFunc: chunkedAddN(stock.kernelFunc, addNInputLimit) });
  return true;
}
