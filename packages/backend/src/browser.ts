/**
 * Backend selection in the browser: WebGPU, then WebGL, then the repaired wasm, then cpu.
 * Each backend package is imported only when it is tried, so a page that gets WebGPU never downloads
 * the wasm glue. wasm threads need cross-origin isolation (COOP `same-origin` + COEP `require-corp`).
 */
import * as tf from '@tensorflow/tfjs-core';
import './gradients';
import { BROWSER_ORDER, type BrowserBackendName, checkPreference } from './names';
import {
  activate,
  type BackendChoice,
  type BaseBackendOptions,
  type Candidate,
  choose,
  isInitialised,
  warnNotice,
} from './select';
import { installWasmRepairs } from './wasm/repairs';
import { installWebGpuRepairs } from './webgpu/add-n';
import { describeWebGpuAdapter } from './webgpu/adapter';
import { hasRelaxedSimd } from './wasm/simd/relaxed';

/** Options for the browser's {@link useBestBackend}. */
export interface BrowserBackendOptions extends BaseBackendOptions {
  /** `auto` (default) or a backend to force: `webgpu`, `webgl`, `wasm`, `cpu`. */
  prefer?: BrowserBackendName | 'auto' | (string & {});
  /**
   * Where the wasm binaries are served: a URL prefix ending in `/`, or a map from each file name
   * (`tfjs-backend-wasm.wasm`, `-simd.wasm`, `-threaded-simd.wasm`) to its URL. Default: next to the script.
   */
  wasmPaths?: string | Record<string, string>;
}

/** Loads the repaired wasm backend; shared with the Node entry's fallback path. */
export async function loadWasm(options: {
  threads?: number;
  wasmPaths?: string | Record<string, string>;
}): Promise<{ detail: string; threads: number }> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!isInitialised('wasm')) {
    if (options.wasmPaths !== undefined) {
      wasm.setWasmPaths(options.wasmPaths as Parameters<typeof wasm.setWasmPaths>[0]);
    }
    if (options.threads !== undefined) wasm.setThreadsCount(options.threads);
  }
  installWasmRepairs();
  await activate('wasm');
  const threads = wasm.getThreadsCount();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const instructions = simd ? (hasRelaxedSimd() ? 'SIMD with FMA' : 'SIMD') : 'no SIMD';
  return {
    detail: `repaired wasm, ${instructions}, ${threads} thread${threads === 1 ? '' : 's'}`,
    threads,
  };
}

/** Renderers that draw WebGL on the CPU (SwiftShader, Mesa's llvmpipe, Windows' Basic Render Driver). */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;

/** The WebGL renderer's name, or undefined when no context can be made or the browser hides it. */
function webglRenderer(): string | undefined {
  const canvas =
    typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (gl === null) return undefined;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  // Browsers that drop the debug extension report the real renderer under RENDERER instead.
  const name = String(gl.getParameter(info === null ? gl.RENDERER : info.UNMASKED_RENDERER_WEBGL));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return name;
}

function browserCandidates(options: BrowserBackendOptions, prefer: string): Candidate[] {
  return [
    {
      name: 'webgpu',
      load: async () => {
        const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
        if (nav?.gpu === undefined) throw new Error('navigator.gpu is missing: this browser has no WebGPU');
        const adapter = await describeWebGpuAdapter(nav.gpu);
        if (adapter === undefined) throw new Error('the browser has WebGPU but no adapter');
        // A software adapter (SwiftShader, lavapipe) trains slower than wasm: skip it unless asked for.
        if (adapter.software && prefer !== 'webgpu') {
          throw new Error(`WebGPU runs in software here (${adapter.label}), slower than wasm for training`);
        }
        await import('@tensorflow/tfjs-backend-webgpu');
        installWebGpuRepairs();
        await activate('webgpu');
        return { detail: `WebGPU on ${adapter.label}${adapter.software ? ', software' : ''}`, threads: 0 };
      },
    },
    {
      name: 'webgl',
      load: async () => {
        if (typeof document === 'undefined' && typeof OffscreenCanvas === 'undefined') {
          throw new Error('no canvas to create a WebGL context on');
        }
        // Without a GPU (a VM, headless Chrome with --disable-gpu) WebGL falls back to a CPU rasteriser,
        // which trains these models several times slower than wasm. Skip it unless it was asked for.
        const renderer = prefer === 'webgl' ? undefined : webglRenderer();
        if (renderer !== undefined && SOFTWARE_RENDERER.test(renderer)) {
          throw new Error(`WebGL renders in software here (${renderer}), slower than wasm for training`);
        }
        await import('@tensorflow/tfjs-backend-webgl');
        await activate('webgl');
        return { detail: `WebGL ${tf.env().getNumber('WEBGL_VERSION')}`, threads: 0 };
      },
    },
    { name: 'wasm', load: () => loadWasm(options) },
    {
      name: 'cpu',
      load: async () => {
        await import('@tensorflow/tfjs-backend-cpu');
        await activate('cpu');
        return { detail: 'plain JavaScript', threads: 1 };
      },
    },
  ];
}

/**
 * Makes the fastest TensorFlow.js backend that loads in this browser the active one.
 *
 * @example
 * ```ts
 * const { backend, reason } = await useBestBackend();
 * console.log(backend, reason); // "webgl", "webgl is the fastest backend that loaded (WebGL 2); webgpu: ..."
 * ```
 * @throws when `prefer` names a backend that cannot load, saying why and how to get it
 */
export async function useBestBackend(options: BrowserBackendOptions = {}): Promise<BackendChoice> {
  const prefer = checkPreference(options.prefer, BROWSER_ORDER);
  const onNotice = options.onNotice ?? warnNotice;
  return choose(browserCandidates(options, prefer), prefer, onNotice, (tried) => {
    const failed = tried.filter((t) => !t.ok && (t.name === 'webgpu' || t.name === 'webgl'));
    const chosen = tried[tried.length - 1];
    if (chosen === undefined || failed.length < 2) return undefined;
    return `No GPU backend loaded (${failed.map((t) => `${t.name}: ${t.why}`).join('; ')}); using ${chosen.name}.`;
  });
}
