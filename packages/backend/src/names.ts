/**
 * The backend names this package speaks, and what to tell a user who asks for one that cannot load.
 *
 * Our names differ from TensorFlow.js's own in one place: tfjs-node and tfjs-node-gpu both register a
 * backend called `tensorflow`, so we call them `tensorflow` and `tensorflow-gpu` to say which package
 * is meant.
 */

/** A backend `useBestBackend` can pick in Node. */
export type NodeBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** A backend `useBestBackend` can pick in the browser. */
export type BrowserBackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** Any backend name this package knows. */
export type BackendName = NodeBackendName | BrowserBackendName;

/** What `prefer` accepts: a backend name, or `auto` for the fastest one that loads. */
export type BackendPreference = BackendName | 'auto';

/** Node's order, fastest first. */
export const NODE_ORDER: readonly NodeBackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** The browser's order, fastest first. */
export const BROWSER_ORDER: readonly BrowserBackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** The TensorFlow.js backend name that each of our names registers. */
export const TFJS_NAME: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  webgpu: 'webgpu',
  webgl: 'webgl',
  wasm: 'wasm',
  cpu: 'cpu',
};

/** How a user makes each backend available. */
export const INSTALL_HINT: Record<BackendName, string> = {
  'tensorflow-gpu':
    'install it with `npm install @tensorflow/tfjs-node-gpu@4.22.0` (needs Linux x64, CUDA 11.2 and cuDNN 8.1, ' +
    'and internet access at install time: its install script downloads libtensorflow)',
  tensorflow:
    'install it with `npm install @tensorflow/tfjs-node@4.22.0` (its install script downloads libtensorflow, ' +
    'so it needs internet access at install time)',
  wasm: 'it ships with @makemore/backend; reinstall @tensorflow/tfjs-backend-wasm@4.22.0 if its files are missing',
  cpu: 'it ships with @makemore/backend; reinstall @tensorflow/tfjs-backend-cpu@4.22.0',
  webgpu:
    'install `@tensorflow/tfjs-backend-webgpu@4.22.0` next to @makemore/backend (an optional peer) and use a ' +
    'browser with WebGPU enabled (Chrome 113+ or Edge 113+)',
  webgl:
    'install `@tensorflow/tfjs-backend-webgl@4.22.0` next to @makemore/backend (an optional peer) and use a ' +
    'browser with WebGL 2 or WebGL 1 enabled and a working GPU driver',
};

/** Checks a `prefer` value against the names allowed here and says which are allowed when it is wrong. */
export function checkPreference<N extends BackendName>(
  prefer: string | undefined,
  allowed: readonly N[],
): N | 'auto' {
  if (prefer === undefined || prefer === 'auto') return 'auto';
  if ((allowed as readonly string[]).includes(prefer)) return prefer as N;
  throw new Error(
    `Unknown backend '${prefer}'. Choose one of: auto, ${allowed.join(', ')}` +
      (prefer === 'webgl' || prefer === 'webgpu' ? ` (${prefer} exists only in the browser)` : ''),
  );
}
