/**
 * Where the installed @tensorflow/tfjs-backend-wasm keeps its `.wasm` binaries, so Node loads them from
 * disk (offline) instead of from wherever the bundled glue guesses.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

/** The package's root directory. */
export function wasmPackageDir(): string {
  const req = createRequire(import.meta.url);
  return dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/** The directory holding `tfjs-backend-wasm*.wasm`, ending in a path separator (tfjs appends file names). */
export function wasmBinaryDir(): string {
  return join(wasmPackageDir(), 'dist') + sep;
}
