import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { nextGeneration, startGemmHelpers } from '../src/node/gemm-threads';
import { enableRelaxedSimd } from '../src/node/relaxed-simd';
import { GEMM_WASM_PLAIN, GEMM_WASM_SHARED } from '../src/wasm/gemm/binary';
import { GEMM_CALL_WORDS, type GemmEntry, WasmGemm } from '../src/wasm/gemm/gemm';
import type { EmscriptenModule } from '../src/wasm/simd/instantiate';

const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/** The gemm module on a fresh shared memory, with a bump allocator standing in for the backend's. */
function sharedGemm(pages = 64) {
  enableRelaxedSimd();
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const compiled = new WebAssembly.Module(decode(GEMM_WASM_SHARED));
  const exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports;
  let top = 1 << 20;
  const module = {
    HEAPU8: new Uint8Array(memory.buffer),
    _malloc: (bytes: number) => {
      const address = top;
      top += (bytes + 15) & ~15;
      return address;
    },
    _free: () => {},
  } as unknown as EmscriptenModule;
  return { memory, compiled, exports, module };
}

/** C = A·B in float64, A m × k and B k × n row-major. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) c[i * n + j]! += a[i * k + p]! * b[p * n + j]!;
  return c;
}

describe('gemm helper threads', () => {
  it('split a product between threads with the same result as one thread', () => {
    const { memory, compiled, exports, module } = sharedGemm();
    const helpers = startGemmHelpers(compiled, memory, 2);
    try {
      const m = 130;
      const k = 96;
      const n = 100; // 130 rows: not a multiple of the 6-row tile or of 3 threads; 100 columns overhang 8.
      const f32 = new Float32Array(memory.buffer);
      const [A, B, C1, C3] = [0, 64 << 10, 128 << 10, 192 << 10];
      for (let i = 0; i < m * k; i++) f32[A / 4 + i] = Math.sin(i);
      for (let i = 0; i < k * n; i++) f32[B / 4 + i] = Math.cos(i * 0.7);
      const entry = (c: number): GemmEntry => ({
        a: { address: A, transposed: false },
        b: { address: B, transposed: false },
        c,
      });
      new WasmGemm(module, exports as never, false, null).run([entry(C1)], m, k, n);
      new WasmGemm(module, exports as never, false, helpers).run([entry(C3)], m, k, n);
      const one = f32.slice(C1 / 4, C1 / 4 + m * n);
      const three = f32.slice(C3 / 4, C3 / 4 + m * n);
      expect(three).toEqual(one);
      const want = reference(f32.slice(A / 4, A / 4 + m * k), f32.slice(B / 4, B / 4 + k * n), m, k, n);
      for (let i = 0; i < m * n; i++) expect(Math.abs(three[i]! - want[i]!)).toBeLessThan(1e-3);
    } finally {
      helpers.dispose();
    }
  });

  it('split products of column blocks (strided A, B and C) with the same result as one thread', () => {
    const { memory, compiled, exports, module } = sharedGemm(256);
    const helpers = startGemmHelpers(compiled, memory, 1);
    let splits = 0;
    const counted = {
      ...helpers,
      run: (...args: Parameters<typeof helpers.run>) => {
        splits++;
        helpers.run(...args);
      },
    };
    try {
      // Attention's layout: four heads side by side in rows of 3·4·64 floats; head h's q, k and v are
      // 64-column blocks of them, and each head's output is a 64-column block of rows of 4·64.
      const [T, D, H] = [514, 64, 4];
      const row = 3 * H * D;
      const f32 = new Float32Array(memory.buffer);
      const [QKV, C1, C2, C3] = [4 << 20, 8 << 20, 10 << 20, 12 << 20];
      for (let i = 0; i < T * row; i++) f32[QKV / 4 + i] = Math.sin(i * 0.37);
      // q_h · (the first D rows of v_h): A is T × D with row stride `row`, B D × D with the same stride.
      const entries = (c: number): GemmEntry[] =>
        Array.from({ length: H }, (_, h) => ({
          a: { address: QKV + h * D * 4, transposed: false, stride: row * 4 },
          b: { address: QKV + (2 * H + h) * D * 4, transposed: false, stride: row * 4 },
          c: c + h * D * 4,
          ldc: H * D * 4,
        }));
      new WasmGemm(module, exports as never, false, null).run(entries(C1), T, D, D);
      const two = new WasmGemm(module, exports as never, false, counted);
      two.run(entries(C2), T, D, D); // four entries over two threads: split by entries
      expect(splits).toBe(1);
      for (const entry of entries(C3)) two.run([entry], T, D, D); // one entry at a time: split by rows
      expect(splits).toBe(1 + H);
      const size = T * H * D;
      const got = f32.slice(C1 / 4, C1 / 4 + size);
      expect(f32.slice(C2 / 4, C2 / 4 + size)).toEqual(got);
      expect(f32.slice(C3 / 4, C3 / 4 + size)).toEqual(got);
      for (let h = 0; h < H; h++) {
        const block = (first: number, rows: number) =>
          Float32Array.from(
            { length: rows * D },
            (_, i) => f32[QKV / 4 + Math.floor(i / D) * row + first + (i % D)]!,
          );
        const want = reference(block(h * D, T), block((2 * H + h) * D, D), T, D, D);
        for (let i = 0; i < T; i += 37)
          for (let j = 0; j < D; j++)
            expect(Math.abs(got[i * H * D + h * D + j]! - want[i * D + j]!)).toBeLessThan(1e-3);
      }
    } finally {
      helpers.dispose();
    }
  });

  it('report a helper that traps as an error instead of waiting forever', () => {
    const { memory, compiled } = sharedGemm(16);
    const helpers = startGemmHelpers(compiled, memory, 1);
    try {
      // A product whose A lies past the end of the 1 MiB memory: the helper's load traps.
      const call = [0, 64 << 20, 0, 4096, 0, 6, 8, 4, 16, 4, 8192, 8, 16384, 32];
      expect(call).toHaveLength(GEMM_CALL_WORDS);
      expect(() => helpers.run([call], () => {})).toThrow(/helper thread trapped/);
      // The helper survives the trap and takes the next run.
      expect(() => helpers.run([[]], () => {})).not.toThrow();
    } finally {
      helpers.dispose();
    }
  });

  it('refuse a memory that is not shared', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const compiled = new WebAssembly.Module(decode(GEMM_WASM_PLAIN));
    expect(() => startGemmHelpers(compiled, memory, 1)).toThrow(/need a shared wasm memory/);
  });

  it('do not run a generation twice when a notify arrives after they ran it (a late notify)', () => {
    const control = new Int32Array(new SharedArrayBuffer(8));
    // Another thread notifies the word without changing it, as a caller descheduled between its bump and
    // its notify does, then bumps it for real 50 ms later.
    const notifier = new Worker(
      `const { workerData } = require('node:worker_threads');
       const ctl = new Int32Array(workerData);
       const pause = new Int32Array(new SharedArrayBuffer(4));
       Atomics.wait(pause, 0, 0, 50);
       Atomics.notify(ctl, 0);
       Atomics.wait(pause, 0, 0, 50);
       Atomics.add(ctl, 0, 1);
       Atomics.notify(ctl, 0);`,
      { eval: true, workerData: control.buffer },
    );
    try {
      // No polling: the caller is asleep in Atomics.wait when the stray notify comes.
      expect(nextGeneration(control, 0, 0, 0)).toBe(1);
    } finally {
      void notifier.terminate();
    }
  });
});
