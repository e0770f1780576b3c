/**
 * Turns on WebAssembly relaxed SIMD in Node 20, where V8 11.3 still keeps it behind
 * `--experimental-wasm-relaxed-simd` (Node 22 and today's browsers ship it). Our gemm's fused
 * multiply-add variant needs it: 1.2–1.4× the matrix-product rate of mul + add on the CPUs we measured.
 *
 * The flag is set with `v8.setFlagsFromString` before our modules compile. It is process-wide, but it only
 * lets V8 accept relaxed-SIMD instructions: modules that do not use them compile and run as before.
 */
import { setFlagsFromString } from 'node:v8';
import { hasRelaxedSimd } from '../wasm/simd/relaxed';

/** Makes relaxed SIMD available if this Node can have it; returns whether it is available now. */
export function enableRelaxedSimd(): boolean {
  if (hasRelaxedSimd()) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // A runtime that implements node:v8 only in part (Bun, Deno): keep the mul + add gemm.
  }
  return hasRelaxedSimd();
}
