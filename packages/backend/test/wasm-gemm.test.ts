import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gemmBinarySource } from '../scripts/gemm-binary';
import { enableRelaxedSimd, useBestBackend, useWasmGemm, useWasmGemmFma } from '../src/node';
import {
  GEMM_WASM_PLAIN,
  GEMM_WASM_PLAIN_FMA,
  GEMM_WASM_SHARED,
  GEMM_WASM_SHARED_FMA,
} from '../src/wasm/gemm/binary';
import { wasmGemm } from '../src/wasm/gemm/gemm';
import type { WasmBackendInternals } from '../src/wasm/heap';
import { hasRelaxedSimd } from '../src/wasm/simd/relaxed';
import { expectClose, on, randn } from './helpers';

beforeAll(async () => {
  const choice = await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
  expect(choice.backend).toBe('wasm');
});

afterAll(() => {
  useWasmGemm(true);
  useWasmGemmFma(true);
});

const wasmBackend = () => tf.findBackend('wasm') as unknown as WasmBackendInternals;

describe('the gemm module', () => {
  it('is what scripts/gemm-wat.ts generates (run `pnpm build:wasm` after editing it)', async () => {
    const committed = readFileSync(
      fileURLToPath(new URL('../src/wasm/gemm/binary.ts', import.meta.url)),
      'utf8',
    );
    expect(committed).toBe(await gemmBinarySource());
  });

  it('loads on the wasm backend in its fused multiply-add variant, and useWasmGemm(false) turns it off', () => {
    expect(useWasmGemm()).toBe(true);
    // useBestBackend turned relaxed SIMD on (Node 20 needs V8's flag; Node 22 has it by default).
    expect(hasRelaxedSimd()).toBe(true);
    expect(wasmGemm(wasmBackend())?.fma).toBe(true);
    expect(useWasmGemm(false)).toBe(false);
    expect(wasmGemm(wasmBackend())).toBeNull();
    expect(useWasmGemm(true)).toBe(true);
  });

  it('enableRelaxedSimd() is idempotent', () => {
    expect(enableRelaxedSimd()).toBe(true);
    expect(enableRelaxedSimd()).toBe(true);
  });

  // The module on its own, against a plain JavaScript product: all four variants, a bias, ragged tiles,
  // row counts that leave remainders of the 6-row tile, and transposed strips.
  const variants = {
    plain: GEMM_WASM_PLAIN,
    shared: GEMM_WASM_SHARED,
    'plain FMA': GEMM_WASM_PLAIN_FMA,
    'shared FMA': GEMM_WASM_SHARED_FMA,
  };
  for (const [variant, base64] of Object.entries(variants)) {
    it(`computes C = op(A)·op(B) + bias in its ${variant}-memory variant`, () => {
      const memory = variant.startsWith('shared')
        ? new WebAssembly.Memory({ initial: 4, maximum: 16, shared: true })
        : new WebAssembly.Memory({ initial: 4 });
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const { gemm, pack } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } })
        .exports as unknown as {
        gemm: (...args: number[]) => void;
        pack: (...args: number[]) => void;
      };
      const heap = new Float32Array(memory.buffer);
      const rng = new Rng(11);
      for (const [m, k, n, ta, tb] of [
        [5, 3, 11, false, false],
        [9, 17, 8, true, false],
        [4, 6, 13, false, true],
        [1, 1, 1, true, true],
        [7, 40, 19, true, true],
        [13, 9, 16, true, false],
        [12, 21, 24, false, false],
        [10, 7, 9, true, true],
        [3, 5, 17, false, true],
        [2, 33, 8, true, false],
      ] as [number, number, number, boolean, boolean][]) {
        const A = Float32Array.from({ length: m * k }, () => rng.normal());
        const B = Float32Array.from({ length: k * n }, () => rng.normal());
        const bias = Float32Array.from({ length: n }, () => rng.normal());
        const [aAt, bAt, biasAt, cAt, packedAt, packedBiasAt, tileAt, stripAt] = [
          0, 4096, 8192, 12288, 16384, 32768, 36864, 40960,
        ];
        heap.set(A, aAt / 4);
        heap.set(B, bAt / 4);
        heap.set(bias, biasAt / 4);
        // A stored k × m when transposed, B stored n × k when transposed.
        const a = (i: number, p: number) => (ta ? A[p * m + i]! : A[i * k + p]!);
        const b = (p: number, j: number) => (tb ? B[j * k + p]! : B[p * n + j]!);
        pack(bAt, packedAt, k, n, tb ? 4 : n * 4, tb ? k * 4 : 4);
        pack(biasAt, packedBiasAt, 1, n, 0, 4);
        // Every other case writes C as a column block of a wider matrix: rows ldc floats apart, and the
        // columns past n must keep what was there.
        const ldc = n + (m % 2) * 5;
        const SENTINEL = 12345;
        heap.fill(SENTINEL, cAt / 4, cAt / 4 + m * ldc);
        // nc = 8 makes every column tile its own panel, exercising the panel loop.
        gemm(
          aAt,
          packedAt,
          cAt,
          packedBiasAt,
          m,
          n,
          k,
          ta ? 4 : k * 4,
          ta ? m * 4 : 4,
          tileAt,
          8,
          stripAt,
          ldc * 4,
        );
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let want = bias[j]!;
            for (let p = 0; p < k; p++) want += a(i, p) * b(p, j);
            expect(heap[cAt / 4 + i * ldc + j]).toBeCloseTo(want, 4);
          }
          for (let j = n; j < ldc; j++) expect(heap[cAt / 4 + i * ldc + j]).toBe(SENTINEL);
        }
      }
    });
  }
});

describe('matrix products on wasm, through our gemm and through XNNPACK', () => {
  const sizes = [0, 1, 3, 7, 8, 9, 16, 31, 33, 65];
  const shapeOf = (batch: number[], rows: number, cols: number, transposed: boolean) =>
    transposed ? [...batch, cols, rows] : [...batch, rows, cols];

  // Our gemm with fused multiply-adds, our gemm with mul + add, and the XNNPACK route.
  const routes = [
    { route: 'gemm, FMA', gemmOn: true, fma: true, seed: 21 },
    { route: 'gemm, mul + add', gemmOn: true, fma: false, seed: 31 },
    { route: 'XNNPACK', gemmOn: false, fma: true, seed: 41 },
  ];
  for (const { route, gemmOn, fma, seed } of routes) {
    it(`equal the cpu backend on random shapes, transposes and broadcasts (${route})`, async () => {
      useWasmGemm(gemmOn);
      useWasmGemmFma(fma);
      if (gemmOn) expect(wasmGemm(wasmBackend())?.fma).toBe(fma);
      const rng = new Rng(seed);
      const batches: [number[], number[]][] = [
        [[], []],
        [[3], [3]],
        [[4], []],
        [[], [2]],
        [[1], [3]],
        [
          [2, 3],
          [2, 3],
        ],
      ];
      for (let trial = 0; trial < 40; trial++) {
        const m = sizes[rng.int(sizes.length)]!;
        const k = sizes[rng.int(sizes.length)]!;
        const n = sizes[rng.int(sizes.length)]!;
        const [batchA, batchB] = batches[rng.int(batches.length)]!;
        const transposeA = rng.int(2) === 1;
        const transposeB = rng.int(2) === 1;
        const a = randn(rng, shapeOf(batchA, m, k, transposeA));
        const b = randn(rng, shapeOf(batchB, k, n, transposeB));
        const f = () => tf.matMul(a, b, transposeA, transposeB);
        expectClose(await on('wasm', f), await on('cpu', f), 1e-4, 1e-4);
        tf.dispose([a, b]);
      }
      // An empty inner dimension, after the trials above have left other data in the heap: all zeros.
      for (const [sa, sb] of [
        [
          [9, 0],
          [0, 31],
        ],
        [
          [2, 7, 0],
          [0, 16],
        ],
      ]) {
        const f = () => tf.matMul(tf.ones(sa!), tf.ones(sb!));
        const zeros = await on('wasm', f);
        expect(zeros.values.length).toBeGreaterThan(0);
        expect(zeros.values.every((v) => v === 0)).toBe(true);
      }
      useWasmGemm(true);
    });

    it(`fused products with a row bias, a full bias and activations equal cpu (${route})`, async () => {
      useWasmGemm(gemmOn);
      useWasmGemmFma(fma);
      const rng = new Rng(seed + 2);
      const cases: [number[], number[], boolean, boolean][] = [
        [[32, 30], [200, 30], false, true],
        [[30, 32], [30, 27], true, false],
        [[4, 5, 7], [3, 7], false, true],
        [[4, 9, 7], [4, 7, 13], false, false],
        [[5, 0], [0, 6], false, false],
        [[2, 0, 5], [0, 4], true, false],
      ];
      for (const [sa, sb, transposeA, transposeB] of cases) {
        const a = randn(rng, sa);
        const b = randn(rng, sb);
        const m = transposeA ? sa[sa.length - 1]! : sa[sa.length - 2]!;
        const n = transposeB ? sb[sb.length - 2]! : sb[sb.length - 1]!;
        for (const biasShape of [[n], [1, n], [m, n], [m, 1]]) {
          const bias = randn(rng, biasShape);
          for (const activation of ['linear', 'relu'] as const) {
            const f = () => tf.fused.matMul({ a, b, transposeA, transposeB, bias, activation });
            expectClose(await on('wasm', f), await on('cpu', f), 1e-4, 1e-4);
          }
          bias.dispose();
        }
        tf.dispose([a, b]);
      }
      useWasmGemm(true);
    });
  }

  it('handles a long inner dimension split into many panels, and the gradients of a product', async () => {
    const rng = new Rng(25);
    // k = 3000 makes each panel 16 columns wide, so n = 50 spans four panels, the last one ragged.
    const a = randn(rng, [20, 3000]);
    const b = randn(rng, [3000, 50]);
    expectClose(await on('wasm', () => tf.matMul(a, b)), await on('cpu', () => tf.matMul(a, b)), 1e-3, 1e-4);
    const w = randn(rng, [7, 5]);
    const x = randn(rng, [12, 5]);
    const grads = () => {
      const [gx, gw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.square(tf.matMul(xx, ww, false, true))),
      )([x, w]);
      return tf.concat([tf.reshape(gx!, [-1]), tf.reshape(gw!, [-1])]);
    };
    expectClose(await on('wasm', grads), await on('cpu', grads), 1e-4, 1e-4);
    tf.dispose([a, b, w, x]);
  });

  it('leaks no tensors across many products', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(26);
    const a = randn(rng, [4, 33, 17]);
    const b = randn(rng, [17, 29]);
    const bias = randn(rng, [29]);
    const run = () =>
      tf.tidy(() => {
        tf.matMul(a, b);
        tf.matMul(a, a, true, false);
        tf.fused.matMul({ a: tf.reshape(a, [-1, 17]) as tf.Tensor2D, b: b as tf.Tensor2D, bias });
      });
    run();
    const before = tf.memory();
    for (let i = 0; i < 50; i++) run();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([a, b, bias]);
  });
});
