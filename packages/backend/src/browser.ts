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
  return {
    detail: `repaired wasm, ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`,
    threads,
  };
}

function browserCandidates(options: BrowserBackendOptions): Candidate[] {
  return [
    {
      name: 'webgpu',
      load: async () => {
        const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
        if (nav?.gpu === undefined) throw new Error('navigator.gpu is missing: this browser has no WebGPU');
        await import('@tensorflow/tfjs-backend-webgpu');
        await activate('webgpu');
        return { detail: 'WebGPU', threads: 0 };
      },
    },
    {
      name: 'webgl',
      load: async () => {
        if (typeof document === 'undefined' && typeof OffscreenCanvas === 'undefined') {
          throw new Error('no canvas to create a WebGL context on');
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
  return choose(browserCandidates(options), prefer, onNotice, (tried) => {
    const failed = tried.filter((t) => !t.ok && (t.name === 'webgpu' || t.name === 'webgl'));
    const chosen = tried[tried.length - 1];
    if (chosen === undefined || failed.length < 2) return undefined;
    return `No GPU backend loaded (${failed.map((t) => `${t.name}: ${t.why}`).join('; ')}); using ${chosen.name}.`;
  });
}
