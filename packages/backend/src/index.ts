/**
 * @makemore/backend: picks the fastest TensorFlow.js backend that loads, and repairs the wasm backend.
 *
 * This is the browser-safe entry (WebGPU → WebGL → wasm → cpu). Node programs import
 * `@makemore/backend/node`, whose `useBestBackend` tries tfjs-node-gpu → tfjs-node → wasm → cpu.
 */
export { type BrowserBackendOptions, useBestBackend } from './browser';
export { type AdamStepAttrs, FUSED_KERNELS, type GeluApproximation } from './fused-kernels';
export { GRADIENTS_REGISTERED } from './gradients';
export {
  BROWSER_ORDER,
  type BackendName,
  type BackendPreference,
  type BrowserBackendName,
  INSTALL_HINT,
  NODE_ORDER,
  type NodeBackendName,
} from './names';
export type { BackendAttempt, BackendChoice, BaseBackendOptions, NoticeHandler } from './select';
export { useWasmGemm, useWasmGemmFma, useWasmGemmThreads } from './wasm/gemm/gemm';
export {
  installWasmRepairs,
  uninstallWasmRepairs,
  type WasmRepairState,
  wasmRepairState,
} from './wasm/repairs';
export { installWebGpuRepairs } from './webgpu/add-n';
export { dispatchCount as webGpuFusedDispatchCount } from './webgpu/dispatch';
export {
  installWebGpuFusedKernels,
  uninstallWebGpuFusedKernels,
  WEBGPU_FUSED_KERNEL_NAMES,
  webGpuFusedKernelsInstalled,
} from './webgpu/fused';
