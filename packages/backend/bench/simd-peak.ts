/**
 * The ceiling of a WebAssembly matrix product on this core: the multiply-add throughput of 128-bit SIMD
 * with nothing else in the loop (12 independent accumulators, no memory traffic), next to our gemm on the
 * baby GPT's largest product. WebAssembly SIMD has only 128-bit vectors, so this is a quarter of what
 * AVX-512 code (PyTorch's MKL) can issue on the same core; compare with bench/pytorch/matmul_speed.py.
 *
 *   tsx bench/simd-peak.ts     (prints one JSON line)
 */
import { performance } from 'node:perf_hooks';
import { assemble } from '../scripts/assemble';
import { enableRelaxedSimd } from '../src/node/relaxed-simd';

const ACCUMULATORS = 12;

/** `peak(n)`: n iterations of ACCUMULATORS independent multiply-adds on four float32 lanes. */
function peakWat(fma: boolean): string {
  const acc = [...Array(ACCUMULATORS).keys()];
  const madd = (i: number) =>
    fma
      ? `(f32x4.relaxed_madd (local.get $x) (local.get $y) (local.get $c${i}))`
      : `(f32x4.add (local.get $c${i}) (f32x4.mul (local.get $x) (local.get $y)))`;
  return `(module
  (func (export "peak") (param $n i32) (result f32)
    (local $x v128) (local $y v128) ${acc.map((i) => `(local $c${i} v128)`).join(' ')}
    (local.set $x (v128.const f32x4 1.0000001 1.0000001 1.0000001 1.0000001))
    (local.set $y (v128.const f32x4 0.9999999 0.9999999 0.9999999 0.9999999))
    (loop $next
      ${acc.map((i) => `(local.set $c${i} ${madd(i)})`).join('\n      ')}
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $next (i32.gt_s (local.get $n) (i32.const 0))))
    (f32x4.extract_lane 0 ${acc.reduce((sum, i) => (i === 0 ? '(local.get $c0)' : `(f32x4.add ${sum} (local.get $c${i}))`), '')})))`;
}

async function gflops(fma: boolean): Promise<number> {
  const bytes = await assemble('peak.wat', peakWat(fma), { shared: false, fma });
  const instance = await WebAssembly.instantiate(new WebAssembly.Module(new Uint8Array(bytes)));
  const peak = instance.exports.peak as (n: number) => number;
  const iterations = 2_000_000;
  let best = 0;
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    peak(iterations);
    const seconds = (performance.now() - start) / 1000;
    best = Math.max(best, (iterations * ACCUMULATORS * 8) / seconds / 1e9);
  }
  return best;
}

/** Our gemm through tfjs on the baby GPT's [768,128] @ [128,512] product, best of seven rounds. */
async function gemmGflops(): Promise<number> {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { wasmBinaryDir } = await import('../src/node/wasm-files');
  const { installWasmRepairs } = await import('../src/wasm/repairs');
  wasm.setWasmPaths(wasmBinaryDir());
  installWasmRepairs();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm failed to initialise');
  const a = tf.randomNormal([768, 128]);
  const b = tf.randomNormal([128, 512]);
  const flops = 2 * 768 * 128 * 512;
  let best = 0;
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    for (let i = 0; i < 20; i++) tf.dispose(tf.matMul(a, b));
    best = Math.max(best, (20 * flops) / ((performance.now() - start) / 1000) / 1e9);
  }
  return best;
}

enableRelaxedSimd();
const [fmaPeak, mulAddPeak, gemm] = [await gflops(true), await gflops(false), await gemmGflops()];
console.log(
  JSON.stringify({
    'peak GFLOP/s, f32x4.relaxed_madd': +fmaPeak.toFixed(1),
    'peak GFLOP/s, f32x4.mul + add': +mulAddPeak.toFixed(1),
    'our gemm GFLOP/s, 768x128 @ 128x512': +gemm.toFixed(1),
    'gemm / FMA peak': +(gemm / fmaPeak).toFixed(2),
  }),
);
