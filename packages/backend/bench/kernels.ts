/**
 * One backend configuration's kernel figures, printed as one JSON line (run by bench/run.ts, one child
 * process per configuration so that stock and repaired wasm never share a process).
 *
 *   tsx bench/kernels.ts <cpu | wasm-stock | wasm-xnnpack | wasm-mul-add | wasm>[-<n>t]   (e.g. wasm-2t)
 *
 * wasm-xnnpack is the repaired backend with our gemm turned off (the earlier route: transposes + XNNPACK);
 * wasm-mul-add keeps our gemm to its mul + add variant; wasm and wasm-2t use its fused multiply-add
 * variant (relaxed SIMD, enabled as useBestBackend does).
 *
 * matmul cases (float32), the shapes a baby-GPT training step multiplies:
 *   square n×n @ n×n for n = 256, 512, 1024 (the only case stock wasm runs on XNNPACK);
 *   dW = xᵀ·dy: [768,128]ᵀ @ [768,512] (transposeA, every weight gradient);
 *   dx = dy·Wᵀ: [768,512] @ [128,512]ᵀ (transposeB, every input gradient);
 *   attention: [48,64,32] @ [48,64,32]ᵀ (batched, transposeB; B·H = 12·4, T = 64, head size 32);
 *   the lecture MLP's forward x·W1ᵀ ([32,30] @ [200,30]ᵀ) and weight gradient dhᵀ·x ([32,200]ᵀ @ [32,30]).
 * op overhead: microseconds per `add` of two 1-element tensors.
 * data movement (ms per call), the other repaired kernels at a baby-GPT step's sizes:
 *   transpose: attention's head split [12,64,3,4,32] → [3,12,4,64,32] (rank 5);
 *   unstack: q, k, v from [3,12,4,64,32];
 *   split: an 804,096-element vector into 27 parameter-sized pieces (AdamW's flat update);
 *   clone: Identity of a [768,512] activation (autodiff saves inputs this way);
 *   gather grad: UnsortedSegmentSum of [768,128] rows into a [65,128] table (n/a on stock wasm);
 *   gather: 96 rows of the lecture MLP's [27,10] embedding table (a [32,3] batch of contexts);
 *   tanh: the lecture MLP's [32,200] hidden layer, and a [768,512] activation;
 *   exp, erf: a [768,512] activation (GELU's gradient and the cross-entropy; exact GELU);
 *   column sum: a [768,128] gradient summed over its rows (every bias and LayerNorm gradient).
 */
import * as tf from '@tensorflow/tfjs-core';
import { enableRelaxedSimd } from '../src/node/relaxed-simd';
import { useWasmGemm, useWasmGemmFma } from '../src/wasm/gemm/gemm';
import { installWasmRepairs } from '../src/wasm/repairs';

const config = process.argv[2] ?? 'wasm';
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 600);

async function setup(): Promise<number> {
  if (config === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    return 1;
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { wasmBinaryDir } = await import('../src/node/wasm-files');
  wasm.setWasmPaths(wasmBinaryDir());
  // A `-<n>t` suffix (wasm-2t, wasm-xnnpack-8t) runs tfjs's threaded build with n threads.
  const threads = Number(/-(\d+)t$/.exec(config)?.[1] ?? 1);
  const route = config.replace(/-\d+t$/, '');
  if (threads > 1) {
    const { registerThreadedWasm } = await import('../src/node/wasm-threads');
    await registerThreadedWasm(threads);
  }
  if (route !== 'wasm-stock') {
    enableRelaxedSimd();
    installWasmRepairs();
  }
  // The repairs' earlier matmul route: explicit transposes and XNNPACK calls instead of our gemm.
  if (route === 'wasm-xnnpack') useWasmGemm(false);
  if (route === 'wasm-mul-add') useWasmGemmFma(false);
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm failed to initialise');
  return wasm.getThreadsCount();
}

/** Mean milliseconds per call of `f`, after one warm-up call, within the time budget (at least 2 calls). */
function time(f: () => void): number {
  f();
  let calls = 0;
  const start = performance.now();
  while (calls < 2 || performance.now() - start < BUDGET_MS) {
    f();
    calls++;
  }
  return (performance.now() - start) / calls;
}

function matmulCase(
  name: string,
  aShape: number[],
  bShape: number[],
  ta: boolean,
  tb: boolean,
  flops: number,
) {
  const a = tf.randomNormal(aShape);
  const b = tf.randomNormal(bShape);
  const ms = time(() =>
    tf.tidy(() => {
      tf.matMul(a, b, ta, tb).dataSync();
    }),
  );
  tf.dispose([a, b]);
  return { name, ms, gflops: flops / ms / 1e6 };
}

const threads = await setup();
const cases = [256, 512, 1024].map((n) =>
  matmulCase(`square ${n}`, [n, n], [n, n], false, false, 2 * n ** 3),
);
cases.push(matmulCase('dW = xT dy', [768, 128], [768, 512], true, false, 2 * 768 * 128 * 512));
cases.push(matmulCase('dx = dy WT', [768, 512], [128, 512], false, true, 2 * 768 * 128 * 512));
cases.push(matmulCase('attention q kT', [48, 64, 32], [48, 64, 32], false, true, 2 * 48 * 64 * 64 * 32));
cases.push(matmulCase('MLP x W1T', [32, 30], [200, 30], false, true, 2 * 32 * 30 * 200));
cases.push(matmulCase('MLP dW1 = dhT x', [32, 200], [32, 30], true, false, 2 * 32 * 200 * 30));
function moveCase(
  name: string,
  make: () => tf.Tensor[],
  op: (inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
) {
  const inputs = make();
  let ms: number | null;
  try {
    ms = time(() =>
      tf.tidy(() => {
        // No read-back: cpu and wasm run kernels synchronously, and reading would time a copy.
        op(inputs);
      }),
    );
  } catch {
    ms = null; // the kernel is missing on this configuration
  }
  tf.dispose(inputs);
  return { name, ms };
}

// The baby GPT's 27 parameter tensors: wte, wpe, 4 × (ln_1, c_attn, attn.c_proj, ln_2, c_fc, mlp.c_proj), ln_f.
const layer = [128, 128 * 384, 128 * 128, 128, 128 * 512, 512 * 128];
const pieces = [65 * 128, 64 * 128, ...layer, ...layer, ...layer, ...layer, 128];
const moves = [
  moveCase(
    'transpose rank 5',
    () => [tf.randomNormal([12, 64, 3, 4, 32])],
    ([t]) => tf.transpose(t as tf.Tensor, [2, 0, 3, 1, 4]),
  ),
  moveCase(
    'unstack q, k, v',
    () => [tf.randomNormal([3, 12, 4, 64, 32])],
    ([t]) => tf.unstack(t as tf.Tensor),
  ),
  moveCase(
    'split 27 ways',
    () => [tf.randomNormal([804_096])],
    ([t]) => tf.split(t as tf.Tensor, pieces),
  ),
  moveCase(
    'clone [768,512]',
    () => [tf.randomNormal([768, 512])],
    ([t]) => tf.clone(t as tf.Tensor),
  ),
  moveCase(
    'gather grad',
    () => [tf.randomNormal([768, 128]), tf.randomUniformInt([768], 0, 65, 1)],
    ([rows, ids]) => tf.unsortedSegmentSum(rows as tf.Tensor, ids as tf.Tensor1D, 65),
  ),
  moveCase(
    'gather 96 of [27,10]',
    () => [tf.randomNormal([27, 10]), tf.randomUniformInt([32, 3], 0, 27)],
    ([table, ids]) => tf.gather(table as tf.Tensor, ids as tf.Tensor),
  ),
  moveCase(
    'tanh [32,200]',
    () => [tf.randomNormal([32, 200])],
    ([t]) => tf.tanh(t as tf.Tensor),
  ),
  moveCase(
    'tanh [768,512]',
    () => [tf.randomNormal([768, 512])],
    ([t]) => tf.tanh(t as tf.Tensor),
  ),
  moveCase(
    'exp [768,512]',
    () => [tf.randomNormal([768, 512])],
    ([t]) => tf.exp(t as tf.Tensor),
  ),
  moveCase(
    'erf [768,512]',
    () => [tf.randomNormal([768, 512])],
    ([t]) => tf.erf(t as tf.Tensor),
  ),
  moveCase(
    'column sum [768,128]',
    () => [tf.randomNormal([768, 128])],
    ([t]) => tf.sum(t as tf.Tensor, 0),
  ),
];
const x = tf.scalar(1);
const y = tf.scalar(2);
const n = 3000;
const start = performance.now();
for (let i = 0; i < n; i++) tf.add(x, y).dispose();
const opOverheadUs = ((performance.now() - start) / n) * 1000;
console.log(JSON.stringify({ config, threads, matmul: cases, moves, opOverheadUs }));
