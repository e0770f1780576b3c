/**
 * A faster `Tanh` for the wasm backend.
 *
 * The stock 4.22 kernel calls the C library's scalar `tanh` per element, ~20 ns each on one core of our
 * benchmark machine, so the lecture MLP's [32, 200] hidden layer alone costs ~120 µs a step. Float32 tensors go to our SIMD
 * module (src/wasm/simd/elementwise.ts; tanh through expm1, at most 2 ulp off `Math.tanh` rounded to
 * float32). In an engine without WebAssembly SIMD they go to `tanhInto` below, in JavaScript straight on
 * the wasm heap (~9 ns per element; `Math.tanh` and `Math.expm1` are no better than the stock kernel, at
 * ~30 and ~20 ns, as V8 calls out to its own libm):
 *
 *   tanh(x) = (1 - e) / (1 + e),   e = exp(-2x) = 2^(j/32) · exp(r),   |r| ≤ ln2/64,
 *
 * with 2^(j/32) read from a table and exp(r) a degree-5 Taylor polynomial (relative error < 3e-15), all in
 * double precision and rounded once to float32 on the store. Near 0, where 1 - e cancels, the result is x
 * itself below 2^-12; at and beyond |x| = 10 it is ±1 (float32 tanh rounds to 1 from x ≈ 9.02 on).
 * Checked against `Math.fround(Math.tanh(x))` on every one of the 2^32 float32 inputs: all equal except 48,
 * each one ulp off; ±0, ±Infinity and NaN come out as from `Math.tanh`.
 */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { simdUnaryWasmConfig } from './simd/elementwise';

/** Table entries per doubling of exp: 32 keeps |r| ≤ ln2/64, where 5 Taylor terms are exact enough. */
const STEPS = 32;
/** From here on tanh is ±1 in float32; below it, exp(-2x) stays inside the table. */
const LIMIT = 10;
/** Below this, tanh(x) = x(1 - x²/3 + …) rounds to x in float32: x²/3 is under half an ulp. */
const TINY = 2 ** -12;
const PER_LN2 = STEPS / Math.LN2;
const STEP = Math.LN2 / STEPS;
/** Table index of 2^0: the table covers exp(z) for |z| ≤ 2·LIMIT. */
const BIAS = Math.ceil(2 * LIMIT * PER_LN2);
/** POW[j] = 2^((j - BIAS) / STEPS). */
const POW = Float64Array.from({ length: 2 * BIAS + 1 }, (_, j) => 2 ** ((j - BIAS) / STEPS));

/** Writes tanh of every element of `x` into `y` (same length; `y` may be `x`). */
export function tanhInto(x: Float32Array, y: Float32Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    const a = Math.abs(v);
    if (a < LIMIT && a >= TINY) {
      const z = -2 * v;
      // Adding BIAS + 0.5 makes the index positive, so `| 0` (truncation) rounds to nearest.
      const j = (z * PER_LN2 + (BIAS + 0.5)) | 0;
      const r = z - (j - BIAS) * STEP;
      const r2 = r * r;
      const expR = 1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120)));
      const e = (POW[j] as number) * expR;
      y[i] = (1 - e) / (1 + e);
    } else {
      // ±1 beyond the limit; x itself when tiny, ±0 or NaN.
      y[i] = a >= LIMIT ? (v > 0 ? 1 : -1) : v;
    }
  }
}

/**
 * The repaired kernel config, wrapping `stock` (the registered wasm Tanh config, kept for other dtypes):
 * float32 on the SIMD module, or `tanhInto` without it.
 */
export const fastTanhWasmConfig = (stock: KernelConfig): KernelConfig =>
  simdUnaryWasmConfig('tanh', stock, tanhInto);
