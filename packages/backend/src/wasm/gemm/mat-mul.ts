/**
 * A batched, broadcasting, transposing matrix product on {@link WasmGemm}: what `BatchMatMul` and
 * `_FusedMatMul` compute, in one kernel call and without copies of the operands.
 *
 *   out[i] = op(A[i mod batchA]) · op(B[i mod batchB]) (+ bias)      op = transpose or identity
 *
 * (tfjs's batch broadcasting: entry i reads A[i mod batchA] and B[i mod batchB], as its cpu kernel does.)
 * B is packed once per distinct entry; when one B serves a whole batch of untransposed A, the batch is
 * folded into the rows of A and the product is a single call.
 */
import { broadcast_util, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackendInternals } from '../heap';
import type { WasmGemm } from './gemm';

/** The sizes of a product: A is m × k, B is k × n, over `batch` entries. */
export interface ProductShape {
  m: number;
  k: number;
  n: number;
  batchA: number;
  batchB: number;
  outShape: number[];
}

/** Checks the operands of a (batched) product and works out its sizes; the message follows tfjs's. */
export function productShape(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): ProductShape {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const kA = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kB = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (kA !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
        `and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return {
    m,
    k: kA,
    n,
    batchA: util.sizeFromShape(a.shape.slice(0, -2)),
    batchB: util.sizeFromShape(b.shape.slice(0, -2)),
    outShape: [...outer, m, n],
  };
}

/**
 * `op(a) · op(b) (+ bias)` as a new float32 tensor. `bias`, when given, must hold exactly n floats (a
 * row added to every row of the output); the caller handles other bias shapes.
 */
export function gemmMatMul(
  gemm: WasmGemm,
  backend: WasmBackendInternals,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias?: TensorInfo,
): TensorInfo {
  const { m, k, n, batchA, batchB, outShape } = productShape(a, b, transposeA, transposeB);
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput(outShape, 'float32');
  if (util.sizeFromShape(outShape) === 0) return out;
  const aBase = heapOffset(backend, a);
  const bBase = heapOffset(backend, b);
  const cBase = heapOffset(backend, out);
  const biasAddress = bias === undefined ? undefined : heapOffset(backend, bias);
  const aBytes = m * k * 4;
  const bBytes = k * n * 4;
  const cBytes = m * n * 4;

  if (batchB === 1 && !transposeA) {
    // One B for every entry, and A's entries are consecutive row blocks: one product of batch·m rows.
    const entry = {
      a: { address: aBase, transposed: false },
      b: { address: bBase, transposed: transposeB },
      c: cBase,
    };
    gemm.run([entry], batchA * m, k, n, biasAddress);
    return out;
  }
  const entries = Array.from({ length: batch }, (_, i) => ({
    a: { address: aBase + (i % batchA) * aBytes, transposed: transposeA },
    b: { address: bBase + (i % batchB) * bBytes, transposed: transposeB },
    c: cBase + i * cBytes,
  }));
  gemm.run(entries, m, k, n, biasAddress);
  return out;
}
