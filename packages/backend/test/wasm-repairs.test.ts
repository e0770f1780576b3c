import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { installWasmRepairs, uninstallWasmRepairs, useBestBackend, wasmRepairState } from '../src/node';
import { useWasmElementwise } from '../src/wasm/simd/elementwise';
import { asRuns, collapseTranspose } from '../src/wasm/transpose';
import { expectClose, on, randn } from './helpers';

beforeAll(async () => {
  const choice = await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
  expect(choice.backend).toBe('wasm');
  expect(wasmRepairState()).toEqual({
    unsortedSegmentSum: true,
    oneHot: true,
    batchMatMul: true,
    fusedMatMul: true,
    transpose: true,
    identity: true,
    slice: true,
    tanh: true,
    gather: true,
    exp: true,
    erf: true,
    sum: true,
    fused: true,
  });
});

describe('UnsortedSegmentSum on wasm', () => {
  it('is missing from stock tfjs-backend-wasm and present once repaired', () => {
    uninstallWasmRepairs();
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
    installWasmRepairs();
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
  });

  it('equals the cpu backend on random shapes and with out-of-range ids', async () => {
    const rng = new Rng(1);
    const cases: { x: number[]; ids: number[]; segments: number }[] = [
      { x: [7], ids: [7], segments: 3 },
      { x: [12, 5], ids: [12], segments: 4 },
      { x: [6, 4, 3], ids: [6], segments: 9 },
    ];
    for (const c of cases) {
      const x = randn(rng, c.x);
      const n = c.ids.reduce((a, b) => a * b, 1);
      // -1 and `segments` are out of range and must be dropped.
      const idValues = Array.from({ length: n }, () => rng.int(c.segments + 2) - 1);
      const ids = tf.tensor1d(idValues, 'int32');
      const f = () => tf.unsortedSegmentSum(x, ids, c.segments);
      expectClose(await on('wasm', f), await on('cpu', f), 1e-5, 1e-5);
    }
  });

  it('sums int32 data exactly', async () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    const ids = tf.tensor1d([2, 0, 2], 'int32');
    const got = await on('wasm', () => tf.unsortedSegmentSum(x, ids, 3));
    expect(got.values).toEqual([3, 4, 0, 0, 6, 8]);
  });

  it('makes the gradient of gather equal the cpu backend', async () => {
    const rng = new Rng(2);
    const table = randn(rng, [27, 10]);
    const idx = tf.tensor2d(
      Array.from({ length: 32 * 3 }, () => rng.int(27)),
      [32, 3],
      'int32',
    );
    const weights = randn(rng, [32, 3, 10]);
    const grad = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), weights)))(table);
    expectClose(await on('wasm', grad), await on('cpu', grad), 1e-4, 1e-4);
  });

  it('trains an embedding: a bigram model lowers its loss on wasm', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(3);
    // Targets follow inputs deterministically (next = (cur + 1) mod 8), so the loss can fall far.
    const inputs = Array.from({ length: 64 }, () => rng.int(8));
    const x = tf.tensor1d(inputs, 'int32');
    const y = tf.oneHot(
      tf.tensor1d(
        inputs.map((i) => (i + 1) % 8),
        'int32',
      ),
      8,
    );
    const emb = tf.variable(tf.mul(randn(rng, [8, 8]), 0.1));
    const loss = (): tf.Scalar => tf.losses.softmaxCrossEntropy(y, tf.gather(emb, x));
    const opt = tf.train.sgd(5);
    const first = (await loss().data())[0]!;
    for (let step = 0; step < 30; step++) opt.minimize(loss);
    const last = (await loss().data())[0]!;
    expect(first).toBeGreaterThan(1.5);
    expect(last).toBeLessThan(0.5 * first);
  });
});

describe('OneHot on wasm', () => {
  it('equals the cpu backend for float32 and int32, any on/off values and out-of-range ids', async () => {
    const ids = tf.tensor2d([1, 0, 4, -1, 2, 3], [2, 3], 'int32');
    for (const [on_, off, dtype] of [
      [1, 0, 'float32'],
      [5, -2, 'float32'],
      [0.9, 0.1 / 3, 'float32'],
      [1, 0, 'int32'],
      [7, 3, 'int32'],
    ] as const) {
      const f = () => tf.oneHot(ids, 4, on_, off, dtype);
      const got = await on('wasm', f);
      expect(got).toEqual(await on('cpu', f));
      expect(got.values.slice(0, 4)).toEqual(
        [off, on_, off, off].map((v) => (dtype === 'float32' ? Math.fround(v) : v)),
      );
    }
  });
});

describe('BatchMatMul on wasm', () => {
  const shapes: [number[], number[]][] = [
    [
      [5, 7],
      [7, 3],
    ],
    [
      [1, 9],
      [9, 1],
    ],
    [
      [33, 64],
      [64, 17],
    ],
    [
      [4, 5, 7],
      [4, 7, 3],
    ],
    [
      [4, 5, 7],
      [7, 3],
    ],
    [
      [5, 7],
      [4, 7, 3],
    ],
    [
      [1, 5, 7],
      [6, 7, 3],
    ],
    [
      [6, 5, 7],
      [1, 7, 3],
    ],
    [
      [2, 3, 8, 16],
      [2, 3, 16, 8],
    ],
    [
      [12, 4, 16, 8],
      [12, 4, 8, 16],
    ],
    // Per-entry products above SMALL_PRODUCT take the split path rather than the stock loop.
    [
      [3, 32, 24],
      [3, 24, 32],
    ],
    [
      [1, 32, 24],
      [3, 24, 32],
    ],
    [
      [3, 32, 24],
      [1, 24, 32],
    ],
    [
      [2, 2, 32, 24],
      [2, 2, 24, 32],
    ],
  ];
  const t = (shape: number[], transpose: boolean) =>
    transpose ? [...shape.slice(0, -2), shape[shape.length - 1]!, shape[shape.length - 2]!] : shape;

  it('equals the cpu backend for every transpose combination, batch size and broadcast', async () => {
    const rng = new Rng(4);
    for (const [sa, sb] of shapes) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const a = randn(rng, t(sa, transposeA));
          const b = randn(rng, t(sb, transposeB));
          const f = () => tf.matMul(a, b, transposeA, transposeB);
          expectClose(await on('wasm', f), await on('cpu', f), 1e-4, 1e-4);
          a.dispose();
          b.dispose();
        }
      }
    }
  });

  it('gives the same gradients as cpu through a batched attention-like product', async () => {
    const rng = new Rng(5);
    const q = randn(rng, [3, 8, 4]);
    const k = randn(rng, [3, 8, 4]);
    const v = randn(rng, [3, 8, 4]);
    const f = () =>
      tf.grad((qq: tf.Tensor) => tf.sum(tf.matMul(tf.softmax(tf.matMul(qq, k, false, true)), v)))(q);
    expectClose(await on('wasm', f), await on('cpu', f), 1e-4, 1e-4);
  });

  it('leaks no tensors and restores the stock kernel on uninstall', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(6);
    const a = randn(rng, [4, 6, 5]);
    const b = randn(rng, [4, 6, 7]);
    const before = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    for (let i = 0; i < 20; i++) {
      tf.tidy(() => {
        tf.matMul(a, b, true, false);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
    const stockFn = () => tf.matMul(a, b, true, false);
    const repaired = await on('wasm', stockFn);
    uninstallWasmRepairs();
    expect(wasmRepairState().batchMatMul).toBe(false);
    const stock = await on('wasm', stockFn);
    installWasmRepairs();
    expect(wasmRepairState().batchMatMul).toBe(true);
    expectClose(repaired, stock, 1e-5, 1e-5);
  });
});

describe('_FusedMatMul on wasm', () => {
  it('equals the cpu backend with bias and activations, for transposes and batches', async () => {
    const rng = new Rng(8);
    const cases: [number[], number[], boolean, boolean][] = [
      [[3, 2], [2, 2], false, true],
      [[5, 7], [3, 7], false, true],
      [[7, 5], [7, 3], true, false],
      [[4, 5, 7], [4, 7, 3], false, false],
      [[4, 5, 7], [3, 7], false, true],
      [[5, 7], [7, 3], false, false],
    ];
    for (const [sa, sb, transposeA, transposeB] of cases) {
      const a = randn(rng, sa);
      const b = randn(rng, sb);
      const n = transposeB ? sb[sb.length - 2]! : sb[sb.length - 1]!;
      const bias = randn(rng, [n]);
      for (const activation of ['linear', 'relu', 'sigmoid', 'leakyrelu'] as const) {
        const f = () =>
          tf.fused.matMul({ a, b, transposeA, transposeB, bias, activation, leakyreluAlpha: 0.1 });
        expectClose(await on('wasm', f), await on('cpu', f), 1e-4, 1e-4);
      }
    }
  });
});

describe('Transpose on wasm', () => {
  it('collapses size-1 axes and axes that move together', () => {
    // Attention's split of heads: nothing merges, the rank stays 5.
    expect(collapseTranspose([12, 64, 3, 4, 32], [2, 0, 3, 1, 4])).toEqual({
      shape: [12, 64, 3, 4, 32],
      perm: [2, 0, 3, 1, 4],
    });
    // [B, H, T, D] → [B, T, H, D] with B = 1: rank 3.
    expect(collapseTranspose([1, 4, 64, 32], [0, 2, 1, 3])).toEqual({ shape: [4, 64, 32], perm: [1, 0, 2] });
    // Axes 1 and 2 travel together: a rank-3 transpose.
    expect(collapseTranspose([2, 3, 4, 5], [3, 1, 2, 0])).toEqual({ shape: [2, 12, 5], perm: [2, 1, 0] });
    // The identity and all-ones collapse to nothing to move.
    expect(collapseTranspose([2, 3, 4], [0, 1, 2])).toEqual({ shape: [24], perm: [0] });
    expect(collapseTranspose([1, 1], [1, 0])).toEqual({ shape: [], perm: [] });
  });

  it('equals the cpu backend for ranks 1 to 6, every collapse case, float32 and int32', async () => {
    const rng = new Rng(9);
    const cases: [number[], number[]][] = [
      [[7], [0]],
      [
        [5, 3],
        [1, 0],
      ],
      [
        [1, 5, 1, 3],
        [3, 2, 1, 0],
      ],
      [
        [2, 3, 4, 5],
        [3, 1, 2, 0],
      ],
      [
        [12, 8, 3, 4, 8],
        [2, 0, 3, 1, 4],
      ], // attention's split of q, k, v: last axis stays last
      [
        [3, 12, 4, 8, 8],
        [1, 3, 0, 2, 4],
      ], // its gradient
      [
        [2, 3, 4, 5, 6],
        [4, 3, 2, 1, 0],
      ], // the last axis moves: element-wise path
      [
        [2, 3, 2, 3, 2, 3],
        [5, 0, 4, 1, 3, 2],
      ],
      [
        [2, 1, 3, 1, 4, 2],
        [4, 0, 2, 5, 1, 3],
      ],
      [
        [12, 8, 4, 6],
        [0, 2, 1, 3],
      ], // attention's merge of heads, runs of 6 floats (not a whole number of vectors)
      [
        [3, 5, 7],
        [1, 0, 2],
      ],
      [
        [2, 3, 2, 3, 2, 3],
        [4, 3, 2, 1, 0, 5],
      ], // the last axis stays, five outer axes: more than copy_runs takes
    ];
    // With the SIMD module (copy_runs for runs) and without it (the stock kernel and the loop here).
    for (const simd of [true, false]) {
      useWasmElementwise(simd);
      for (const [shape, perm] of cases) {
        const x = randn(rng, shape);
        const xi = tf.cast(tf.mul(x, 100), 'int32');
        for (const input of [x, xi]) {
          const f = () => tf.transpose(input, perm);
          const got = await on('wasm', f);
          expect(got, `${shape} by ${perm}, simd ${simd}`).toEqual(await on('cpu', f));
        }
        tf.dispose([x, xi]);
      }
    }
    useWasmElementwise(true);
  });

  it('describes a transpose that keeps its last axis as runs for copy_runs', () => {
    // [12, 64, 3, 4, 32] → [3, 12, 4, 64, 32]: outer axes 2, 0, 3, 1 with their strides in bytes.
    expect(asRuns([12, 64, 3, 4, 32], [2, 0, 3, 1, 4])).toEqual({
      sizes: [3, 12, 4, 64],
      strides: [512, 98304, 128, 1536],
      inner: 32,
    });
    expect(asRuns([5, 3], [0, 1])).toEqual({ sizes: [1, 1, 1, 5], strides: [0, 0, 0, 12], inner: 3 });
    expect(asRuns([5, 3], [1, 0])).toBeNull();
    expect(asRuns([2, 2, 2, 2, 2, 2], [4, 3, 2, 1, 0, 5])).toBeNull();
  });

  it('shares the buffer when nothing moves', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 2, 3]);
    const y = tf.transpose(x, [1, 0, 2]); // only a size-1 axis moves
    expect(y.dataId).toBe(x.dataId);
    expect(y.shape).toEqual([2, 1, 3]);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4, 5, 6]);
    y.dispose();
  });

  it('gives the same gradient as cpu through a rank-5 transpose and leaks nothing', async () => {
    const rng = new Rng(10);
    const x = randn(rng, [2, 5, 3, 2, 4]);
    const w = randn(rng, [3, 2, 2, 5, 4]);
    const f = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.transpose(t, [2, 0, 3, 1, 4]), w)))(x);
    expectClose(await on('wasm', f), await on('cpu', f), 1e-6, 1e-6);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        tf.transpose(x, [2, 0, 3, 1, 4]);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    uninstallWasmRepairs();
    expect(wasmRepairState().transpose).toBe(false);
    const stock = await on('wasm', () => tf.transpose(x, [4, 3, 2, 1, 0]));
    installWasmRepairs();
    expect(wasmRepairState().transpose).toBe(true);
    expect(await on('wasm', () => tf.transpose(x, [4, 3, 2, 1, 0]))).toEqual(stock);
  });
});

describe('Identity on wasm', () => {
  it('shares the buffer, keeps values when either holder is disposed, and frees it with the last', async () => {
    await tf.setBackend('wasm');
    const heap = (tf.backend() as unknown as { dataIdMap: { has(id: object): boolean } }).dataIdMap;
    const buffers = tf.memory().numDataBuffers;
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x); // runs the Identity kernel
    expect(y.dataId).toBe(x.dataId);
    expect(tf.memory().numDataBuffers).toBe(buffers + 1); // no second buffer
    const shared = x.dataId;
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    const v = tf.variable(y);
    y.dispose();
    expect(heap.has(shared)).toBe(true); // the variable still holds it
    v.assign(tf.tidy(() => tf.add(v, 1)));
    expect(heap.has(shared)).toBe(false); // freed with its last holder
    expect(Array.from(await v.data())).toEqual([2, 3, 4, 5]);
    v.dispose();
  });

  it('gives the same gradients as cpu through clones and variables', async () => {
    const rng = new Rng(11);
    const x = randn(rng, [4, 3]);
    const f = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.clone(t), tf.clone(tf.square(t)))))(x);
    expectClose(await on('wasm', f), await on('cpu', f), 1e-6, 1e-6);
  });
});

describe('Slice, SplitV and Unpack on wasm', () => {
  it('equal the cpu backend for contiguous and strided boxes of every rank and dtype', async () => {
    const rng = new Rng(12);
    const cases: [number[], number[], number[]][] = [
      [[10], [3], [5]],
      [
        [4, 6],
        [1, 0],
        [2, 6],
      ], // contiguous rows
      [
        [4, 6],
        [1, 2],
        [3, 3],
      ],
      [
        [3, 4, 5],
        [1, 1, 1],
        [2, 2, 3],
      ],
      [
        [2, 3, 4, 5],
        [0, 1, 2, 0],
        [2, 2, 2, 5],
      ],
      [
        [2, 3, 2, 3, 4],
        [1, 0, 1, 1, 1],
        [1, 3, 1, 2, 2],
      ],
      [
        [3, 4],
        [0, 0],
        [0, 4],
      ], // empty
    ];
    for (const [shape, begin, size] of cases) {
      const x = randn(rng, shape);
      for (const input of [x, tf.cast(tf.mul(x, 10), 'int32'), tf.greater(x, 0)]) {
        const f = () => tf.cast(tf.slice(input, begin, size), 'float32');
        expect(await on('wasm', f)).toEqual(await on('cpu', f));
      }
    }
  });

  it('split and unstack equal the cpu backend along every axis', async () => {
    const rng = new Rng(13);
    const x = randn(rng, [4, 6, 5]);
    for (const axis of [0, 1, 2]) {
      const n = x.shape[axis] as number;
      const sizes = n === 4 ? [1, 3] : n === 6 ? [2, 1, 3] : [5];
      const split = () => tf.concat(tf.split(x, sizes, axis).map((t) => tf.reshape(t, [-1])));
      expect(await on('wasm', split)).toEqual(await on('cpu', split));
      const unstack = () => tf.stack(tf.unstack(x, axis).map((t) => tf.neg(t)));
      expect(await on('wasm', unstack)).toEqual(await on('cpu', unstack));
    }
    const flat = randn(rng, [100]);
    const pieces = () => tf.concat(tf.split(flat, [10, 0, 40, 50]));
    expect(await on('wasm', pieces)).toEqual(await on('cpu', pieces));
  });

  it('leak nothing and restore the stock kernels on uninstall', async () => {
    await tf.setBackend('wasm');
    const x = tf.reshape(tf.range(0, 24), [2, 3, 4]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        tf.split(x, 2, 2);
        tf.unstack(x, 1);
        tf.slice(x, [0, 1, 1], [2, 2, 2]);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    uninstallWasmRepairs();
    expect(wasmRepairState().slice).toBe(false);
    const stock = await on('wasm', () => tf.slice(x, [0, 1, 1], [2, 2, 2]));
    installWasmRepairs();
    expect(wasmRepairState().slice).toBe(true);
    expect(await on('wasm', () => tf.slice(x, [0, 1, 1], [2, 2, 2]))).toEqual(stock);
  });
});
