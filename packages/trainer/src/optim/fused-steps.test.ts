/**
 * Adam, AdamW and plain SGD on a backend with the fused `MakemoreAdam` and `MakemoreSgd` kernels (@makemore/backend's wasm): the kernel
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
import { SGD } from './sgd';

beforeAll(async () => {
  await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const shapes: Record<string, number[]> = { 'h.0.w': [6, 5], 'h.0.b': [5], wte: [7, 3], 'ln_f.weight': [3] };

/** Three steps of `make`'s optimizer from seeded parameters and gradients: every parameter and moment. */
async function train(make: (p: Map<string, Variable>) => Adam | AdamW | SGD, fused: boolean, kernel: string) {
  const config = tf.getKernel(kernel, 'wasm');
  expect(config).toBeDefined();
  if (!fused) tf.unregisterKernel(kernel, 'wasm');
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

describe('the fused optimizer steps', () => {
  it.each([
    [
      'AdamW',
      FUSED_KERNEL_NAMES.adam,
      (p: Map<string, Variable>) => new AdamW(p, { lr: 0.01, weightDecay: 0.1 }),
    ],
    [
      'Adam with L2',
      FUSED_KERNEL_NAMES.adam,
      (p: Map<string, Variable>) => new Adam(p, { lr: 0.01, weightDecay: 0.05, betas: [0.8, 0.99] }),
    ],
    ['plain SGD', FUSED_KERNEL_NAMES.sgd, (p: Map<string, Variable>) => new SGD(p, { lr: 0.1 })],
  ])('%s on wasm runs the kernel and equals the composed ops bit for bit', async (_, kernel, make) => {
    await tf.setBackend('wasm');
    const fused = await train(make, true, kernel);
    const composed = await train(make, false, kernel);
    expect(fused.kernels).toContain(kernel);
    expect(composed.kernels).not.toContain(kernel);
    expect(fused.params).toEqual(composed.params);
    expect(fused.moments).toEqual(composed.moments);
  });
});
