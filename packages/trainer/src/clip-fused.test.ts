/**
 * The global gradient norm on a backend with the fused `MakemoreSquaredNorm` kernel (@makemore/backend's
 * wasm): one kernel instead of a Square and a Sum per gradient, and the same norm as on cpu.
 */
import '@tensorflow/tfjs-backend-cpu';
import { useBestBackend } from '@makemore/backend/node';
import { FUSED_KERNEL_NAMES } from '@makemore/models';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipGradNorm, globalNorm } from './clip';
import { AdamW } from './optim/adam';

beforeAll(async () => {
  await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const rng = new Rng(3);
const randn = (shape: number[]) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    shape,
  );

describe('globalNorm with the fused squared norm', () => {
  it('runs one kernel on wasm and equals the composed norm on cpu', async () => {
    const grads = new Map([
      ['w', randn([30, 17])],
      ['b', randn([17])],
      ['e', randn([5, 3])],
    ]);
    await tf.setBackend('wasm');
    const profile = await tf.profile(() => globalNorm(grads));
    const kernels = profile.kernels.map((k) => k.name);
    expect(kernels).toContain(FUSED_KERNEL_NAMES.squaredNorm);
    expect(kernels).not.toContain('Square');
    const fused = globalNorm(grads);
    const got = (await fused.data())[0] as number;
    await tf.setBackend('cpu');
    const want = (await globalNorm(grads).data())[0] as number;
    expect(Math.abs(got - want) / want).toBeLessThan(1e-6);
    // Clipping scales by maxNorm / norm with the fused norm too.
    await tf.setBackend('wasm');
    const { grads: clipped, norm } = clipGradNorm(grads, want / 2);
    expect((await globalNorm(clipped).data())[0]).toBeCloseTo(want / 2, 4);
    tf.dispose([fused, norm, ...clipped.values()]);
  });
});

describe('AdamW.stepClipped: clipping inside the fused update', () => {
  /** Two AdamW optimizers over equal copies of three parameters, with gradients whose norm is `scale`. */
  function pair(gradScale: number) {
    const shapes = [[30, 17], [17], [5, 3]];
    const init = shapes.map(randn);
    const make = () =>
      new Map(init.map((t, i) => [['w', 'b', 'e'][i] as string, tf.variable(t.clone(), true)] as const));
    const [a, b] = [make(), make()];
    const grads = new Map(
      [...a.keys()].map((name, i) => [name, tf.mul(randn(shapes[i] as number[]), gradScale)]),
    );
    const opts = { lr: 0.01, betas: [0.9, 0.95] as [number, number], weightDecay: 0.1 };
    return { a, b, grads, optA: new AdamW(a, opts), optB: new AdamW(b, opts) };
  }

  it.each([
    ['wasm', 3],
    ['wasm', 0.01],
    ['cpu', 3],
  ] as const)(
    'on %s (gradients ×%f) equals clipGradNorm then step, for two steps',
    async (backend, gradScale) => {
      await tf.setBackend(backend);
      const { a, b, grads, optA, optB } = pair(gradScale);
      for (let step = 0; step < 2; step++) {
        const norm = globalNorm(grads);
        optA.stepClipped(grads, norm, 1);
        const clipped = clipGradNorm(grads, 1);
        optB.step(clipped.grads);
        tf.dispose([norm, clipped.norm, ...clipped.grads.values()]);
      }
      for (const name of a.keys())
        expect(Array.from(await a.get(name)!.data()), name).toEqual(Array.from(await b.get(name)!.data()));
      if (backend === 'wasm') {
        // The clipping's Div, Minimum and Muls are gone: one fused kernel per parameter group.
        const norm = globalNorm(grads);
        const kernels = (await tf.profile(() => optA.stepClipped(grads, norm, 1))).kernels.map((k) => k.name);
        expect(kernels).toContain(FUSED_KERNEL_NAMES.adam);
        expect(kernels).not.toContain('Minimum');
        expect(kernels).not.toContain('Mul');
        norm.dispose();
      }
      optA.dispose();
      optB.dispose();
      tf.dispose([...a.values(), ...b.values(), ...grads.values()]);
    },
  );
});
