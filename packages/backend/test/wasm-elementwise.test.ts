/**
 * Our SIMD elementwise module (exp, tanh, erf): the committed binary matches its generator, the functions
 * meet their accuracy bounds on ~1M float32 bit patterns and on special values, and the repaired `Exp`,
 * `Tanh` and `Erf` kernels equal the cpu backend, differentiate like it, leak nothing and uninstall.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elementwiseBinarySource } from '../scripts/elementwise-binary';
import { erfReference } from '../scripts/erf-reference';
import { installWasmRepairs, uninstallWasmRepairs, useBestBackend, wasmRepairState } from '../src/node';
import type { WasmBackendInternals } from '../src/wasm/heap';
import { ELEMENTWISE_WASM_PLAIN, ELEMENTWISE_WASM_SHARED } from '../src/wasm/simd/elementwise-binary';
import {
  type ElementwiseExports,
  type ElementwiseOp,
  useWasmElementwise,
  wasmElementwise,
} from '../src/wasm/simd/elementwise';
import { expectClose, on, onStockWasm, randn } from './helpers';

beforeAll(async () => {
  const choice = await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
  expect(choice.backend).toBe('wasm');
  expect(wasmRepairState()).toMatchObject({ exp: true, erf: true, tanh: true });
});

afterAll(() => {
  useWasmElementwise(true);
});

/** The module instantiated on a memory of its own, with a float32 view of it. */
function standalone(shared: boolean): { fns: ElementwiseExports; heap: Float32Array } {
  const memory = shared
    ? new WebAssembly.Memory({ initial: 160, maximum: 160, shared: true })
    : new WebAssembly.Memory({ initial: 160 });
  const bytes = Uint8Array.from(atob(shared ? ELEMENTWISE_WASM_SHARED : ELEMENTWISE_WASM_PLAIN), (c) =>
    c.charCodeAt(0),
  );
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return { fns: instance.exports as unknown as ElementwiseExports, heap: new Float32Array(memory.buffer) };
}

/** Runs `op` on `x` in the module's memory: input at float 0, output right after it. */
function run(module: { fns: ElementwiseExports; heap: Float32Array }, op: ElementwiseOp, x: Float32Array) {
  module.heap.set(x, 0);
  module.fns[op](0, 4 * x.length, x.length);
  return module.heap.slice(x.length, 2 * x.length);
}

/** Every 4099th float32 bit pattern: ~1M inputs of both signs over every exponent, NaNs included. */
const sweep = () => {
  const bits = Uint32Array.from({ length: Math.ceil(2 ** 32 / 4099) }, (_, i) => i * 4099);
  return new Float32Array(bits.buffer);
};

const SPECIAL = [
  0,
  -0,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  1,
  -1,
  0.5,
  2 ** -12,
  -(2 ** -13),
  2 ** -126,
  1e-40,
  -1e-45,
  3.4e38,
  -3.4e38,
  88.72283,
  88.7229,
  -86.9,
  -87.5,
  -104,
  9.02,
  -9.1,
  3.92,
  4,
  -5,
];

/** Float32 values of the same sign differ by 1 as integers per ulp. */
function ulps(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Number.POSITIVE_INFINITY;
  if (Object.is(got, want)) return 0;
  if (Math.sign(got) !== Math.sign(want) && got !== 0 && want !== 0) return Number.POSITIVE_INFINITY;
  const pair = new Float32Array([got, want]);
  const [g, w] = new Int32Array(pair.buffer);
  return Math.abs(g! - w!);
}

/** The largest error of `got` against the double-precision `reference`, in ulps and absolute. */
function worst(x: Float32Array, got: Float32Array, reference: (x: number) => number) {
  let ulp = { value: 0, at: 0 };
  let abs = { value: 0, at: 0 };
  for (let i = 0; i < x.length; i++) {
    const exact = reference(x[i]!);
    const u = ulps(got[i]!, Math.fround(exact));
    if (u > ulp.value) ulp = { value: u, at: i };
    const a = Number.isNaN(exact) ? 0 : Math.abs(got[i]! - exact);
    if (a > abs.value && Number.isFinite(exact)) abs = { value: a, at: i };
  }
  const show = (i: number) => `f(${x[i]}) = ${got[i]}, want ${Math.fround(reference(x[i]!))}`;
  return { ulps: ulp.value, abs: abs.value, worstUlp: show(ulp.at), worstAbs: show(abs.at) };
}

/** exp as the kernel defines it: results below 2^-125.5 (x < −86.99) flush to 0. */
const FLUSH_BELOW = 2 ** -125.5;

describe('the elementwise module', () => {
  it('is what scripts/elementwise-wat.ts generates (run `pnpm build:wasm` after editing it)', async () => {
    const committed = readFileSync(
      fileURLToPath(new URL('../src/wasm/simd/elementwise-binary.ts', import.meta.url)),
      'utf8',
    );
    expect(committed).toBe(await elementwiseBinarySource());
  });

  it('computes exp within 1 ulp, overflowing to Infinity and flushing below 2^-125.5 to 0', () => {
    const module = standalone(false);
    const x = Float32Array.from([...sweep(), ...SPECIAL]);
    const got = run(module, 'exp', x);
    const want = x.map(Math.exp);
    const flushed = x.map((v, i) => (Math.exp(v) < FLUSH_BELOW ? i : -1)).filter((i) => i >= 0);
    expect(flushed.every((i) => got[i] === 0)).toBe(true);
    for (const i of flushed) got[i] = want[i]!;
    const error = worst(x, got, Math.exp);
    expect(error.ulps, error.worstUlp).toBeLessThanOrEqual(1);
    const special = run(module, 'exp', Float32Array.from([Infinity, -Infinity, Number.NaN, 88.7229, -0]));
    expect(Array.from(special)).toEqual([Infinity, 0, Number.NaN, Infinity, 1]);
    expect(run(module, 'exp', Float32Array.of(88.72283))[0]).toBe(
      Math.fround(Math.exp(Math.fround(88.72283))),
    );
  });

  it('computes tanh within 2 ulp, keeping the sign of zero', () => {
    const module = standalone(false);
    const x = Float32Array.from([...sweep(), ...SPECIAL]);
    const error = worst(x, run(module, 'tanh', x), Math.tanh);
    expect(error.ulps, error.worstUlp).toBeLessThanOrEqual(2);
    const special = run(module, 'tanh', Float32Array.from([0, -0, Infinity, -Infinity, Number.NaN, 1e-45]));
    expect(Array.from(special)).toEqual([0, -0, 1, -1, Number.NaN, Math.fround(1e-45)]);
  });

  it('computes erf within 1 ulp and 6e-8 of a double-precision reference, odd, ±1 at ±Infinity', () => {
    const module = standalone(false);
    const x = Float32Array.from([...sweep(), ...SPECIAL]);
    const got = run(module, 'erf', x);
    const error = worst(x, got, erfReference);
    expect(error.ulps, error.worstUlp).toBeLessThanOrEqual(1);
    expect(error.abs, error.worstAbs).toBeLessThanOrEqual(6e-8);
    const negated = run(
      module,
      'erf',
      x.map((v) => -v),
    );
    expect(negated.every((v, i) => Object.is(v, -got[i]!) || Number.isNaN(v))).toBe(true);
    const special = run(module, 'erf', Float32Array.from([0, -0, Infinity, -Infinity, Number.NaN]));
    expect(Array.from(special)).toEqual([0, -0, 1, -1, Number.NaN]);
  });

  it('checks its double-precision erf reference against published values', () => {
    // Abramowitz & Stegun, Table 7.1, and erfc(3) = 2.209049699858544e-5.
    expect(erfReference(0.5)).toBeCloseTo(0.520499877813047, 14);
    expect(erfReference(1)).toBeCloseTo(0.842700792949715, 14);
    expect(erfReference(2)).toBeCloseTo(0.995322265018953, 14);
    expect(1 - erfReference(3)).toBeCloseTo(2.209049699858544e-5, 14);
    expect(erfReference(-1)).toBe(-erfReference(1));
  });

  it('handles every count (the 1–3 float tail, one vector, two), in place, touching nothing past the end', () => {
    for (const shared of [false, true]) {
      const module = standalone(shared);
      const rng = new Rng(31);
      for (const op of ['exp', 'tanh', 'erf'] as const) {
        for (let count = 0; count <= 19; count++) {
          const x = Float32Array.from({ length: count }, () => rng.normal() * 3);
          // The same inputs padded to whole pairs of vectors, so every one goes through the main loop.
          const padded = new Float32Array(((count + 7) & ~7) + 8);
          padded.set(x);
          const want = run(module, op, padded).slice(0, count);
          // Out of place, with sentinels after the output.
          module.heap.fill(7, 0, 64);
          module.heap.set(x, 0);
          module.fns[op](0, 4 * 24, count);
          expect(module.heap.slice(24, 24 + count), `${op} ${count}`).toEqual(want);
          expect(Array.from(module.heap.slice(24 + count, 48)), `${op} ${count}`).toEqual(
            new Array(24 - count).fill(7),
          );
          // In place.
          module.heap.set(x, 0);
          module.fns[op](0, 0, count);
          expect(module.heap.slice(0, count), `${op} ${count} in place`).toEqual(want);
          expect(module.heap[count]).toBe(7);
        }
      }
    }
  });
});

const KERNELS = [
  { name: 'Exp', f: tf.exp, cpuTolerance: [1e-37, 2 ** -22] },
  { name: 'Tanh', f: tf.tanh, cpuTolerance: [0, 2 ** -21] },
  // The cpu backend's erf is Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7).
  { name: 'Erf', f: tf.erf, cpuTolerance: [2e-7, 0] },
] as const;

describe('Exp, Tanh and Erf on wasm', () => {
  it('run on the SIMD module of the wasm backend', async () => {
    await tf.setBackend('wasm');
    expect(wasmElementwise(tf.backend() as unknown as WasmBackendInternals)).not.toBeNull();
  });

  for (const { name, f, cpuTolerance } of KERNELS) {
    it(`${name} equals the cpu backend on tensors of odd sizes and on special values`, async () => {
      const rng = new Rng(41);
      for (const size of [1, 3, 5, 17, 1001]) {
        const x = tf.mul(randn(rng, [size]), 4);
        const g = () => f(x);
        expectClose(await on('wasm', g), await on('cpu', g), ...cpuTolerance);
        x.dispose();
      }
      const special = tf.tensor1d(SPECIAL, 'float32');
      const got = await on('wasm', () => f(special));
      const want = await on('cpu', () => f(special));
      expectClose(got, want, ...cpuTolerance);
      // NaN and the sign of zero, which a tolerance cannot see.
      got.values.forEach((v, i) => {
        if (Number.isNaN(want.values[i]!) || want.values[i] === 0)
          expect(v, `${SPECIAL[i]}`).toBe(want.values[i]);
      });
    });

    it(`${name} keeps the shape, handles empty tensors and leaves int32 input to the stock kernel`, async () => {
      const x = randn(new Rng(42), [2, 3, 7]);
      expect((await on('wasm', () => f(x))).shape).toEqual([2, 3, 7]);
      expect(await on('wasm', () => f(tf.zeros([0, 3])))).toEqual({ shape: [0, 3], values: [] });
      // tf.erf casts int32 to float32 before the kernel; the stock kernel's own int32 output is not even
      // repeatable (it differs from call to call), so there is nothing to compare.
      if (name === 'Erf') return;
      const ints = tf.tensor1d([-3, 0, 2], 'int32');
      const g = () => tf.engine().runKernel(name, { x: ints }) as tf.Tensor;
      expect(await on('wasm', g)).toEqual(await onStockWasm(g));
    });

    it(`${name} has the cpu backend gradient`, async () => {
      const rng = new Rng(43);
      const x = tf.mul(randn(rng, [8, 31]), 2);
      const w = randn(rng, [8, 31]);
      const grad = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), w)))(x);
      expectClose(await on('wasm', grad), await on('cpu', grad), 1e-6, 1e-5);
    });
  }

  it('fall back without the SIMD module: tanh to JavaScript, exp and erf to the stock kernels', async () => {
    const x = tf.mul(randn(new Rng(44), [5, 41]), 3);
    try {
      useWasmElementwise(false);
      await tf.setBackend('wasm');
      expect(wasmElementwise(tf.backend() as unknown as WasmBackendInternals)).toBeNull();
      for (const { name, f, cpuTolerance } of KERNELS) {
        const g = () => f(x);
        const got = await on('wasm', g);
        expectClose(got, await on('cpu', g), ...cpuTolerance);
        if (name !== 'Tanh') expect(got).toEqual(await onStockWasm(g));
      }
    } finally {
      useWasmElementwise(true);
    }
  });

  it('leak no tensors and restore the stock kernels on uninstall', async () => {
    await tf.setBackend('wasm');
    const x = randn(new Rng(45), [32, 200]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        for (const { f } of KERNELS) f(x);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    const repaired: { shape: number[]; values: number[] }[] = [];
    for (const { f } of KERNELS) repaired.push(await on('wasm', () => f(x)));
    uninstallWasmRepairs();
    expect(wasmRepairState()).toMatchObject({ exp: false, erf: false, tanh: false });
    const stock: { shape: number[]; values: number[] }[] = [];
    for (const { f } of KERNELS) stock.push(await on('wasm', () => f(x)));
    installWasmRepairs();
    expect(wasmRepairState()).toMatchObject({ exp: true, erf: true, tanh: true });
    KERNELS.forEach(({ cpuTolerance }, i) => {
      expectClose(repaired[i]!, stock[i]!, ...cpuTolerance);
    });
  });
});
