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
