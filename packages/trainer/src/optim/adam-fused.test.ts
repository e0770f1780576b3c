/**
 * Adam and AdamW on a backend with the fused `MakemoreAdam` kernel (@makemore/backend's wasm): the kernel
 * runs, and the parameters and moments after several steps are the composed ops' bit for bit.
 */
import '@tensorflow/tfjs-backend-cpu';
import { useBestBackend } from '@makemore/backend/node';
import { FUSED_KERNEL_NAMES } from '@makemore/models';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, AdamW } from './adam';

beforeAll(async () => {
  await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const shapes: Record<string, number[]> = { 'h.0.w': [6, 5], 'h.0.b': [5], wte: [7, 3], 'ln_f.weight': [3] };

/** Three steps of `make`'s optimizer from seeded parameters and gradients: every parameter and moment. */
async function train(make: (p: Map<string, Variable>) => Adam | AdamW, fused: boolean) {
  const config = tf.getKernel(FUSED_KERNEL_NAMES.adam, 'wasm');
  expect(config).toBeDefined();
  if (!fused) tf.unregisterKernel(FUSED_KERNEL_NAMES.adam, 'wasm');
  try {
    const rng = new Rng(5);
    const randn = (shape: number[]) =>
      tf.tensor(
        Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
        shape,
      );
    const params = new Map(Object.entries(shapes).map(([name, shape]) => [name, tf.variable(randn(shape))]));
    const opt = make(params);
    const profile = await tf.profile(() => {
      for (let step = 0; step < 3; step++) {
        const grads = new Map([...params].map(([name, p]) => [name, randn(p.shape)]));
        opt.step(grads);
        tf.dispose([...grads.values()]);
      }
    });
    const state = opt.getState();
    const out = {
      params: Object.fromEntries([...params].map(([name, p]) => [name, Array.from(p.dataSync())])),
      moments: Object.fromEntries(
        Object.entries(state.tensors).map(([name, t]) => [name, Array.from(t.dataSync())]),
      ),
      kernels: new Set(profile.kernels.map((k) => k.name)),
    };
    opt.dispose();
    tf.dispose([...params.values()]);
    return out;
  } finally {
    if (!fused && config) tf.registerKernel(config);
  }
}

describe('the fused Adam step', () => {
  it.each([
    ['AdamW', (p: Map<string, Variable>) => new AdamW(p, { lr: 0.01, weightDecay: 0.1 })],
    [
      'Adam with L2',
      (p: Map<string, Variable>) => new Adam(p, { lr: 0.01, weightDecay: 0.05, betas: [0.8, 0.99] }),
    ],
  ])('%s on wasm runs the kernel and equals the composed ops bit for bit', async (_, make) => {
    await tf.setBackend('wasm');
    const fused = await train(make, true);
    const composed = await train(make, false);
    expect(fused.kernels).toContain(FUSED_KERNEL_NAMES.adam);
    expect(composed.kernels).not.toContain(FUSED_KERNEL_NAMES.adam);
    expect(fused.params).toEqual(composed.params);
    expect(fused.moments).toEqual(composed.moments);
  });
});
