/**
 * Registers our fused WebGPU kernels (src/fused-kernels.ts) on tfjs-backend-webgpu through tfjs's kernel
 * registry, as src/wasm/repairs.ts does on wasm. @makemore/models and @makemore/trainer ask the registry
 * for these names and use them where the active backend has them, so a webgpu training step runs one
 * dispatch (or two) per LayerNorm, GELU, attention, loss and optimizer step instead of dozens of composed
 * kernels. Matrix products stay on tfjs's own kernels.
 */
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { attentionWebGpuConfigs } from './attention';
import { crossEntropyWebGpuConfigs } from './cross-entropy';
import { geluWebGpuConfigs } from './gelu';
import { layerNormWebGpuConfigs } from './layer-norm';
import { optimizerWebGpuConfigs } from './optimizer';
import { softmaxWebGpuConfigs } from './softmax';

const CONFIGS = [
  ...geluWebGpuConfigs,
  ...layerNormWebGpuConfigs,
  ...attentionWebGpuConfigs,
  ...crossEntropyWebGpuConfigs,
  ...optimizerWebGpuConfigs,
  ...softmaxWebGpuConfigs,
];

/** The fused kernel names registered on webgpu when installed. */
export const WEBGPU_FUSED_KERNEL_NAMES: readonly string[] = CONFIGS.map((c) => c.kernelName);

/**
 * Registers the fused kernels on the `webgpu` backend (once; kernels already registered are kept).
 * Needs `@tensorflow/tfjs-backend-webgpu` imported first. Returns whether they are in place.
 */
export function installWebGpuFusedKernels(): boolean {
  if (getKernel('BatchMatMul', 'webgpu') === undefined) return false;
  for (const config of CONFIGS) {
    if (getKernel(config.kernelName, 'webgpu') === undefined) registerKernel(config);
  }
  return true;
}

/** Removes the fused kernels from `webgpu`, so models fall back to composed ops (benchmarks, tests). */
export function uninstallWebGpuFusedKernels(): void {
  for (const config of CONFIGS) {
    if (getKernel(config.kernelName, 'webgpu') !== undefined) unregisterKernel(config.kernelName, 'webgpu');
  }
}

/** Whether the fused kernels are registered on `webgpu` right now. */
export function webGpuFusedKernelsInstalled(): boolean {
  return CONFIGS.every((c) => getKernel(c.kernelName, 'webgpu') !== undefined);
}
