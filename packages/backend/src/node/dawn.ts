/**
 * TensorFlow.js's `webgpu` backend in Node, through Dawn: the npm package `webgpu` (dawn.node), which needs
 * no CUDA or libtensorflow download, only a GPU driver with Vulkan (Linux), Metal (macOS) or D3D12 (Windows).
 *
 * Both `webgpu` (132 MB for five platforms) and `@tensorflow/tfjs-backend-webgpu` are optional: they are
 * looked for at run time like tfjs-node (optional-package.ts), and a missing one is a clear error naming
 * the install command, never a crash. Without a GPU, Dawn finds either nothing or a software adapter (a CPU
 * rasteriser such as SwiftShader or lavapipe), which trains these models far slower than the wasm backend:
 * that is refused unless the caller allows it (to count kernels on a machine without a GPU, as CI does).
 *
 * Two shims make tfjs-backend-webgpu work in Node: `navigator.gpu` (Node 20 has no `navigator`; the package
 * registers its backend at import time only when `navigator.gpu` exists, so the shim comes first) and the
 * WebGPU enum globals (`GPUBufferUsage`, `GPUMapMode`, …) that tfjs reads and dawn.node exports.
 */
import { activate } from '../select';
import { installWebGpuRepairs } from '../webgpu/add-n';
import { describeWebGpuAdapter, type WebGpuAdapterDescription } from '../webgpu/adapter';
import { defaultResolutionBases, loadOptionalPackage } from './optional-package';

/** The `webgpu` version this was written and tested against. */
export const DAWN_PACKAGE = 'webgpu@0.6.2';
/** The tfjs WebGPU backend, at tfjs-core's version. */
export const TFJS_WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu@4.22.0';

/** Why {@link useDawnWebGpu} could not give a backend: each needs different advice. */
export type DawnUnavailableReason = 'not-installed' | 'broken' | 'no-adapter' | 'software-adapter';

/** Thrown by {@link useDawnWebGpu}; `reason` tells the cases apart, the message says what to do. */
export class DawnUnavailableError extends Error {
  readonly reason: DawnUnavailableReason;
  /** The adapter found, for `software-adapter`. */
  readonly adapter?: WebGpuAdapterDescription;
  constructor(reason: DawnUnavailableReason, message: string, adapter?: WebGpuAdapterDescription) {
    super(message);
    this.name = 'DawnUnavailableError';
    this.reason = reason;
    if (adapter !== undefined) this.adapter = adapter;
  }
}

/** Options for {@link useDawnWebGpu}. */
export interface DawnWebGpuOptions {
  /** Accept a software adapter (SwiftShader, lavapipe): slow, but enough to check and count kernels. */
  allowSoftware?: boolean;
  /** Dawn's own options, as `create([...])` takes them, e.g. `backend=vulkan` or `adapter=<name>`. */
  dawnOptions?: readonly string[];
  /** Directories to look for the optional packages from (default: this package's, then the working directory). */
  resolveFrom?: readonly string[];
  /** Register @makemore/backend's fused WGSL kernels (default true). */
  fused?: boolean;
}

/** What {@link useDawnWebGpu} activated. */
export interface DawnWebGpuChoice {
  backend: 'webgpu';
  adapter: WebGpuAdapterDescription;
  /** One line for a log, e.g. `WebGPU through Dawn on nvidia hopper`. */
  reason: string;
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

/** Dawn's GPU object: its instance lives as long as this reference does, so it is kept for the process. */
let dawnGpu: GPU | undefined;

/**
 * Where Vulkan could find a software driver on Debian-like systems without a GPU. Chromium ships SwiftShader
 * as a Vulkan driver; Mesa's lavapipe (mesa-vulkan-drivers) is the other, but Debian 12's (Mesa 22.3) lacks a
 * feature Dawn requires (shaderUniform*ArrayDynamicIndexing) and is refused.
 */
const SOFTWARE_VULKAN_HINT =
  'on a machine without a GPU, point Vulkan at a software driver, e.g. ' +
  "VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (Chromium's SwiftShader), and allow software adapters (makemore: --allow-software)";

/**
 * Makes tfjs's `webgpu` backend, on Dawn's adapter, the active backend of this Node process, with
 * @makemore/backend's WebGPU repairs and fused kernels.
 *
 * @example
 * ```ts
 * import { useDawnWebGpu } from '@makemore/backend/node';
 * const { reason } = await useDawnWebGpu({ allowSoftware: true });
 * ```
 * @throws {@link DawnUnavailableError} when a package is missing or broken, when Dawn finds no adapter, and
 *   when the adapter is a software one and `allowSoftware` is not set
 */
export async function useDawnWebGpu(options: DawnWebGpuOptions = {}): Promise<DawnWebGpuChoice> {
  const bases = options.resolveFrom ?? defaultResolutionBases();
  const dawn = loadOptionalPackage('webgpu', bases);
  if (dawn.state === 'absent') {
    throw new DawnUnavailableError(
      'not-installed',
      `WebGPU in Node needs the optional package webgpu (Dawn): npm install ${DAWN_PACKAGE} ${TFJS_WEBGPU_PACKAGE}`,
    );
  }
  if (dawn.state === 'broken') throw new DawnUnavailableError('broken', `webgpu is ${dawn.why}`);
  const { create, globals } = dawn.module as DawnModule;
  dawnGpu ??= create([...(options.dawnOptions ?? [])]);
  const gpu = dawnGpu;
  const adapter = await describeWebGpuAdapter(gpu);
  if (adapter === undefined) {
    throw new DawnUnavailableError(
      'no-adapter',
      `Dawn found no WebGPU adapter (no GPU driver with Vulkan, Metal or D3D12 was found); ${SOFTWARE_VULKAN_HINT}`,
    );
  }
  if (adapter.software && options.allowSoftware !== true) {
    throw new DawnUnavailableError(
      'software-adapter',
      `the only WebGPU adapter is ${adapter.label}, a software (CPU) one, slower than the wasm backend; ` +
        'allow software adapters to use it anyway, to check or count kernels (makemore: --allow-software)',
      adapter,
    );
  }
  Object.assign(globalThis, globals);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (!('gpu' in nav)) {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  }
  const tfjsWebGpu = loadOptionalPackage('@tensorflow/tfjs-backend-webgpu', bases);
  if (tfjsWebGpu.state === 'absent') {
    throw new DawnUnavailableError(
      'not-installed',
      `WebGPU in Node needs @tensorflow/tfjs-backend-webgpu next to webgpu: npm install ${TFJS_WEBGPU_PACKAGE}`,
    );
  }
  if (tfjsWebGpu.state === 'broken') {
    throw new DawnUnavailableError('broken', `@tensorflow/tfjs-backend-webgpu is ${tfjsWebGpu.why}`);
  }
  installWebGpuRepairs({ fused: options.fused !== false });
  await activate('webgpu');
  return {
    backend: 'webgpu',
    adapter,
    reason: `WebGPU through Dawn on ${adapter.label}${adapter.software ? ' (software, on the CPU)' : ''}`,
  };
}
