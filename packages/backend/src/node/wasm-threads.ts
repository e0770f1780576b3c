/**
 * Multi-threaded wasm in Node, without touching anything global that other code can see.
 *
 * Stock tfjs 4.22 never uses wasm threads in Node, for three reasons, each handled here:
 *   1. `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to false when `IS_NODE`. We leave the flag alone and
 *      instantiate the threaded-SIMD module ourselves, then hand it to the package's own `BackendWasm`.
 *   2. The pthread worker is created from a `blob:` URL, which Node's `Worker` rejects
 *      (ERR_WORKER_PATH). We write the worker source, which the package ships as a string, to a private
 *      temporary `.cjs` file and point Emscripten's `locateFile` at it; the worker then loads the glue
 *      from its real path in node_modules (`mainScriptUrlOrBlob`).
 *   3. The C++ side caps the pool at half of `emscripten_num_logical_cores()`, read once when the module
 *      starts; in Node that is `os.cpus().length`, so 2 cores give 1 thread. We instantiate the module
 *      ourselves (Emscripten's `instantiateWasm` hook) and give this one module an import that reports
 *      twice the requested thread count; nothing outside the module sees it.
 *   4. The Emscripten glue assigns `globalThis.Worker` and adds `uncaughtException` /
 *      `unhandledRejection` listeners that rethrow. We restore `globalThis.Worker` and remove the added
 *      listeners once the module is ready.
 * The result is registered as the `wasm` backend (replacing the stock factory), so kernels, repairs and
 * `tf.getBackend() === 'wasm'` all work unchanged.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type GemmHelpers, provideGemmHelpers } from '../wasm/gemm/gemm';
import { startGemmHelpers } from './gemm-threads';
import { wasmPackageDir } from './wasm-files';

type EmscriptenModule = {
  cwrap: (name: string, ret: string | null, args: string[]) => (...a: number[]) => number;
  asm?: { dispose?: () => void };
  PThread?: { runningWorkers?: { unref?: () => void }[]; unusedWorkers?: { unref?: () => void }[] };
  _dispose?: () => void;
  tfjs?: unknown;
};
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

/** The most threads the wasm build can use (it pre-creates 8 pthread workers). */
export const MAX_WASM_THREADS = 8;

let workerFile: string | undefined;

/** Writes the pthread worker source to a private temporary file once per process. */
function pthreadWorkerFile(dir: string): string {
  if (workerFile !== undefined) return workerFile;
  const req = createRequire(join(dir, 'package.json'));
  const { wasmWorkerContents } = req('./wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };
  const file = join(mkdtempSync(join(tmpdir(), 'makemore-wasm-')), 'tfjs-wasm-pthread.cjs');
  // The package stores the source in a template literal, which turned its "\n" escapes into newlines;
  // tfjs re-escapes them the same way before making its blob.
  writeFileSync(file, wasmWorkerContents.replace(/\n/g, '\\n'));
  workerFile = file;
  return file;
}

/**
 * True for the two listeners Emscripten's Node glue installs: one rethrows every uncaught exception
 * that is not its `ExitStatus`, the other rethrows every unhandled rejection.
 */
const isEmscriptenListener = (l: (...args: never[]) => unknown) => {
  const source = l.toString().replace(/\s+/g, '');
  return source.includes('instanceofExitStatus') || source === 'function(reason){throwreason}';
};

/** Runs `f` and then undoes the process-wide changes the Emscripten glue makes. */
async function withoutGlobalSideEffects<T>(f: () => Promise<T>): Promise<T> {
  const g = globalThis as { Worker?: unknown };
  const hadWorker = 'Worker' in g;
  const worker = g.Worker;
  const before = {
    exception: new Set(process.listeners('uncaughtException')),
    rejection: new Set(process.listeners('unhandledRejection')),
  };
  try {
    return await f();
  } finally {
    if (hadWorker) g.Worker = worker;
    else delete g.Worker;
    for (const l of process.listeners('uncaughtException')) {
      if (!before.exception.has(l) && isEmscriptenListener(l)) process.removeListener('uncaughtException', l);
    }
    for (const l of process.listeners('unhandledRejection')) {
      if (!before.rejection.has(l) && isEmscriptenListener(l))
        process.removeListener('unhandledRejection', l);
    }
  }
}

type Imports = Record<string, Record<string, unknown>>;
type Receive = (instance: WebAssembly.Instance, module: WebAssembly.Module) => void;

/** Instantiates the threaded-SIMD wasm module with a file-backed pthread worker and `threads` threads. */
async function instantiateThreaded(threads: number): Promise<EmscriptenModule> {
  const dir = wasmPackageDir();
  const req = createRequire(join(dir, 'package.json'));
  const gluePath = join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const factory = req(gluePath) as Factory;
  const worker = pthreadWorkerFile(dir);
  const wasmFile = join(dir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');
  let failed: (err: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    failed = reject;
  });
  const module = await withoutGlobalSideEffects(() =>
    Promise.race([
      failure,
      factory({
        locateFile: (path: string, prefix: string) => {
          if (path.endsWith('.worker.js')) return worker;
          if (path.endsWith('.wasm')) return wasmFile;
          return prefix + path;
        },
        mainScriptUrlOrBlob: gluePath,
        instantiateWasm: (info: Imports, receive: Receive) => {
          const env = { ...info.env, emscripten_num_logical_cores: () => 2 * threads };
          WebAssembly.instantiate(readFileSync(wasmFile), { ...info, env })
            .then(({ instance, module }) => receive(instance, module))
            .catch(failed);
          return {};
        },
      }),
    ]),
  );
  // The glue wraps `_dispose` so that disposing the backend also removes every process listener that
  // existed when the module was created (its filter is inverted), including the application's own.
  // Call the C++ dispose directly instead.
  const rawDispose = module.asm?.dispose;
  if (rawDispose !== undefined) module._dispose = rawDispose;
  // The same bridge tfjs-backend-wasm's own init builds.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Registers a `wasm` backend that computes with `threads` threads, replacing the stock single-threaded
 * factory. Call before the wasm backend is first used; the previous `wasm` instance, if any, is disposed.
 */
export async function registerThreadedWasm(threads: number): Promise<void> {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(`threads must be an integer from 1 to ${MAX_WASM_THREADS}, got ${threads}`);
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const module = await instantiateThreaded(threads);
  // Our gemm's helper threads, started by the first product; each holds the module's memory, so they are
  // stopped with the backend.
  const helpers: GemmHelpers[] = [];
  if (threads > 1) {
    provideGemmHelpers(module, (compiled, memory) => {
      const started = startGemmHelpers(compiled, memory, threads - 1);
      helpers.push(started);
      return started;
    });
  }
  if (tf.findBackendFactory('wasm') !== null) tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    () => {
      // BackendWasm reads the package-level thread count in its constructor; set it only around that.
      wasm.setThreadsCount(threads);
      try {
        const backend = new wasm.BackendWasm(module as never);
        // The thread pool's pthreads run for the life of the module, and Emscripten keeps a running
        // pthread's worker referenced, which would keep the process alive after the program is done.
        const pthreads = module.PThread;
        for (const w of [...(pthreads?.runningWorkers ?? []), ...(pthreads?.unusedWorkers ?? [])])
          w.unref?.();
        const dispose = backend.dispose.bind(backend);
        backend.dispose = () => {
          for (const h of helpers.splice(0)) h.dispose();
          dispose();
        };
        return backend;
      } finally {
        wasm.setThreadsCount(-1);
      }
    },
    2,
  );
}
