/**
 * @makemore/backend/node: backend selection for Node.
 *
 * Order: @tensorflow/tfjs-node-gpu (CUDA), @tensorflow/tfjs-node (libtensorflow on the CPU), the repaired
 * wasm backend, cpu. tfjs-node and tfjs-node-gpu are optional peer dependencies: their install scripts
 * download libtensorflow, which fails offline, so they are looked for at run time and a missing or broken
 * one costs one notice, never a crash.
 */
import { loadWasm } from './browser';
import './gradients';
import { type NodeBackendName, NODE_ORDER, checkPreference } from './names';
import { loadOptionalPackage, defaultResolutionBases } from './node/optional-package';
import { wasmBinaryDir } from './node/wasm-files';
import { enableRelaxedSimd } from './node/relaxed-simd';
import { registerThreadedWasm } from './node/wasm-threads';
import {
  activate,
  type BackendAttempt,
  type BackendChoice,
  type BaseBackendOptions,
  type Candidate,
  choose,
  isInitialised,
  warnNotice,
} from './select';

export * from './index';
export {
  DAWN_PACKAGE,
  type DawnUnavailableReason,
  DawnUnavailableError,
  type DawnWebGpuChoice,
  type DawnWebGpuOptions,
  TFJS_WEBGPU_PACKAGE,
  useDawnWebGpu,
} from './node/dawn';
export { loadOptionalPackage, type OptionalPackage } from './node/optional-package';
export { enableRelaxedSimd } from './node/relaxed-simd';
export { wasmBinaryDir, wasmPackageDir } from './node/wasm-files';
export { MAX_WASM_THREADS, registerThreadedWasm } from './node/wasm-threads';

/** Options for Node's {@link useBestBackend}. */
export interface NodeBackendOptions extends BaseBackendOptions {
  /** `auto` (default) or a backend to force: `tensorflow-gpu`, `tensorflow`, `wasm`, `cpu`. */
  prefer?: NodeBackendName | 'auto' | (string & {});
  /**
   * Directories to look for tfjs-node(-gpu) from, as if `require` were called in each.
   * Default: this package's directory, then `process.cwd()`.
   */
  resolveFrom?: string | readonly string[];
  /**
   * Let the wasm backend's matrix product use fused multiply-adds (WebAssembly relaxed SIMD). Default true.
   * On Node 20 this sets V8's `--experimental-wasm-relaxed-simd` for the process (see `enableRelaxedSimd`).
   */
  relaxedSimd?: boolean;
}

const NATIVE: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

function nativeCandidate(
  name: 'tensorflow-gpu' | 'tensorflow',
  bases: readonly string[],
  broken: Set<string>,
): Candidate {
  return {
    name,
    load: async () => {
      const found = loadOptionalPackage(NATIVE[name], bases);
      if (found.state === 'broken') broken.add(name);
      if (found.state !== 'loaded') throw new Error(found.why);
      await activate('tensorflow');
      return { detail: `${NATIVE[name]} (native TensorFlow)`, threads: 0 };
    },
  };
}

/**
 * Makes the fastest TensorFlow.js backend that loads in this Node process the active one.
 *
 * @example
 * ```ts
 * import { useBestBackend } from '@makemore/backend/node';
 * const { backend, reason, tried } = await useBestBackend({ prefer: 'auto' });
 * ```
 * @returns the backend chosen, why, and every attempt
 * @throws when `prefer` names a backend that cannot load, saying why and how to install it
 */
export async function useBestBackend(options: NodeBackendOptions = {}): Promise<BackendChoice> {
  const prefer = checkPreference(options.prefer, NODE_ORDER);
  const onNotice = options.onNotice ?? warnNotice;
  const bases =
    options.resolveFrom === undefined
      ? defaultResolutionBases()
      : typeof options.resolveFrom === 'string'
        ? [options.resolveFrom]
        : options.resolveFrom;
  const broken = new Set<string>();
  const candidates: Candidate[] = [
    nativeCandidate('tensorflow-gpu', bases, broken),
    nativeCandidate('tensorflow', bases, broken),
    { name: 'wasm', load: () => loadNodeWasm(options.threads ?? 1, options.relaxedSimd ?? true) },
    {
      name: 'cpu',
      load: async () => {
        await import('@tensorflow/tfjs-backend-cpu');
        await activate('cpu');
        return { detail: 'plain JavaScript', threads: 1 };
      },
    },
  ];
  return choose(candidates, prefer, onNotice, (tried) => nodeNotice(tried, broken));
}

/**
 * The repaired wasm backend with `threads` threads. More than one thread needs our own instantiation of
 * the threaded build (see node/wasm-threads.ts); that is done once, before wasm is first initialised.
 */
async function loadNodeWasm(
  threads: number,
  relaxedSimd: boolean,
): Promise<{ detail: string; threads: number }> {
  if (relaxedSimd) enableRelaxedSimd();
  if (threads > 1 && !isInitialised('wasm')) await registerThreadedWasm(threads);
  const loaded = await loadWasm({ wasmPaths: wasmBinaryDir(), threads });
  if (loaded.threads !== threads) {
    loaded.detail += ` (asked for ${threads}; the wasm backend was already initialised, so its thread count stays)`;
  }
  return loaded;
}

/** The one notice for an automatic choice, or undefined when nothing needs saying. */
function nodeNotice(tried: readonly BackendAttempt[], broken: ReadonlySet<string>): string | undefined {
  const chosen = tried[tried.length - 1];
  if (chosen === undefined) return undefined;
  const brokenOnes = tried.filter((t) => broken.has(t.name));
  if (chosen.name === 'tensorflow-gpu') return undefined;
  if (chosen.name === 'tensorflow') {
    if (brokenOnes.length === 0) return undefined;
    return `@tensorflow/tfjs-node-gpu is ${brokenOnes[0]!.why}; using @tensorflow/tfjs-node on the CPU.`;
  }
  if (brokenOnes.length > 0) {
    return (
      `${brokenOnes.map((t) => `${NATIVE[t.name as 'tensorflow']} is ${t.why}`).join('; ')}. ` +
      `Using the ${chosen.name} backend instead. Reinstall the package (npm rebuild ${NATIVE[brokenOnes[0]!.name as 'tensorflow']}) ` +
      'on a machine with internet access, or remove it to silence this notice.'
    );
  }
  return (
    `@tensorflow/tfjs-node is not installed, so training uses the ${chosen.name} backend ` +
    '(several times slower on large models). For native TensorFlow: npm install @tensorflow/tfjs-node@4.22.0 ' +
    '(needs internet access at install time).'
  );
}
