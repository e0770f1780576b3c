/**
 * The packed-weight products of src/wasm/packed-mat-mul.ts: x·Wᵀ (+ bias) with W packed once equals the
 * stock product on the cpu backend, through our gemm and through the JavaScript fallback, for one row and
 * several, widths that are and are not multiples of the 8-float tiles, with and without a bias, with a
 * residual added (bit for bit the stock `Add` of the product and the residual), and with the LayerNorm of x
 * before and GELU after (the same as the fused LayerNorm and GELU kernels around the plain product).
 */
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FUSED_KERNELS } from '../src/fused-kernels';
import { useBestBackend } from '../src/node';
import { useWasmGemm } from '../src/wasm/gemm/gemm';
import { expectClose, on, randn } from './helpers';

beforeAll(async () => {
  const choice = await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
  expect(choice.backend).toBe('wasm');
});

afterEach(() => {
  useWasmGemm(true);
});

const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) =>
  tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;

describe.each([
  ['our gemm', true],
  ['the JavaScript fallback', false],
])('MakemorePackedMatMul through %s', (_, gemm) => {
  it.each([
    [1, 16, 24, true],
    [1, 384, 1152, false],
    [3, 18, 13, true],
    [2, 7, 65, false],
    [9, 32, 40, true],
  ])('x [%i, %i], W [%i, k], bias %s: equals x·Wᵀ + b on cpu', async (m, k, n, withBias) => {
    const rng = new Rng(m * 1000 + n);
    const x = randn(rng, [m, k]);
    const w = randn(rng, [n, k]);
    const b = withBias ? randn(rng, [n]) : null;
    const expected = await on('cpu', () => {
      const y = tf.matMul(x, w, false, true);
      return b ? tf.add(y, b) : y;
    });
    const actual = await on('wasm', () => {
      useWasmGemm(gemm);
      const packed = run(FUSED_KERNELS.packWeight, { weight: w });
      expect(packed.shape).toEqual([Math.ceil(n / 8) * 8 * k]);
      const inputs: tf.NamedTensorMap = b ? { x, packed, bias: b } : { x, packed };
      // The packed weight serves many products: run it twice.
      run(FUSED_KERNELS.packedMatMul, inputs, { n }).dispose();
      const y = run(FUSED_KERNELS.packedMatMul, inputs, { n });
      packed.dispose();
      return y;
    });
    expectClose(actual, expected, 1e-4, 1e-4);
    tf.dispose([x, w, ...(b ? [b] : [])]);
  });

  it.each([
    [1, 384, 384],
    [3, 18, 13],
  ])(
    'x [%i, %i], W [%i, k] with a residual: equals the product plus the residual, bit for bit',
    async (m, k, n) => {
      const rng = new Rng(m + n);
      const [x, w, b, r] = [randn(rng, [m, k]), randn(rng, [n, k]), randn(rng, [n]), randn(rng, [m, n])];
      await tf.setBackend('wasm');
      useWasmGemm(gemm);
      const packed = run(FUSED_KERNELS.packWeight, { weight: w });
      const plain = run(FUSED_KERNELS.packedMatMul, { x, packed, bias: b }, { n });
      const stockSum = tf.add(plain, r);
      const fused = run(FUSED_KERNELS.packedMatMul, { x, packed, bias: b, residual: r }, { n });
      expect(Array.from(fused.dataSync())).toEqual(Array.from(stockSum.dataSync()));
      expect(fused.dataSync().some((v, i) => v !== plain.dataSync()[i])).toBe(true);
      tf.dispose([x, w, b, r, packed, plain, stockSum, fused]);
    },
  );
});

describe.each([
  ['our gemm', true],
  ['the JavaScript fallback', false],
])('MakemorePackedMatMul with LayerNorm and GELU, through %s', (_, gemm) => {
  it.each([
    [1, 384, 1536, 'gelu', true],
    [3, 20, 13, 'gelu_tanh', false],
    [2, 16, 24, undefined, true],
  ] as const)(
    'x [%i, %i], W [%i, k], %s, norm bias %s: equals LayerNorm → product → GELU (+ residual) kernel by kernel',
    async (m, k, n, activation, normBias) => {
      const rng = new Rng(7 * m + k);
      const [x, w, b, r] = [randn(rng, [m, k]), randn(rng, [n, k]), randn(rng, [n]), randn(rng, [m, n])];
      const [lw, lb] = [randn(rng, [k]), randn(rng, [k])];
      await tf.setBackend('wasm');
      useWasmGemm(gemm);
      const packed = run(FUSED_KERNELS.packWeight, { weight: w });
      const norm: tf.NamedTensorMap = normBias ? { x, weight: lw, bias: lb } : { x, weight: lw };
      const [normed, mean, rstd] = tf
        .engine()
        .runKernel(FUSED_KERNELS.layerNorm, norm, { epsilon: 1e-5 }) as tf.Tensor[];
      let expected = run(FUSED_KERNELS.packedMatMul, { x: normed!, packed, bias: b }, { n });
      const unfused = [normed!, mean!, rstd!, expected];
      if (activation !== undefined) {
        const approximate = activation === 'gelu_tanh' ? 'tanh' : 'none';
        const [y, aux] = tf
          .engine()
          .runKernel(FUSED_KERNELS.gelu, { x: expected }, { approximate }) as tf.Tensor[];
        unfused.push(y!, aux!);
        expected = y!;
      }
      const withResidual = tf.add(expected, r);
      const before = tf.memory().numTensors;
      const inputs: tf.NamedTensorMap = { x, packed, bias: b, residual: r, normWeight: lw };
      if (normBias) inputs.normBias = lb;
      const fused = run(FUSED_KERNELS.packedMatMul, inputs, {
        n,
        epsilon: 1e-5,
        ...(activation === undefined ? {} : { activation }),
      });
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(fused.shape).toEqual([m, n]);
      expect(Array.from(fused.dataSync())).toEqual(Array.from(withResidual.dataSync()));
      tf.dispose([x, w, b, r, lw, lb, packed, ...unfused, withResidual, fused]);
    },
  );
});

describe('MakemorePackedMatMul errors', () => {
  it('names a packed tensor of the wrong size, a bias of the wrong length and a residual of the wrong shape', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([1, 4]);
    const packed = run(FUSED_KERNELS.packWeight, { weight: tf.ones([5, 4]) });
    expect(() => run(FUSED_KERNELS.packedMatMul, { x, packed }, { n: 9 })).toThrow(
      /not a packed \[9, 4\] weight/,
    );
    expect(() => run(FUSED_KERNELS.packedMatMul, { x, packed, bias: tf.ones([3]) }, { n: 5 })).toThrow(
      /bias has shape \[3\], expected \[5\]/,
    );
    expect(() => run(FUSED_KERNELS.packedMatMul, { x, packed }, { n: 5, activation: 'relu' })).toThrow(
      /activation = relu; use 'gelu' or 'gelu_tanh'/,
    );
    expect(() => run(FUSED_KERNELS.packedMatMul, { x, packed, normBias: tf.ones([4]) }, { n: 5 })).toThrow(
      /normBias needs normWeight/,
    );
    expect(() => run(FUSED_KERNELS.packedMatMul, { x, packed, residual: tf.ones([2, 5]) }, { n: 5 })).toThrow(
      /residual has shape \[2,5\], expected \[1, 5\]/,
    );
    tf.dispose([x, packed]);
  });
});
