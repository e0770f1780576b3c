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
import { Adam, AdamW, MAX_FLAT_GROUP_FLOATS } from './adam';
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

describe('AdamW over parameters larger than one flat group', () => {
  it('updates in groups of at most MAX_FLAT_GROUP_FLOATS floats, element for element as one tensor at a time', async () => {
    // Three matrices whose sum is over the cap: the flat update must cut them into groups, and the numbers
    // must be the ones a per-tensor update gives (AdamW steps are elementwise).
    const n = Math.ceil(MAX_FLAT_GROUP_FLOATS / 2) + 1;
    const make = () =>
      new Map<string, Variable>(
        ['a', 'b', 'c'].map((name, k) => [
          name,
          tf.variable(
            tf.tidy(() =>
              tf.reshape(tf.add(tf.mul(tf.range(0, n, 1, 'float32'), 1e-6 * (k + 1)), 0.5), [1, n]),
            ),
          ),
        ]),
      );
    const grad = () =>
      new Map(['a', 'b', 'c'].map((name, k) => [name, tf.tidy(() => tf.fill([1, n], 0.1 * (k + 1)))]));
    const together = make();
    const alone = make();
    const opt = new AdamW(together, { lr: 0.01, weightDecay: 0.1, decay: () => true });
    const separate = [...alone].map(
      ([name, v]) => new AdamW(new Map([[name, v]]), { lr: 0.01, weightDecay: 0.1, decay: () => true }),
    );
    for (let step = 0; step < 2; step++) {
      const g = grad();
      opt.step(g);
      for (const [i, o] of separate.entries()) {
        const name = ['a', 'b', 'c'][i] as string;
        o.step(new Map([[name, g.get(name) as tf.Tensor]]));
      }
      tf.dispose([...g.values()]);
    }
    const g = grad();
    const before = tf.memory().numBytes;
    const profile = await tf.profile(() => opt.step(g));
    // A step holds new moments and parameters for one group at a time (here one 4 M-float tensor: 3 × 16 MB
    // more), not for all three tensors at once (3 × 50 MB), and leaves nothing behind.
    const total = 3 * n * 4;
    expect(profile.peakBytes - before).toBeLessThan(2 * total);
    expect(tf.memory().numBytes).toBe(before);
    for (const [i, o] of separate.entries()) {
      const name = ['a', 'b', 'c'][i] as string;
      o.step(new Map([[name, g.get(name) as tf.Tensor]]));
    }
    tf.dispose([...g.values()]);
    for (const name of ['a', 'b', 'c']) {
      const x = together.get(name)?.dataSync() as Float32Array;
      const y = alone.get(name)?.dataSync() as Float32Array;
      for (const i of [0, 1, n >> 1, n - 1]) expect(x[i]).toBe(y[i]);
    }
    // The exported state is per tensor whatever the grouping.
    expect(Object.keys(opt.getState().tensors).sort()).toEqual(
      ['exp_avg.a', 'exp_avg.b', 'exp_avg.c', 'exp_avg_sq.a', 'exp_avg_sq.b', 'exp_avg_sq.c'].sort(),
    );
  });
});
