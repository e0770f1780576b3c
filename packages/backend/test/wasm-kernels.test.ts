/**
 * The faster wasm kernels that replace slow stock ones (`Tanh`, `GatherV2`, `Sum`): equal to the cpu backend,
 * differentiable through tfjs's gradients, leak-free, and removable by `uninstallWasmRepairs`.
 */
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The batchDims gradient of gather calls chained ops (`x.split`), which tfjs-core alone does not register.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { installWasmRepairs, uninstallWasmRepairs, useBestBackend, wasmRepairState } from '../src/node';
import { COPY_WITHIN_WORDS } from '../src/wasm/gather';
import { useWasmElementwise } from '../src/wasm/simd/elementwise';
import { leadingAxes } from '../src/wasm/sum';
import { tanhInto } from '../src/wasm/tanh';
import { expectClose, on, onStockWasm, randn } from './helpers';

beforeAll(async () => {
  const choice = await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
  expect(choice.backend).toBe('wasm');
  expect(wasmRepairState()).toMatchObject({ tanh: true, gather: true });
});

describe('Tanh on wasm', () => {
  it('without SIMD (tanhInto) is within one ulp of Math.tanh on a sweep through every float32 exponent', () => {
    // Every 4099th bit pattern: ~1M inputs of both signs spread over all magnitudes, NaNs included.
    const bits = Uint32Array.from({ length: Math.ceil(2 ** 32 / 4099) }, (_, i) => i * 4099);
    const x = new Float32Array(bits.buffer);
    const got = new Float32Array(x.length);
    const want = x.map(Math.tanh);
    tanhInto(x, got);
    // Adjacent floats of one sign differ by 1 as integers, so the difference of the bits counts ulps.
    const gotBits = new Int32Array(got.buffer);
    const wantBits = new Int32Array(want.buffer);
    let off = 0;
    let worst = 0;
    let at = 0;
    for (let i = 0; i < x.length; i++) {
      const nan = Number.isNaN(want[i]);
      // NaN in, NaN out (any payload).
      const ulps = nan ? (Number.isNaN(got[i]) ? 0 : 2 ** 32) : Math.abs(gotBits[i]! - wantBits[i]!);
      off += ulps;
      if (ulps > worst) [worst, at] = [ulps, i];
    }
    expect(worst, `tanh(${x[at]}) = ${got[at]}, want ${want[at]}`).toBeLessThanOrEqual(1);
    expect(off).toBeLessThan(10); // one ulp off is rare (48 of all 2^32 inputs)
  });

  it('equals the cpu backend on random inputs of every magnitude and on special values', async () => {
    const rng = new Rng(11);
    const random = Array.from({ length: 2000 }, () => rng.normal() * 10 ** (rng.int(9) - 5));
    const special = [0, -0, Infinity, -Infinity, Number.NaN, 9, 9.02, -10, 10, 2 ** -12, -(2 ** -13), 1e-40];
    const x = tf.tensor1d([...random, ...special], 'float32');
    const f = () => tf.tanh(x);
    const got = await on('wasm', f);
    const want = await on('cpu', f);
    // The SIMD kernel is within 2 ulp of Math.tanh (test/wasm-elementwise.test.ts).
    expectClose(got, want, 0, 2 ** -21);
    // NaN, ±Infinity and the sign of zero (the first five special values), which a tolerance cannot see.
    const exact = [random.length, random.length + 5];
    expect(got.values.slice(...exact)).toEqual(want.values.slice(...exact));
  });

  it('has the cpu backend gradient', async () => {
    const rng = new Rng(12);
    const x = tf.mul(randn(rng, [8, 30]), 3);
    const w = randn(rng, [8, 30]);
    const f = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tanh(t), w)))(x);
    expectClose(await on('wasm', f), await on('cpu', f), 1e-6, 1e-5);
  });

  it('handles empty tensors and leaves int32 input to the stock kernel', async () => {
    expect(await on('wasm', () => tf.tanh(tf.zeros([0, 3])))).toEqual({ shape: [0, 3], values: [] });
    const ints = tf.tensor1d([-3, 0, 2], 'int32');
    const f = () => tf.engine().runKernel('Tanh', { x: ints }) as tf.Tensor;
    expect(await on('wasm', f)).toEqual(await onStockWasm(f));
  });

  it('leaks no tensors and restores the stock kernel on uninstall', async () => {
    await tf.setBackend('wasm');
    const x = randn(new Rng(13), [32, 200]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        tf.tanh(x);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    const repaired = await on('wasm', () => tf.tanh(x));
    uninstallWasmRepairs();
    expect(wasmRepairState().tanh).toBe(false);
    const stock = await on('wasm', () => tf.tanh(x));
    installWasmRepairs();
    expect(wasmRepairState().tanh).toBe(true);
    expectClose(repaired, stock, 0, 2 ** -21);
  });
});

/** A random tensor of `shape` and `dtype` (normals, or ints in [-50, 50)). */
function randomOf(rng: Rng, shape: number[], dtype: 'float32' | 'int32'): tf.Tensor {
  if (dtype === 'float32') return randn(rng, shape);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: n }, () => rng.int(100) - 50),
    shape,
    'int32',
  );
}

/** Random indices into an axis of `size`, of the given shape. */
function indicesOf(rng: Rng, shape: number[], size: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: n }, () => rng.int(size)),
    shape,
    'int32',
  );
}

/** A random shape of the given rank, each dimension in [1, 4]. */
const shapeOf = (rng: Rng, rank: number) => Array.from({ length: rank }, () => 1 + rng.int(4));

describe('GatherV2 on wasm', () => {
  it('equals the cpu backend for every axis, batchDims 0 and 1, float32 and int32', async () => {
    const rng = new Rng(21);
    for (const dtype of ['float32', 'int32'] as const) {
      for (let rank = 1; rank <= 4; rank++) {
        for (let axis = 0; axis < rank; axis++) {
          for (const batchDims of axis === 0 ? [0] : [0, 1]) {
            const shape = shapeOf(rng, rank);
            const x = randomOf(rng, shape, dtype);
            const idShape = batchDims === 1 ? [shape[0]!, 1 + rng.int(3)] : shapeOf(rng, rng.int(3));
            const ids = indicesOf(rng, idShape, shape[axis]!);
            for (const a of [axis, axis - rank]) {
              const f = () => tf.gather(x, ids, a, batchDims);
              expect(await on('wasm', f), `${shape} ${idShape} axis ${a} batchDims ${batchDims}`).toEqual(
                await on('cpu', f),
              );
            }
          }
        }
      }
    }
  });

  it('equals the cpu backend with rows copied as blocks, empty tensors and bool data', async () => {
    const rng = new Rng(22);
    const wide = randn(rng, [27, COPY_WITHIN_WORDS + 3]);
    const rows = indicesOf(rng, [32, 3], 27);
    const middle = indicesOf(rng, [5], 9);
    const cases: (() => tf.Tensor)[] = [
      () => tf.gather(wide, rows),
      () => tf.gather(tf.reshape(wide, [3, 9, COPY_WITHIN_WORDS + 3]), middle, 1),
      () => tf.gather(wide, tf.tensor1d([], 'int32')),
      () => tf.gather(tf.zeros([4, 0]), tf.tensor1d([3, 1], 'int32')),
      () => tf.gather(tf.tensor1d([true, false, true], 'bool'), tf.tensor1d([2, 1, 1], 'int32')),
    ];
    for (const f of cases) expect(await on('wasm', f)).toEqual(await on('cpu', f));
  });

  it('keeps float32 bits exactly', async () => {
    const bits = new Int32Array([0x7fc00001, 0x80000000, 0x00000001, 0x7f800000]);
    const x = tf.tensor1d(new Float32Array(bits.buffer), 'float32');
    await tf.setBackend('wasm');
    const out = tf.gather(x, tf.tensor1d([3, 2, 1, 0], 'int32'));
    expect(Array.from(new Int32Array((await out.data<'float32'>()).buffer))).toEqual([...bits].reverse());
  });

  it('throws the cpu backend error for an index out of range, allocating nothing', async () => {
    /** The message `gather` throws on `backend` for the given index, or undefined. */
    const errorOn = async (backend: string, bad: number) => {
      await tf.setBackend(backend);
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
      const ids = tf.tensor1d([0, bad], 'int32');
      const tensors = tf.memory().numTensors;
      const buffers = tf.memory().numDataBuffers;
      try {
        tf.gather(x, ids);
      } catch (e) {
        expect(tf.memory().numTensors).toBe(tensors);
        expect(tf.memory().numDataBuffers).toBe(buffers);
        return (e as Error).message;
      } finally {
        tf.dispose([x, ids]);
      }
    };
    for (const bad of [3, -1]) {
      const message = await errorOn('cpu', bad);
      expect(message).toBe(`GatherV2: the index value ${bad} is not in [0, 2]`);
      expect(await errorOn('wasm', bad)).toBe(message);
    }
  });

  it('has the cpu backend gradient along each axis and with batchDims 1', async () => {
    const rng = new Rng(23);
    const x = randn(rng, [4, 5, 3]);
    const cases: [tf.Tensor, number, number][] = [
      [indicesOf(rng, [6, 2], 4), 0, 0],
      [indicesOf(rng, [7], 5), 1, 0],
      [indicesOf(rng, [2, 2], 3), 2, 0],
      [indicesOf(rng, [4, 6], 5), 1, 1],
    ];
    for (const [ids, axis, batchDims] of cases) {
      const w = tf.tidy(() => randn(rng, tf.gather(x, ids, axis, batchDims).shape));
      const f = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids, axis, batchDims), w)))(x);
      expectClose(await on('wasm', f), await on('cpu', f), 1e-6, 1e-6);
    }
  });

  it('leaks no tensors and restores the stock kernel on uninstall', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(24);
    const table = randn(rng, [27, 10]);
    const ids = indicesOf(rng, [32, 3], 27);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        tf.gather(table, ids);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    const repaired = await on('wasm', () => tf.gather(table, ids));
    uninstallWasmRepairs();
    expect(wasmRepairState().gather).toBe(false);
    const stock = await on('wasm', () => tf.gather(table, ids));
    installWasmRepairs();
    expect(wasmRepairState().gather).toBe(true);
    expect(repaired).toEqual(stock);
  });
});

describe('Sum on wasm', () => {
  it('knows which reductions run over leading axes', () => {
    expect(leadingAxes([4, 5, 6], 0)).toBe(1);
    expect(leadingAxes([4, 5, 6], [1, 0])).toBe(2);
    expect(leadingAxes([4, 5, 6], [-3, -2])).toBe(2);
    expect(leadingAxes([4, 5, 6], [0, 1, 2])).toBe(0); // everything: the stock kernel
    expect(leadingAxes([4, 5, 6], [1])).toBe(0);
    expect(leadingAxes([4, 5, 6], [0, 2])).toBe(0);
    expect(leadingAxes([4, 5, 6], [0, 0])).toBe(1); // repeated axes count once
    expect(leadingAxes([4, 5, 6], null as unknown as number)).toBe(0); // null: every axis
    expect(leadingAxes([4, 5, 6], [3])).toBe(0); // out of range: the stock kernel reports it
    expect(leadingAxes([4, 5, 6], [0.5])).toBe(0);
  });

  it('equals the cpu backend over leading axes, with and without keepDims, and elsewhere', async () => {
    const rng = new Rng(31);
    const cases: [number[], number | number[]][] = [
      [[768, 128], 0],
      [
        [12, 64, 128],
        [0, 1],
      ],
      [
        [12, 64, 128],
        [1, 0],
      ],
      [[3, 5, 7], 0],
      [[3, 5, 7], -1],
      [
        [3, 5, 7],
        [0, 2],
      ],
      [
        [3, 5, 7],
        [0, 1, 2],
      ],
      [[0, 4], 0],
      [[4, 0], 0],
      [[1, 9], 0],
    ];
    for (const [shape, axis] of cases) {
      const x = randn(rng, shape);
      for (const keepDims of [false, true]) {
        const f = () => tf.sum(x, axis, keepDims);
        const cpu = await on('cpu', f);
        const wasm = await on('wasm', f);
        expect(wasm.shape).toEqual(cpu.shape);
        expectClose(wasm, cpu, 1e-4, 1e-5);
      }
      x.dispose();
    }
  });

  it('falls back to the stock kernel without the SIMD module', async () => {
    const x = randn(new Rng(33), [40, 13]);
    useWasmElementwise(false);
    try {
      expectClose(await on('wasm', () => tf.sum(x, 0)), await on('cpu', () => tf.sum(x, 0)), 1e-4, 1e-5);
    } finally {
      useWasmElementwise(true);
      x.dispose();
    }
  });

  it('leaves int32 sums to the stock kernel, exact', async () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    await tf.setBackend('wasm');
    const sum = tf.sum(x, 0);
    expect(sum.dtype).toBe('int32');
    expect(Array.from(await sum.data())).toEqual([9, 12]);
    tf.dispose([x, sum]);
  });

  it('gives the bias gradient of a matmul equal to cpu, leaks nothing, and uninstalls', async () => {
    const rng = new Rng(32);
    const x = randn(rng, [48, 16]);
    const w = randn(rng, [16, 8]);
    const b = randn(rng, [8]);
    const grads = () => {
      const [gw, gb] = tf.grads((ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.square(tf.add(tf.matMul(x, ww), bb))),
      )([w, b]);
      return tf.concat([tf.reshape(gw!, [-1]), gb!]);
    };
    expectClose(await on('wasm', grads), await on('cpu', grads), 1e-3, 1e-4);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.sum(x, 0).dispose();
    expect(tf.memory().numTensors).toBe(before);
    uninstallWasmRepairs();
    expect(wasmRepairState().sum).toBe(false);
    const stock = await on('wasm', () => tf.sum(x, 0));
    installWasmRepairs();
    expect(wasmRepairState().sum).toBe(true);
    const repaired = await on('wasm', () => tf.sum(x, 0));
    expectClose(repaired, stock, 1e-4, 1e-5);
    tf.dispose([x, w, b]);
  });
});
