/**
 * The fused GELU and LayerNorm kernels that @makemore/backend adds to wasm (src/fused-kernels.ts): each
 * output and gradient equals the composed TensorFlow.js ops on the cpu backend, through the SIMD module
 * and through the JavaScript fallback, on shapes that exercise every tail of the vector loops.
 */
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AdamStepAttrs, FUSED_KERNELS, type GeluApproximation } from '../src/fused-kernels';
import { uninstallWasmRepairs, useBestBackend, wasmRepairState } from '../src/node';
import { useWasmGemm } from '../src/wasm/gemm/gemm';
import { installWasmRepairs } from '../src/wasm/repairs';
import { useWasmElementwise } from '../src/wasm/simd/elementwise';
import { expectClose, on, randn } from './helpers';

beforeAll(async () => {
  const choice = await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
  expect(choice.backend).toBe('wasm');
  expect(wasmRepairState().fused).toBe(true);
});

afterEach(() => {
  useWasmElementwise(true);
  useWasmGemm(true);
});

const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) =>
  tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];

/** GELU as @makemore/models composes it from stock ops. */
function composedGelu(x: tf.Tensor, approximate: GeluApproximation): tf.Tensor {
  if (approximate === 'none') return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
  const inner = tf.mul(tf.mul(x, tf.add(tf.mul(tf.square(x), 0.044715), 1)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** LayerNorm over the last axis from stock ops. */
function composedLayerNorm(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null, eps: number): tf.Tensor {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps));
  const y = tf.mul(tf.mul(centred, rstd), w);
  return b ? tf.add(y, b) : y;
}

const values = async (t: tf.Tensor) => ({ shape: t.shape, values: Array.from(await t.data()) });

describe.each([
  ['the SIMD module', true],
  ['the JavaScript fallback', false],
])('fused GELU on wasm, through %s', (_, simd) => {
  it.each([
    ['none', [7]],
    ['none', [2, 3, 5]],
    ['none', [12, 8, 33]],
    ['tanh', [7]],
    ['tanh', [2, 3, 5]],
    ['tanh', [12, 8, 33]],
  ] as [GeluApproximation, number[]][])(
    '%s form, shape %j: y and dx equal the composed ops on cpu',
    async (approximate, shape) => {
      const rng = new Rng(shape.reduce((a, b) => a * b, approximate === 'tanh' ? 7 : 3));
      const x = tf.mul(randn(rng, shape), 3);
      const dy = randn(rng, shape);
      useWasmElementwise(simd);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const [y, aux] = run(FUSED_KERNELS.gelu, { x }, { approximate }) as tf.Tensor[];
      const dx = run(FUSED_KERNELS.geluGrad, { dy, x, aux: aux as tf.Tensor }, { approximate }) as tf.Tensor;
      const got = { y: await values(y as tf.Tensor), dx: await values(dx) };
      tf.dispose([y as tf.Tensor, aux as tf.Tensor, dx]);
      expect(tf.memory().numTensors).toBe(before);

      const want = {
        y: await on('cpu', () => composedGelu(x, approximate)),
        dx: await on('cpu', () =>
          tf.grad((v: tf.Tensor) => tf.sum(tf.mul(composedGelu(v, approximate), dy)))(x),
        ),
      };
      // tfjs's cpu erf is the Abramowitz–Stegun 7.1.26 approximation, 1.5e-7 off; ours is within 1 ulp.
      expectClose(got.y, want.y, 1e-6, 1e-5);
      // The tanh form's slope has 1 − t², which cancels where t ≈ ±1: a 1-ulp difference in t (6e-8) becomes
      // up to |x·dy|·√(2/π)·(1 + 0.134·x²)·6e-8 ≈ 1e-5 at |x| ≈ 9. The exact form has no such term.
      expectClose(got.dx, want.dx, approximate === 'tanh' ? 2e-5 : 1e-6, 1e-5);
      if (simd) {
        // The SIMD kernel does the composed ops' float32 arithmetic in their order: bit for bit on wasm.
        await tf.setBackend('wasm');
        expect(got.y.values).toEqual(Array.from(await composedGelu(x, approximate).data()));
      }
    },
  );

  it('rejects a tensor that is not float32, saying which', async () => {
    useWasmElementwise(simd);
    await tf.setBackend('wasm');
    const x = tf.tensor1d([1, 2, 3], 'int32');
    expect(() => run(FUSED_KERNELS.gelu, { x }, { approximate: 'none' })).toThrow(/float32.*x is int32/);
  });
});

describe.each([
  ['the SIMD module', true],
  ['the JavaScript fallback', false],
])('fused LayerNorm on wasm, through %s', (_, simd) => {
  it.each([
    [[5, 8], true],
    [[3, 4, 128], false],
    [[2, 3, 128], true],
    [[6, 6], true], // a width the SIMD module does not take: the fallback runs either way
    [[1, 12], false],
  ] as [number[], boolean][])(
    'shape %j, bias %s: y, mean, rstd and the gradients equal the composed ops on cpu',
    async (shape, hasBias) => {
      const dim = shape[shape.length - 1] as number;
      const rows = shape.reduce((a, b) => a * b, 1) / dim;
      const rng = new Rng(rows * 131 + dim);
      const x = tf.add(tf.mul(randn(rng, shape), 2), 0.5);
      const w = tf.add(randn(rng, [dim]), 1);
      const b = hasBias ? randn(rng, [dim]) : null;
      const dy = randn(rng, shape);
      const eps = 1e-5;
      useWasmElementwise(simd);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const inputs: tf.NamedTensorMap = b ? { x, weight: w, bias: b } : { x, weight: w };
      const [y, mean, rstd] = run(FUSED_KERNELS.layerNorm, inputs, { epsilon: eps }) as tf.Tensor[];
      const grads = run(
        FUSED_KERNELS.layerNormGrad,
        { dy, x, mean: mean as tf.Tensor, rstd: rstd as tf.Tensor, weight: w },
        { bias: hasBias },
      ) as tf.Tensor[];
      expect(grads).toHaveLength(hasBias ? 3 : 2);
      const got = await Promise.all([y, mean, rstd, ...grads].map((t) => values(t as tf.Tensor)));
      tf.dispose([y, mean, rstd, ...grads] as tf.Tensor[]);
      expect(tf.memory().numTensors).toBe(before);

      const wantY = await on('cpu', () => composedLayerNorm(x, w, b, eps));
      const wantMean = await on('cpu', () => tf.reshape(tf.mean(x, -1), [rows]));
      const wantRstd = await on('cpu', () =>
        tf.reshape(tf.rsqrt(tf.add(tf.mean(tf.square(tf.sub(x, tf.mean(x, -1, true))), -1), eps)), [rows]),
      );
      const loss = (...v: tf.Tensor[]) =>
        tf.sum(
          tf.mul(
            composedLayerNorm(v[0] as tf.Tensor, v[1] as tf.Tensor, b ? (v[2] as tf.Tensor) : null, eps),
            dy,
          ),
        );
      const wantGrads = await Promise.all(
        (b ? [x, w, b] : [x, w]).map((_, i) =>
          on('cpu', () => tf.grads(loss)(b ? [x, w, b] : [x, w])[i] as tf.Tensor),
        ),
      );
      expectClose(got[0] as never, wantY, 1e-5, 1e-5);
      expectClose(got[1] as never, wantMean, 1e-6, 1e-6);
      expectClose(got[2] as never, wantRstd, 1e-6, 1e-5);
      for (const [i, want] of wantGrads.entries()) expectClose(got[3 + i] as never, want, 1e-4, 1e-4);
    },
  );

  it('rejects a weight that does not match the last axis, naming both shapes', async () => {
    useWasmElementwise(simd);
    await tf.setBackend('wasm');
    const x = tf.zeros([2, 8]);
    expect(() => run(FUSED_KERNELS.layerNorm, { x, weight: tf.ones([4]) }, { epsilon: 1e-5 })).toThrow(
      /weight has shape \[4\], expected \[8\]/,
    );
  });
});

/** Attention from a fused projection as @makemore/models composes it from stock ops: `[y, probs]`. */
function composedAttention(
  qkv: tf.Tensor,
  mask: tf.Tensor,
  heads: number,
  scale: number,
): [tf.Tensor, tf.Tensor] {
  const [B, T, W] = qkv.shape as [number, number, number];
  const E = W / 3;
  const split = tf.transpose(tf.reshape(qkv, [B, T, 3, heads, E / heads]), [2, 0, 3, 1, 4]);
  const [q, k, v] = tf.unstack(split) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const probs = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), scale), mask));
  return [tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B, T, E]), probs];
}

describe.each([
  ['our gemm', true],
  ['the JavaScript products', false],
])('the fused attention on wasm, through %s', (_, gemm) => {
  it.each([
    [2, 16, 32, 4],
    [3, 13, 36, 3], // 13 rows: not a multiple of the 6-row tile; heads of 12 columns overhang 8
    [12, 64, 128, 4], // the baby GPT's
    [1, 1, 8, 2],
  ])('B %i, T %i, E %i, %i heads: y, probs and dqkv equal the composed ops on cpu', async (B, T, E, H) => {
    const rng = new Rng(B * 100 + T);
    const qkv = randn(rng, [B, T, 3 * E]);
    const dy = randn(rng, [B, T, E]);
    const causal = Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0));
    const mask = tf.tensor2d(causal, [T, T]);
    const attrs = { heads: H, scale: 1 / Math.sqrt(E / H) };
    useWasmGemm(gemm);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const [y, probs] = run(FUSED_KERNELS.attention, { qkv, mask }, attrs) as [tf.Tensor, tf.Tensor];
    const dqkv = run(FUSED_KERNELS.attentionGrad, { dy, qkv, probs }, attrs) as tf.Tensor;
    const got = { y: await values(y), probs: await values(probs), dqkv: await values(dqkv) };
    tf.dispose([y, probs, dqkv]);
    expect(tf.memory().numTensors).toBe(before);
    expectClose(got.y, await on('cpu', () => composedAttention(qkv, mask, H, attrs.scale)[0]), 1e-5, 1e-4);
    expectClose(
      got.probs,
      await on('cpu', () => composedAttention(qkv, mask, H, attrs.scale)[1]),
      1e-6,
      1e-4,
    );
    const loss = (v: tf.Tensor) => tf.sum(tf.mul(composedAttention(v, mask, H, attrs.scale)[0], dy));
    expectClose(got.dqkv, await on('cpu', () => tf.grad(loss)(qkv)), 1e-5, 1e-4);
  });

  it('names what does not fit: the heads, the mask, a qkv not three blocks wide, dy', async () => {
    useWasmGemm(gemm);
    await tf.setBackend('wasm');
    const qkv = tf.zeros([2, 4, 24]);
    const mask = tf.zeros([4, 4]);
    expect(() => run(FUSED_KERNELS.attention, { qkv, mask }, { heads: 3 })).toThrow(
      /heads = 3 must be a positive integer that divides the width 8/,
    );
    expect(() => run(FUSED_KERNELS.attention, { qkv, mask: tf.zeros([4, 5]) }, { heads: 2 })).toThrow(
      /mask has shape \[4,5\], expected \[4,4\]/,
    );
    expect(() => run(FUSED_KERNELS.attention, { qkv: tf.zeros([2, 4, 25]), mask }, { heads: 1 })).toThrow(
      /qkv has shape \[2,4,25\], expected \[batch, time, 3·width\]/,
    );
    const [y, probs] = run(FUSED_KERNELS.attention, { qkv, mask }, { heads: 2 }) as [tf.Tensor, tf.Tensor];
    expect(() =>
      run(FUSED_KERNELS.attentionGrad, { dy: tf.zeros([2, 4, 9]), qkv, probs }, { heads: 2 }),
    ).toThrow(/dy has shape \[2,4,9\], expected \[2,4,8\]/);
    tf.dispose([y, probs]);
  });
});

describe.each([
  ['the SIMD module', true],
  ['the JavaScript fallback', false],
])('the fused masked softmax on wasm, through %s', (_, simd) => {
  it.each([
    [[2, 3, 8, 8]],
    [[12, 4, 16, 16]],
    [[3, 5, 6]], // rows the SIMD module does not take: the fallback runs either way
  ])('shape %j: y and dx equal softmax(x·scale + mask) and its gradient on cpu', async (shape) => {
    const [T, S] = shape.slice(-2) as [number, number];
    const rng = new Rng(T * 7 + shape.length);
    const x = tf.mul(randn(rng, shape), 4);
    const dy = randn(rng, shape);
    const causal = Float32Array.from({ length: T * S }, (_, i) => (i % S > Math.floor(i / S) ? -1e9 : 0));
    const mask = tf.tensor2d(causal, [T, S]);
    const scale = 1 / Math.sqrt(32);
    useWasmElementwise(simd);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const y = run(FUSED_KERNELS.maskedSoftmax, { x, mask }, { scale }) as tf.Tensor;
    const dx = run(FUSED_KERNELS.maskedSoftmaxGrad, { dy, y }, { scale }) as tf.Tensor;
    const got = { y: await values(y), dx: await values(dx) };
    tf.dispose([y, dx]);
    expect(tf.memory().numTensors).toBe(before);
    const composed = (v: tf.Tensor) => tf.softmax(tf.add(tf.mul(v, scale), mask));
    expectClose(got.y, await on('cpu', () => composed(x)), 1e-7, 1e-5);
    expectClose(
      got.dx,
      await on('cpu', () => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(composed(v), dy)))(x)),
      1e-7,
      1e-4,
    );
    // Masked positions get exactly zero probability and zero gradient.
    const masked = [...causal.keys()].filter((i) => (causal[i] as number) < 0);
    expect(masked.every((i) => got.y.values[i] === 0 && got.dx.values[i] === 0)).toBe(true);
  });

  it('names a mask that does not fit the scores', async () => {
    useWasmElementwise(simd);
    await tf.setBackend('wasm');
    expect(() =>
      run(FUSED_KERNELS.maskedSoftmax, { x: tf.zeros([2, 4, 8]), mask: tf.zeros([8, 8]) }, { scale: 1 }),
    ).toThrow(/mask has shape \[8,8\], expected \[4, 8\]/);
  });
});

describe.each([
  ['the SIMD module', true],
  ['the JavaScript fallback', false],
])('the fused squared norm on wasm, through %s', (_, simd) => {
  it('equals Σ x² over every input on cpu, for sizes around the vector widths and an empty tensor', async () => {
    const rng = new Rng(17);
    const tensors = [[7], [8], [9], [3, 5], [0], [128, 33], [1]].map((shape) => randn(rng, shape));
    const inputs = Object.fromEntries(tensors.map((t, i) => [`g${i}`, t]));
    useWasmElementwise(simd);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const norm = run(FUSED_KERNELS.squaredNorm, inputs) as tf.Tensor;
    expect(norm.shape).toEqual([]);
    const got = await values(norm);
    norm.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const want = await on('cpu', () => tf.addN(tensors.map((t) => tf.sum(tf.square(t)))));
    expectClose(got, want, 0, 1e-6);
  });

  it('names an input that is not float32', async () => {
    useWasmElementwise(simd);
    await tf.setBackend('wasm');
    expect(() => run(FUSED_KERNELS.squaredNorm, { a: tf.zeros([2]), b: tf.zeros([2], 'int32') })).toThrow(
      /float32 tensors; b is int32/,
    );
  });
});

/** One Adam step from stock ops, as @makemore/trainer composes it. */
function composedAdam(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, a: AdamStepAttrs): tf.Tensor[] {
  const grad = a.l2 > 0 ? tf.add(g, tf.mul(p, a.l2)) : g;
  const m2 = tf.add(tf.mul(m, a.beta1), tf.mul(grad, 1 - a.beta1));
  const v2 = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(grad), 1 - a.beta2));
  const denom = tf.add(tf.div(tf.sqrt(v2), a.sqrtBias2), a.eps);
  const theta = a.decay !== 1 ? tf.mul(p, a.decay) : p;
  return [tf.sub(theta, tf.mul(tf.div(m2, denom), a.size)), m2, v2];
}

describe.each([
  ['the SIMD module', true],
  ['the JavaScript fallback', false],
])('the fused Adam step on wasm, through %s', (_, simd) => {
  const step = 3;
  const lr = 0.01;
  it.each([
    ['AdamW, decayed', 1001, { decay: 1 - lr * 0.1, l2: 0 }],
    ['AdamW, not decayed', 37, { decay: 1, l2: 0 }],
    ['Adam with L2', 6, { decay: 1, l2: 0.05 }],
  ] as const)(
    '%s (%i floats in two parameters): params, m and v equal the composed ops',
    async (_, n, decay) => {
      const rng = new Rng(n);
      const [p, g, m] = [randn(rng, [n]), randn(rng, [n]), tf.mul(randn(rng, [n]), 0.1)];
      const v = tf.square(tf.mul(randn(rng, [n]), 0.1));
      const a: AdamStepAttrs = {
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-8,
        size: lr / (1 - 0.9 ** step),
        sqrtBias2: Math.sqrt(1 - 0.95 ** step),
        ...decay,
      };
      // Two parameters whose moments lie back to back in m and v: the first third, and the rest as a matrix.
      const first = Math.floor(n / 3);
      const [p0, p1] = tf.split(p, [first, n - first]) as [tf.Tensor, tf.Tensor];
      const [g0, g1] = tf.split(g, [first, n - first]) as [tf.Tensor, tf.Tensor];
      useWasmElementwise(simd);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const inputs = { m, v, p0, g0, p1: tf.reshape(p1, [1, n - first]), g1: tf.reshape(g1, [1, n - first]) };
      const out = run(FUSED_KERNELS.adam, inputs, { ...a }) as tf.Tensor[];
      expect(out.map((t) => t.shape)).toEqual([[n], [n], [first], [1, n - first]]);
      const [mOut, vOut, ...pOuts] = await Promise.all(out.map(values));
      const got = [{ shape: [n], values: pOuts.flatMap((t) => t.values) }, mOut, vOut];
      tf.dispose([...out, inputs.p1, inputs.g1]);
      expect(tf.memory().numTensors).toBe(before);
      // Both paths round every operation to float32 in the composed order: equal to the ops on wasm.
      const onWasm = composedAdam(p, g, m, v, a);
      for (const [i, t] of onWasm.entries())
        expect(got[i]?.values, `output ${i}`).toEqual(Array.from(await t.data()));
      tf.dispose(onWasm);
      for (const i of [0, 1, 2]) {
        expectClose(
          got[i] as never,
          await on('cpu', () => composedAdam(p, g, m, v, a)[i] as tf.Tensor),
          1e-7,
          1e-6,
        );
      }
    },
  );

  it.each([
    ['clips (norm above maxNorm)', 8.5, 1],
    ['leaves the gradients (norm below maxNorm)', 0.75, 1],
  ] as const)('with a norm input, %s exactly as clipGradNorm then the step', async (_, norm, maxNorm) => {
    const n = 301;
    const rng = new Rng(5);
    const [p, g, m] = [randn(rng, [n]), randn(rng, [n]), tf.mul(randn(rng, [n]), 0.1)];
    const v = tf.square(tf.mul(randn(rng, [n]), 0.1));
    const a: AdamStepAttrs = {
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      size: 0.01 / (1 - 0.9 ** 2),
      sqrtBias2: Math.sqrt(1 - 0.95 ** 2),
      decay: 1 - 0.01 * 0.1,
      l2: 0,
    };
    useWasmElementwise(simd);
    await tf.setBackend('wasm');
    const normTensor = tf.scalar(norm);
    const before = tf.memory().numTensors;
    const out = run(
      FUSED_KERNELS.adam,
      { m, v, p0: p, g0: g, norm: normTensor },
      { ...a, maxNorm },
    ) as tf.Tensor[];
    const got = await Promise.all(out.map(values));
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before);
    // The trainer's composed clipping (clip.ts), then the composed step, on wasm: the same float32 values.
    const scaled = tf.mul(g, tf.minimum(tf.div(maxNorm, tf.add(normTensor, 1e-6)), 1));
    const [pWant, mWant, vWant] = composedAdam(p, scaled, m, v, a);
    for (const [i, t] of [mWant, vWant, pWant].entries())
      expect(got[i]?.values, `output ${i}`).toEqual(Array.from(await (t as tf.Tensor).data()));
    if (norm < maxNorm) expect(Array.from(await scaled.data())).toEqual(Array.from(await g.data()));
    tf.dispose([scaled, pWant, mWant, vWant, normTensor] as tf.Tensor[]);
  });

  it('names a missing attribute and a size mismatch', async () => {
    useWasmElementwise(simd);
    await tf.setBackend('wasm');
    const [p, g] = [tf.zeros([4]), tf.zeros([4])];
    expect(() =>
      run(
        FUSED_KERNELS.adam,
        { p0: p, g0: g, m: p, v: p, norm: tf.scalar(2) },
        {
          beta1: 0.9,
          beta2: 0.9,
          eps: 1e-8,
          size: 1,
          sqrtBias2: 1,
          decay: 1,
          l2: 0,
        },
      ),
    ).toThrow(/the input norm needs a number attribute maxNorm > 0/);
    expect(() => run(FUSED_KERNELS.adam, { p0: p, g0: g, m: p, v: p }, { beta1: 0.9 })).toThrow(
      /attribute beta2/,
    );
    expect(() => run(FUSED_KERNELS.adam, { p0: p, g0: tf.zeros([5]), m: p, v: p }, {})).toThrow(
      /g0 has shape \[5\], p0 \[4\]/,
    );
    expect(() => run(FUSED_KERNELS.adam, { p0: p, g0: g, m: tf.zeros([3]), v: p }, {})).toThrow(
      /m has 3 floats, the parameters 4/,
    );
  });
});

describe.each([
  ['the SIMD module', true],
  ['the JavaScript fallback', false],
])('the fused SGD step on wasm, through %s', (_, simd) => {
  it('equals param − grad·lr from stock ops bit for bit, and names a size mismatch', async () => {
    const rng = new Rng(23);
    const [p, g] = [randn(rng, [37]), randn(rng, [37])];
    useWasmElementwise(simd);
    await tf.setBackend('wasm');
    const next = run(FUSED_KERNELS.sgd, { param: p, grad: g }, { lr: 0.1 }) as tf.Tensor;
    const composed = tf.sub(p, tf.mul(g, 0.1));
    expect(Array.from(await next.data())).toEqual(Array.from(await composed.data()));
    tf.dispose([next, composed]);
    expect(() => run(FUSED_KERNELS.sgd, { param: p, grad: tf.zeros([3]) }, { lr: 0.1 })).toThrow(
      /grad has shape \[3\], param \[37\]/,
    );
  });
});

describe.each([
  ['the SIMD module', true],
  ['the JavaScript fallback', false],
])('the fused tanh gradient on wasm, through %s', (_, simd) => {
  it('equals dy·(1 − y²) from stock ops bit for bit, and names mismatched shapes', async () => {
    const rng = new Rng(31);
    const y = tf.tanh(randn(rng, [5, 7]));
    const dy = randn(rng, [5, 7]);
    useWasmElementwise(simd);
    await tf.setBackend('wasm');
    const dx = run(FUSED_KERNELS.tanhGrad, { dy, y }) as tf.Tensor;
    const composed = tf.mul(dy, tf.sub(1, tf.square(y)));
    expect(Array.from(await dx.data())).toEqual(Array.from(await composed.data()));
    tf.dispose([dx, composed]);
    expect(() => run(FUSED_KERNELS.tanhGrad, { dy: tf.zeros([35]), y })).toThrow(
      /dy has shape \[35\], y \[5,7\]/,
    );
  });
});

describe('the fused cross-entropy on wasm', () => {
  /** −Σ_valid log softmax(x)[t] / count from stock ops; targets outside [0, V) one-hot to zero rows. */
  const composed = (x: tf.Tensor, targets: tf.Tensor1D) => {
    const oneHot = tf.oneHot(targets, x.shape[1] as number, 1, 0, 'float32');
    return tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(x), oneHot))), tf.sum(oneHot));
  };

  it('gives the loss, the softmax and the gradient of the composed ops on cpu, skipping ignored targets', async () => {
    const rng = new Rng(29);
    const x = tf.mul(randn(rng, [9, 7]), 3);
    const targets = tf.tensor1d([0, 6, -1, 3, 7, 2, 2, 5, 1], 'int32'); // -1 and 7 are ignored
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const [loss, probs] = run(FUSED_KERNELS.crossEntropy, { logits: x, targets }) as tf.Tensor[];
    const dx = run(FUSED_KERNELS.crossEntropyGrad, {
      dy: tf.scalar(0.5),
      probs: probs as tf.Tensor,
      targets,
    });
    const got = await Promise.all([loss, probs, dx as tf.Tensor].map((t) => values(t as tf.Tensor)));
    tf.dispose([loss, probs, dx] as tf.Tensor[]);
    expect(tf.memory().numTensors).toBe(before + 1); // the dy scalar
    expect(got[0]?.shape).toEqual([]);
    expectClose(got[0] as never, await on('cpu', () => composed(x, targets)), 1e-6, 1e-6);
    expectClose(got[1] as never, await on('cpu', () => tf.softmax(x)), 1e-7, 1e-6);
    const grad = await on('cpu', () => tf.mul(tf.grad((v: tf.Tensor) => composed(v, targets))(x), 0.5));
    expectClose(got[2] as never, grad, 1e-7, 1e-5);
    // Ignored rows get no gradient at all.
    expect(got[2]?.values.slice(2 * 7, 3 * 7).every((v) => v === 0)).toBe(true);
  });

  it('is NaN when every target is ignored, as PyTorch, and names mismatched shapes', async () => {
    await tf.setBackend('wasm');
    const [loss] = run(FUSED_KERNELS.crossEntropy, {
      logits: tf.zeros([2, 3]),
      targets: tf.tensor1d([-1, 3], 'int32'),
    }) as tf.Tensor[];
    expect(Number.isNaN((await (loss as tf.Tensor).data())[0])).toBe(true);
    expect(() =>
      run(FUSED_KERNELS.crossEntropy, { logits: tf.zeros([2, 3]), targets: tf.zeros([3], 'int32') }),
    ).toThrow(/expected logits \[N, V\] and targets \[N\], got \[2,3\] and \[3\]/);
    expect(() =>
      run(FUSED_KERNELS.crossEntropy, { logits: tf.zeros([2, 3]), targets: tf.zeros([2]) }),
    ).toThrow(/int32 tensors; targets is float32/);
  });
});

describe('the fused kernels as a repair', () => {
  it('are registered on wasm only, and removed with the other repairs', async () => {
    for (const name of Object.values(FUSED_KERNELS)) {
      expect(tf.getKernel(name, 'wasm')).toBeDefined();
      expect(tf.getKernel(name, 'cpu')).toBeUndefined();
    }
    uninstallWasmRepairs();
    try {
      for (const name of Object.values(FUSED_KERNELS)) expect(tf.getKernel(name, 'wasm')).toBeUndefined();
    } finally {
      installWasmRepairs();
    }
    expect(wasmRepairState().fused).toBe(true);
  });
});
