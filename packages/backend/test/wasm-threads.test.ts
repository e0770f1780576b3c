import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it, vi } from 'vitest';
import { FUSED_KERNELS } from '../src/fused-kernels';
import { registerThreadedWasm, useBestBackend } from '../src/node';
import type { WasmBackendInternals } from '../src/wasm/heap';
import { useWasmGemmThreads, wasmGemm } from '../src/wasm/gemm/gemm';
import { wasmElementwise } from '../src/wasm/simd/elementwise';
import { expectClose, on, randn } from './helpers';

describe('multi-threaded wasm in Node', () => {
  it('runs with 2 threads on this machine, leaving globals and process listeners as they were', async () => {
    const hadWorker = 'Worker' in globalThis;
    const listeners = ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
    const choice = await useBestBackend({ prefer: 'wasm', threads: 2, onNotice: () => {} });
    expect(choice.backend).toBe('wasm');
    expect(choice.threads).toBe(2);
    expect(getThreadsCount()).toBe(2);
    expect(choice.reason).toContain('2 threads');
    expect('Worker' in globalThis).toBe(hadWorker);
    expect(['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e))).toEqual(
      listeners,
    );
  });

  it('computes the same matmuls and embedding gradients as cpu', async () => {
    const rng = new Rng(7);
    const a = randn(rng, [96, 128]);
    const w = randn(rng, [128, 80]);
    const q = randn(rng, [6, 32, 16]);
    const k = randn(rng, [6, 32, 16]);
    for (const f of [
      () => tf.matMul(a, w),
      () => tf.matMul(a, a, true, false),
      () => tf.matMul(q, k, false, true),
    ]) {
      expectClose(await on('wasm', f), await on('cpu', f), 1e-3, 1e-4);
    }
    const table = randn(rng, [27, 16]);
    const idx = tf.tensor1d([3, 1, 3, 26, 0], 'int32');
    const grad = () => tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, idx))))(table);
    expectClose(await on('wasm', grad), await on('cpu', grad), 1e-5, 1e-5);
  });

  it('splits large products over our gemm helper thread, bit for bit the one-thread result and close to cpu', async () => {
    const backend = tf.findBackend('wasm') as unknown as WasmBackendInternals;
    // The C++ side's own count, on the backend's module.
    const module = backend.wasm as unknown as { tfjs: { getThreadsCount(): number } };
    expect(module.tfjs.getThreadsCount()).toBe(2);
    const helpers = wasmGemm(backend)?.helpers;
    expect(helpers?.count).toBe(1);
    const split = vi.spyOn(helpers!, 'run');
    const rng = new Rng(8);
    // 160·192·160 ≈ 4.9M multiply-adds per product: its rows are shared out. 160 is not a multiple of the
    // 6-row tile, so the last rows of each share go through the remainder kernels.
    const a = randn(rng, [160, 192]);
    const b = randn(rng, [192, 160]);
    const bias = randn(rng, [160]);
    // 40 attention-sized entries of 64·64·32 (131k multiply-adds each): the entries are shared out.
    const q = randn(rng, [40, 64, 32]);
    const k = randn(rng, [40, 64, 32]);
    const broadcastB = randn(rng, [1, 64, 32]);
    for (const f of [
      () => tf.matMul(a, b),
      () => tf.matMul(a, b, true, true),
      () => tf.matMul(a, a, true, false),
      () => tf.matMul(tf.reshape(a, [2, 80, 192]), b),
      () => tf.matMul(tf.reshape(a, [2, 80, 192]), tf.stack([b, b])),
      () => tf.fused.matMul({ a, b, bias, activation: 'relu' }),
      () => tf.fused.matMul({ a, b: a, transposeB: true, bias: tf.reshape(bias, [160, 1]) }),
      () => tf.matMul(q, k, false, true),
      () => tf.matMul(q, k, true, false),
      () => tf.matMul(q, broadcastB, false, true),
    ]) {
      useWasmGemmThreads(false);
      const oneThread = await on('wasm', f);
      useWasmGemmThreads(true);
      const calls = split.mock.calls.length;
      const shared = await on('wasm', f);
      expect(split.mock.calls.length).toBeGreaterThan(calls);
      expect(shared.values).toEqual(oneThread.values);
      expectClose(shared, await on('cpu', f), 1e-3, 1e-4);
    }
    split.mockRestore();
    tf.dispose([a, b, bias, q, k, broadcastB]);
  });

  it('splits the fused attention over the helper thread, bit for bit the one-thread result', async () => {
    const helpers = wasmGemm(tf.findBackend('wasm') as unknown as WasmBackendInternals)?.helpers;
    const split = vi.spyOn(helpers!, 'run');
    const rng = new Rng(9);
    // The baby GPT's attention: 12 × 4 heads of 64 × 32, read in place from qkv and written in place.
    const qkv = randn(rng, [12, 64, 384]);
    const dy = randn(rng, [12, 64, 128]);
    const mask = tf.tensor2d(
      Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 64 > i / 64 ? -1e9 : 0)),
      [64, 64],
    );
    const attrs = { heads: 4, scale: 1 / Math.sqrt(32) };
    const both = async () => {
      const [y, probs] = tf.engine().runKernel(FUSED_KERNELS.attention, { qkv, mask }, attrs) as tf.Tensor[];
      const dqkv = tf
        .engine()
        .runKernel(FUSED_KERNELS.attentionGrad, { dy, qkv, probs: probs! }, attrs) as tf.Tensor;
      const out = await Promise.all([y!, probs!, dqkv].map(async (t) => Array.from(await t.data())));
      tf.dispose([y!, probs!, dqkv]);
      return out;
    };
    await tf.setBackend('wasm');
    useWasmGemmThreads(false);
    const oneThread = await both();
    useWasmGemmThreads(true);
    const calls = split.mock.calls.length;
    const shared = await both();
    // Two products forward and four backward, each shared out by heads.
    expect(split.mock.calls.length - calls).toBe(6);
    expect(shared).toEqual(oneThread);
    split.mockRestore();
    tf.dispose([qkv, dy, mask]);
  });

  it('stops the helper threads with the backend', async () => {
    const helpers = wasmGemm(tf.findBackend('wasm') as unknown as WasmBackendInternals)?.helpers;
    const stop = vi.spyOn(helpers!, 'dispose');
    // Registering again replaces (and disposes) the wasm backend; the old helpers hold its memory.
    await registerThreadedWasm(2);
    expect(stop).toHaveBeenCalledTimes(1);
    await tf.setBackend('wasm');
    const fresh = wasmGemm(tf.backend() as unknown as WasmBackendInternals)?.helpers;
    expect(fresh?.count).toBe(1);
    expect(fresh).not.toBe(helpers);
  });

  it('runs Exp, Tanh and Erf on the shared-memory variant of our SIMD module, equal to cpu', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as WasmBackendInternals;
    expect(backend.wasm.HEAPU8.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(wasmElementwise(backend)).not.toBeNull();
    const x = tf.mul(randn(new Rng(8), [33, 17]), 3);
    expectClose(await on('wasm', () => tf.exp(x)), await on('cpu', () => tf.exp(x)), 0, 2 ** -22);
    expectClose(await on('wasm', () => tf.tanh(x)), await on('cpu', () => tf.tanh(x)), 0, 2 ** -21);
    expectClose(await on('wasm', () => tf.erf(x)), await on('cpu', () => tf.erf(x)), 2e-7, 0);
  });

  it('lets a process that used the threaded backend exit by itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'makemore-threads-exit-'));
    try {
      const module = fileURLToPath(new URL('../src/node/wasm-threads.ts', import.meta.url));
      const repairs = fileURLToPath(new URL('../src/wasm/repairs.ts', import.meta.url));
      const script = join(dir, 'run.mts');
      writeFileSync(
        script,
        [
          "import { createRequire } from 'node:module';",
          // Resolve tfjs-core from this package, as the module under test does.
          `const tf = createRequire(${JSON.stringify(module)})('@tensorflow/tfjs-core');`,
          `import { registerThreadedWasm } from ${JSON.stringify(module)};`,
          `import { installWasmRepairs } from ${JSON.stringify(repairs)};`,
          'await registerThreadedWasm(2);',
          "await tf.setBackend('wasm');",
          'installWasmRepairs();',
          // 256³ multiply-adds: split over our gemm's helper thread, which must not keep the process alive.
          'console.log(tf.sum(tf.matMul(tf.ones([256, 256]), tf.ones([256, 256]))).dataSync()[0]);',
          // The helper count of the gemm that did it (its instances are kept per Emscripten module).
          "const gemms = globalThis[Symbol.for('@makemore/backend:wasmGemm')];",
          'console.log(gemms.get(tf.backend().wasm).helpers.count);',
        ].join('\n'),
      );
      const packageDir = fileURLToPath(new URL('..', import.meta.url));
      const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
        cwd: packageDir,
        encoding: 'utf8',
        timeout: 45_000,
      });
      expect(run.signal, run.stderr).toBeNull();
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim().split('\n')).toEqual([String(256 * 256 * 256), '1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a thread count the build cannot give', async () => {
    await expect(registerThreadedWasm(0)).rejects.toThrow('threads must be an integer from 1 to 8, got 0');
    await expect(registerThreadedWasm(9)).rejects.toThrow(/from 1 to 8, got 9/);
  });
});
