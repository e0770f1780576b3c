/**
 * A faster `BatchMatMul` for the wasm backend.
 *
 * Float32 products run on our own SIMD kernel (./gemm), which takes transposed and batched operands as
 * they are. Where that module cannot be instantiated (an engine without WebAssembly SIMD), or when it is
 * turned off with `useWasmGemm(false)`, the route below through tfjs's XNNPACK entry point is used.
 *
 * tfjs-backend-wasm 4.22 sends a matmul to XNNPACK's fully-connected operator (SIMD, ~20 GFLOP/s on one
 * Zen 3 core) only when neither operand is transposed and the batch is 1. Every other case runs a
 * scalar triple loop at ~1 GFLOP/s, and those are exactly the matmuls of training: the backward pass
 * of `x @ W` needs `dy @ Wᵀ` and `xᵀ @ dy`, and attention multiplies batched `[B·H, T, hs]` operands.
 *
 * This kernel rewrites every case into fast-path calls of the stock kernel:
 *   1. a transposed operand is transposed once, explicitly (a cheap O(n²) copy before an O(n³) product);
 *   2. if B has batch 1 (weights broadcast over a batch of inputs), the batch of A is folded into its
 *      rows: [batch, M, K] @ [K, N] is one [batch·M, K] @ [K, N] product;
 *   3. otherwise each batch entry is copied out and multiplied on its own, and the results are copied
 *      into one output; entries smaller than SMALL_PRODUCT multiply-adds stay on the stock kernel, where
 *      the per-call setup would cost more than the arithmetic. Batch broadcasting follows the stock kernels: entry i uses A[i mod batchA] and
 *      B[i mod batchB].
 * The stock kernel function is kept and called for each product, so the arithmetic is XNNPACK's.
 */
import {
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  Transpose,
  getKernel,
} from '@tensorflow/tfjs-core';
import { wasmGemm } from './gemm/gemm';
import { gemmMatMul, productShape } from './gemm/mat-mul';
import { heapCopy, heapOffset, heapView, type WasmBackendInternals } from './heap';
import { replacingStock } from './replace-stock';

type Attrs = { transposeA: boolean; transposeB: boolean };
type MatMulArgs = { inputs: { a?: TensorInfo; b?: TensorInfo }; backend: WasmBackendInternals; attrs: Attrs };

/**
 * Below this many multiply-adds per batch entry (m·k·n), a true batch stays on the stock kernel. Measured
 * on a Zen 3 core: at 16·16·16 the stock loop wins by ~5×, at 16·32·16 the split wins by ~2×.
 */
export const SMALL_PRODUCT = 8192;

/** A view of the same data under another shape (no copy, no reference count change). */
const view = (t: TensorInfo, shape: number[]): TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });

/**
 * Builds the repaired kernel around the stock one.
 * @param stock the stock wasm `BatchMatMul` kernel function, called only on its fast path
 */
export function makeFastBatchMatMul(stock: KernelFunc): KernelFunc {
  const transposeKernel = () => {
    const k = getKernel(Transpose, 'wasm');
    if (k === undefined) throw new Error('wasm repair: the wasm Transpose kernel is not registered');
    return k.kernelFunc;
  };

  /** [batch, rows, cols] → [batch, cols, rows], as a new tensor the caller must dispose. */
  function transposeLast2(backend: WasmBackendInternals, t: TensorInfo): TensorInfo {
    return transposeKernel()({
      inputs: { x: t },
      backend,
      attrs: { perm: [0, 2, 1] },
    }) as TensorInfo;
  }

  /** The stock kernel on its fast path: rank-3 operands with batch 1, no transposes. */
  function fast(backend: WasmBackendInternals, a: TensorInfo, b: TensorInfo): TensorInfo {
    return stock({
      inputs: { a, b },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as TensorInfo;
  }

  return ((args: MatMulArgs): TensorInfo => {
    const { a, b } = args.inputs;
    if (a === undefined || b === undefined) throw new Error('BatchMatMul needs inputs a and b');
    const { backend } = args;
    const { transposeA, transposeB } = args.attrs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') {
      // The stock kernel gives the error message for other dtypes.
      return stock(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const { m, k: kA, n, batchA, batchB, outShape } = productShape(a, b, transposeA, transposeB);
    const gemm = wasmGemm(backend);
    if (gemm !== null) return gemmMatMul(gemm, backend, a, b, transposeA, transposeB);
    const batch = Math.max(batchA, batchB);

    // XNNPACK refuses an operator with no input channels and leaves the output unwritten: a product
    // over an empty inner dimension is all zeros.
    if (kA === 0) {
      const out = backend.makeOutput(outShape, 'float32');
      (heapView(backend, out) as Float32Array).fill(0);
      return out;
    }

    // Tiny per-entry products (makemore's transformer attention is 16×16×16) cost more in XNNPACK
    // operator setup and copies than the stock scalar loop spends computing them.
    if (batchB > 1 && m * kA * n < SMALL_PRODUCT) {
      return stock(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }

    // Step 1: operands in the fast layout, A as [batchA, M, K] and B as [batchB, K, N].
    const temps: TensorInfo[] = [];
    const a3 = transposeA ? transposeLast2(backend, view(a, [batchA, kA, m])) : view(a, [batchA, m, kA]);
    const b3 = transposeB ? transposeLast2(backend, view(b, [batchB, n, kA])) : view(b, [batchB, kA, n]);
    if (transposeA) temps.push(a3);
    if (transposeB) temps.push(b3);

    try {
      // Step 2: one weight matrix for the whole batch → fold the batch into the rows of A.
      if (batchB === 1 && batchA === batch) {
        const out = fast(backend, view(a3, [1, batchA * m, kA]), b3);
        return { ...out, shape: outShape };
      }
      // Step 3: one product per batch entry.
      const out = backend.makeOutput([batch, m, n], 'float32');
      const aBytes = m * kA * 4;
      const bBytes = kA * n * 4;
      const oBytes = m * n * 4;
      const aSlice = batchA === 1 ? a3 : backend.makeOutput([1, m, kA], 'float32');
      if (batchA !== 1) temps.push(aSlice);
      for (let i = 0; i < batch; i++) {
        if (batchA !== 1) {
          heapCopy(
            backend,
            heapOffset(backend, aSlice),
            heapOffset(backend, a3) + (i % batchA) * aBytes,
            aBytes,
          );
        }
        // XNNPACK caches its packed weights under B's tensor id, so each B slice must be a new tensor.
        const bSlice = batchB === 1 ? b3 : backend.makeOutput([1, kA, n], 'float32');
        if (batchB !== 1) {
          heapCopy(
            backend,
            heapOffset(backend, bSlice),
            heapOffset(backend, b3) + (i % batchB) * bBytes,
            bBytes,
          );
        }
        const o = fast(backend, view(aSlice, [1, m, kA]), view(bSlice, [1, kA, n]));
        heapCopy(backend, heapOffset(backend, out) + i * oBytes, heapOffset(backend, o), oBytes);
        backend.disposeData(o.dataId);
        if (batchB !== 1) backend.disposeData(bSlice.dataId);
      }
      return { ...out, shape: outShape };
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  }) as unknown as KernelFunc;
}

/** The repaired kernel config, wrapping `stock` (the registered wasm BatchMatMul config). */
export function fastBatchMatMulWasmConfig(stock: KernelConfig): KernelConfig {
  return replacingStock(stock, makeFastBatchMatMul(stock.kernelFunc));
}
