/**
 * `gelu` and `layerNorm` on a backend with fused kernels (@makemore/backend's wasm) take them, and give
 * the values and gradients of the composed ops; on a backend without them (cpu) they compose.
 */
import '@tensorflow/tfjs-backend-cpu';
import { FUSED_KERNELS as DECLARED_NAMES } from '@makemore/backend/fused-kernels';
import { FUSED_KERNELS, useBestBackend } from '@makemore/backend/node';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeluKind, gelu } from './activations';
import { crossEntropy } from './cross-entropy';
import { createModel } from '../create-model';
import { canFuse, FUSED_KERNEL_NAMES } from './fused-kernels';
import { layerNorm } from './layer-norm';
import { maskedSoftmax } from './masked-softmax';
import { multiHeadAttention } from './attention';

beforeAll(async () => {
  await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

function randn(seed: number, shape: number[]): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

/** Values of `f`'s output and of its gradients with respect to `inputs`, and the kernels it ran. */
async function valueAndGrads(backend: string, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]) {
  await tf.setBackend(backend);
  const dy = randn(99, f(...inputs).shape);
  const loss = (...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), dy));
  let out: number[][] = [];
  const profile = await tf.profile(async () => {
    const value = f(...inputs);
    const grads = tf.grads(loss)(inputs);
    out = await Promise.all([value, ...grads].map(async (t) => Array.from(await t.data())));
    tf.dispose([value, ...grads]);
  });
  return { out, kernels: new Set(profile.kernels.map((k) => k.name)) };
}

function expectNear(actual: number[][], expected: number[][], atol: number): void {
  expect(actual.length).toBe(expected.length);
  for (const [i, want] of expected.entries()) {
    const got = actual[i] as number[];
    const worst = Math.max(...want.map((w, j) => Math.abs((got[j] as number) - w) / (1 + Math.abs(w))));
    expect(worst, `output ${i}`).toBeLessThan(atol);
  }
}

describe('fused kernels', () => {
  it('take their names from @makemore/backend, where they are declared once', () => {
    // The same object, not a copy: a second list here could drift from the kernels backend registers.
    expect(FUSED_KERNEL_NAMES).toBe(DECLARED_NAMES);
    expect(FUSED_KERNEL_NAMES).toEqual(FUSED_KERNELS);
  });

  it.each(['erf', 'tanh'] as GeluKind[])(
    'gelu (%s) runs fused on wasm and matches the composed ops on cpu',
    async (kind) => {
      const x = tf.mul(randn(1, [4, 6, 10]), 2);
      const f = (v: tf.Tensor) => gelu(v, kind);
      const wasm = await valueAndGrads('wasm', f, [x]);
      const cpu = await valueAndGrads('cpu', f, [x]);
      expect(wasm.kernels).toContain(FUSED_KERNELS.gelu);
      expect(wasm.kernels).toContain(FUSED_KERNELS.geluGrad);
      expect(cpu.kernels).not.toContain(FUSED_KERNELS.gelu);
      expectNear(wasm.out, cpu.out, 1e-5);
    },
  );

  it.each([true, false])(
    'layerNorm (bias %s) runs fused on wasm and matches the composed ops on cpu',
    async (hasBias) => {
      const x = tf.add(tf.mul(randn(2, [3, 5, 16]), 3), 1);
      const w = tf.add(randn(3, [16]), 1);
      const b = randn(4, [16]);
      const f = (...v: tf.Tensor[]) =>
        layerNorm(v[0] as tf.Tensor, v[1] as tf.Tensor, hasBias ? (v[2] as tf.Tensor) : null);
      const inputs = hasBias ? [x, w, b] : [x, w];
      const wasm = await valueAndGrads('wasm', f, inputs);
      const cpu = await valueAndGrads('cpu', f, inputs);
      expect(wasm.kernels).toContain(FUSED_KERNELS.layerNorm);
      expect(wasm.kernels).toContain(FUSED_KERNELS.layerNormGrad);
      expect(cpu.kernels).not.toContain(FUSED_KERNELS.layerNorm);
      expectNear(wasm.out, cpu.out, 1e-4);
    },
  );

  it('maskedSoftmax runs fused on wasm and matches the composed ops on cpu', async () => {
    const scores = tf.mul(randn(5, [2, 3, 8, 8]), 3);
    const mask = tf.tensor2d(
      Float32Array.from({ length: 64 }, (_, i) => (i % 8 > Math.floor(i / 8) ? -1e9 : 0)),
      [8, 8],
    );
    const f = (v: tf.Tensor) => maskedSoftmax(v, mask, 0.25);
    const wasm = await valueAndGrads('wasm', f, [scores]);
    const cpu = await valueAndGrads('cpu', f, [scores]);
    expect(wasm.kernels).toContain(FUSED_KERNELS.maskedSoftmax);
    expect(wasm.kernels).toContain(FUSED_KERNELS.maskedSoftmaxGrad);
    expect(cpu.kernels).not.toContain(FUSED_KERNELS.maskedSoftmax);
    expectNear(wasm.out, cpu.out, 1e-5);
  });

  it('multiHeadAttention runs fused on wasm and matches the composed ops on cpu, values and gradients', async () => {
    const [B, T, E, H] = [3, 10, 24, 3];
    const qkv = randn(7, [B, T, 3 * E]);
    const mask = tf.tensor2d(
      Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)),
      [T, T],
    );
    const f = (v: tf.Tensor) => multiHeadAttention(v, mask, H);
    const wasm = await valueAndGrads('wasm', f, [qkv]);
    const cpu = await valueAndGrads('cpu', f, [qkv]);
    expect(wasm.kernels).toContain(FUSED_KERNELS.attention);
    expect(wasm.kernels).toContain(FUSED_KERNELS.attentionGrad);
    expect(wasm.kernels).not.toContain('Transpose');
    expect(cpu.kernels).not.toContain(FUSED_KERNELS.attention);
    expectNear(wasm.out, cpu.out, 1e-5);
    // Attention dropout keeps the composed ops, which apply it to the probabilities.
    await tf.setBackend('wasm');
    const profile = await tf.profile(() => multiHeadAttention(qkv, mask, H, (p) => tf.mul(p, 0)));
    expect(profile.kernels.map((k) => k.name)).not.toContain(FUSED_KERNELS.attention);
    expect(Array.from(await (profile.result as tf.Tensor).data()).every((v) => v === 0)).toBe(true);
  });

  it('crossEntropy runs fused on wasm and matches the composed ops on cpu, with an ignore index', async () => {
    const logits = tf.mul(randn(6, [2, 5, 7]), 2);
    const targets = tf.tensor2d([0, 6, 3, 3, 1, 2, 3, 4, 5, 6], [2, 5], 'int32');
    const f = (v: tf.Tensor) => crossEntropy(v, targets, { ignoreIndex: 3 });
    const wasm = await valueAndGrads('wasm', f, [logits]);
    const cpu = await valueAndGrads('cpu', f, [logits]);
    expect(wasm.kernels).toContain(FUSED_KERNELS.crossEntropy);
    expect(wasm.kernels).toContain(FUSED_KERNELS.crossEntropyGrad);
    expect(cpu.kernels).not.toContain(FUSED_KERNELS.crossEntropy);
    expectNear(wasm.out, cpu.out, 1e-5);
  });

  it("the MLP's hand-written backward pass runs the tanh-gradient and cross-entropy kernels on wasm", async () => {
    const model = createModel({ type: 'mlp', vocabSize: 9, blockSize: 3, nEmbd: 4, nHidden: 16, seed: 3 });
    const idx = tf.tensor2d([1, 2, 3, 0, 0, 5, 8, 7, 6, 2, 2, 2], [4, 3], 'int32');
    const targets = tf.tensor1d([4, 0, 8, 1], 'int32');
    const params = [...model.parameters().values()];
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      let out: number[][] = [];
      const profile = await tf.profile(async () => {
        const { value, grads } = tf.variableGrads(() => model.loss(idx, targets), params);
        out = await Promise.all(
          [value, ...params.map((p) => grads[p.name] as tf.Tensor)].map(async (t) =>
            Array.from(await t.data()),
          ),
        );
        tf.dispose([value, ...Object.values(grads)]);
      });
      return { out, kernels: new Set(profile.kernels.map((k) => k.name)) };
    };
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    expect(wasm.kernels).toContain(FUSED_KERNELS.tanhGrad);
    expect(wasm.kernels).toContain(FUSED_KERNELS.crossEntropy);
    expect(cpu.kernels).not.toContain(FUSED_KERNELS.tanhGrad);
    expectNear(wasm.out, cpu.out, 1e-5);
  });

  it('canFuse takes one tensor or several, and needs every one float32', async () => {
    await tf.setBackend('wasm');
    const [f, i] = [tf.zeros([2]), tf.zeros([2], 'int32')];
    expect(canFuse(f, FUSED_KERNEL_NAMES.adam)).toBe(true);
    expect(canFuse([f, f], FUSED_KERNEL_NAMES.adam, FUSED_KERNEL_NAMES.sgd)).toBe(true);
    expect(canFuse([f, i], FUSED_KERNEL_NAMES.adam)).toBe(false);
    expect(canFuse([f], 'NoSuchKernel')).toBe(false);
    await tf.setBackend('cpu');
    expect(canFuse([f, f], FUSED_KERNEL_NAMES.adam)).toBe(false);
  });

  it('leave int32 inputs and other backends to the composed ops', async () => {
    await tf.setBackend('wasm');
    const profile = await tf.profile(() => gelu(tf.tensor1d([1, -2, 3], 'int32'), 'erf'));
    expect(profile.kernels.map((k) => k.name)).not.toContain(FUSED_KERNELS.gelu);
  });
});
