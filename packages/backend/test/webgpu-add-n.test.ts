/**
 * The chunked AddN that repairs tfjs-backend-webgpu (src/webgpu/add-n.ts). There is no GPU where these
 * tests run, so the chunking is checked around the cpu backend's real AddN kernel with small input limits;
 * the repository's bench/webgpu/webgpu-node.ts checks the installed repair on a real WebGPU device
 * (BENCHMARKS.md has the runs).
 */
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import '../src/gradients';
import { addNInputLimit, chunkedAddN, installWebGpuRepairs } from '../src/webgpu/add-n';
import { randn } from './helpers';

const stockCpuAddN = tf.getKernel('AddN', 'cpu')!;

/** cpu's AddN, wrapped to take at most `limit` inputs per call and to record each call's input count. */
function useChunkedCpuAddN(limit: number): number[] {
  const calls: number[] = [];
  const counting: tf.KernelFunc = (args) => {
    calls.push((args.inputs as unknown as tf.TensorInfo[]).length);
    return stockCpuAddN.kernelFunc(args);
  };
  tf.unregisterKernel('AddN', 'cpu');
  tf.registerKernel({ ...stockCpuAddN, kernelFunc: chunkedAddN(counting, () => limit) });
  return calls;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  tf.unregisterKernel('AddN', 'cpu');
  tf.registerKernel(stockCpuAddN);
});

describe('chunked AddN', () => {
  it('sums any number of inputs with no call over the limit, and frees its partial sums', async () => {
    const rng = new Rng(5);
    for (const limit of [2, 3, 7]) {
      const calls = useChunkedCpuAddN(limit);
      for (const count of [1, 2, 3, 7, 8, 9, 15, 27, 50]) {
        const inputs = Array.from({ length: count }, () => randn(rng, [3, 4]));
        const want = inputs.map((t) => t.arraySync() as number[][]);
        const before = tf.engine().backend.numDataIds();
        const sum = tf.addN(inputs);
        // Only the output is new: the partial sums were disposed on the backend.
        expect(tf.engine().backend.numDataIds()).toBe(before + 1);
        const got = (await sum.array()) as number[][];
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 4; j++) {
            const exact = want.reduce((s, t) => s + t[i]![j]!, 0);
            expect(got[i]![j]!).toBeCloseTo(exact, 4);
          }
        }
        tf.dispose([sum, ...inputs]);
      }
      expect(calls.length).toBeGreaterThan(0);
      expect(Math.max(...calls)).toBeLessThanOrEqual(limit);
    }
  });

  it('leaves the gradient of addN intact', () => {
    useChunkedCpuAddN(3);
    const xs = Array.from({ length: 10 }, (_, i) => tf.scalar(i + 1));
    const grads = tf.grads((...args: tf.Tensor[]) => tf.square(tf.addN(args)))(xs);
    // d/dx_i (Σx)² = 2·Σx = 110 for every input.
    for (const g of grads) expect(g.dataSync()[0]).toBeCloseTo(110, 4);
    tf.dispose([...xs, ...grads]);
  });

  it("takes the limit from the device: WebGPU's default 8 storage buffers leave 7 inputs", () => {
    const disposeData = () => true;
    expect(addNInputLimit({ disposeData })).toBe(7);
    expect(addNInputLimit({ device: { limits: { maxStorageBuffersPerShaderStage: 16 } }, disposeData })).toBe(
      15,
    );
  });

  it('installWebGpuRepairs() does nothing without the webgpu backend', () => {
    expect(tf.getKernel('AddN', 'webgpu')).toBeUndefined();
    expect(installWebGpuRepairs()).toBe(false);
  });
});
