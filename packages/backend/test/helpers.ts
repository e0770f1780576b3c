/** Test helpers: seeded random tensors and a comparison that reports the worst element. */
import type { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { installWasmRepairs, uninstallWasmRepairs } from '../src/wasm/repairs';

/** A float32 tensor of standard normals from `rng`. */
export function randn(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.normal();
  return tf.tensor(values, shape, 'float32');
}

/** Runs `f` on `backend`, reading the result back as plain numbers. */
export async function on(
  backend: string,
  f: () => tf.Tensor,
): Promise<{ shape: number[]; values: number[] }> {
  await tf.setBackend(backend);
  const out = f();
  const result = { shape: out.shape, values: Array.from(await out.data()) };
  out.dispose();
  return result;
}

/** Runs `f` on wasm with the stock kernels, then puts the repairs back. */
export async function onStockWasm(f: () => tf.Tensor): Promise<{ shape: number[]; values: number[] }> {
  uninstallWasmRepairs();
  try {
    return await on('wasm', f);
  } finally {
    installWasmRepairs();
  }
}

/** Asserts equal shapes and values within `atol + rtol·|expected|` per element. */
export function expectClose(
  actual: { shape: number[]; values: number[] },
  expected: { shape: number[]; values: number[] },
  atol = 1e-4,
  rtol = 1e-4,
): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.values.length).toBe(expected.values.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.values.length; i++) {
    const e = expected.values[i]!;
    const excess = Math.abs(actual.values[i]! - e) - (atol + rtol * Math.abs(e));
    if (excess > worst) {
      worst = excess;
      at = i;
    }
  }
  expect(at, `element ${at}: ${actual.values[at]} vs ${expected.values[at]}`).toBe(-1);
}
