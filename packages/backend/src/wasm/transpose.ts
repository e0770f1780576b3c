/**
 * A fast `Transpose` for the wasm backend.
 *
 * tfjs-backend-wasm 4.22 has tuned C++ loops for rank 2, 3 and 4 and a generic index-arithmetic loop for
 * everything else. Attention's `[B, T, 3, H, D] → [3, B, H, T, D]` is rank 5 and lands on that generic
 * loop: ~7 M elements/s, about 40 % of a baby-GPT training step (packages/backend/BENCHMARKS.md).
 *
 * Most high-rank transposes are low-rank ones in disguise. This kernel first drops size-1 axes and merges
 * axes that stay neighbours, in the same order, after the permutation (they move as one block). If nothing
 * moves, the buffer is shared. When the last axis stays last (attention's head split and merge), whole
 * runs are copied by the SIMD module's `copy_runs` (up to four outer axes). Otherwise, if at most four axes
 * remain, the stock kernel runs on that view; beyond that a loop here walks the output in order.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackendInternals } from './heap';
import { replacingStock } from './replace-stock';
import { wasmElementwise } from './simd/elementwise';

type TransposeArgs = { inputs: { x?: TensorInfo }; backend: WasmBackendInternals; attrs: { perm: number[] } };

/** The smallest equivalent transpose of `shape` by `perm`: no size-1 axes, no axes that move together. */
export function collapseTranspose(
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; perm: number[] } {
  // Drop size-1 axes and renumber the remaining ones in input order.
  const kept = shape.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
  const rank = new Map(kept.map((axis, i) => [axis, i]));
  const p = perm.filter((axis) => shape[axis] !== 1).map((axis) => rank.get(axis) as number);
  const s = kept.map((axis) => shape[axis] as number);
  // Group runs of output axes that are consecutive input axes.
  const groups: number[][] = [];
  for (const axis of p) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1] === axis - 1) last.push(axis);
    else groups.push([axis]);
  }
  // Input order of the groups gives the collapsed input shape; output order gives the permutation.
  const byInput = [...groups].sort((a, b) => (a[0] as number) - (b[0] as number));
  const index = new Map(byInput.map((g, i) => [g, i]));
  return {
    shape: byInput.map((g) => g.reduce((n, axis) => n * (s[axis] as number), 1)),
    perm: groups.map((g) => index.get(g) as number),
  };
}

/**
 * Transposes 4-byte elements inside the heap: `x` (collapsed `shape`) at word offset `from` into `out`
 * at word offset `to`. Walks the output in order; when the input's last axis stays last, each innermost
 * run is one `copyWithin`.
 */
function transposeWords(heap: Int32Array, from: number, to: number, shape: number[], perm: number[]): void {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i] as number;
  }
  const outShape = perm.map((axis) => shape[axis] as number);
  const strides = perm.map((axis) => inStrides[axis] as number); // input stride of each output axis
  const contiguous = perm[rank - 1] === rank - 1;
  const inner = outShape[rank - 1] as number;
  const innerStride = strides[rank - 1] as number;
  const outer = outShape.slice(0, -1).reduce((n, d) => n * d, 1);
  const counter = new Array<number>(rank - 1).fill(0);
  let src = from;
  let dst = to;
  for (let row = 0; row < outer; row++) {
    if (contiguous) heap.copyWithin(dst, src, src + inner);
    else for (let j = 0, k = src; j < inner; j++, k += innerStride) heap[dst + j] = heap[k] as number;
    dst += inner;
    // Advance the odometer over the outer output axes, moving src by the matching input strides.
    for (let axis = rank - 2; axis >= 0; axis--) {
      src += strides[axis] as number;
      if (++(counter[axis] as number) < (outShape[axis] as number)) break;
      src -= (strides[axis] as number) * (outShape[axis] as number);
      counter[axis] = 0;
    }
  }
}

/**
 * A transpose whose last axis stays last, as the SIMD module's `copy_runs` takes it: at most four outer
 * output axes (padded in front with size 1) with their input strides in bytes, and the run length. Null
 * when the last axis moves or more than four outer axes remain.
 */
export function asRuns(
  shape: readonly number[],
  perm: readonly number[],
): {
  sizes: [number, number, number, number];
  strides: [number, number, number, number];
  inner: number;
} | null {
  const rank = shape.length;
  if (perm[rank - 1] !== rank - 1 || rank - 1 > 4) return null;
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, stride = 4; i >= 0; i--) {
    inStrides[i] = stride;
    stride *= shape[i] as number;
  }
  const outer = perm.slice(0, -1);
  const pad = 4 - outer.length;
  return {
    sizes: [...Array<number>(pad).fill(1), ...outer.map((axis) => shape[axis] as number)] as [
      number,
      number,
      number,
      number,
    ],
    strides: [...Array<number>(pad).fill(0), ...outer.map((axis) => inStrides[axis] as number)] as [
      number,
      number,
      number,
      number,
    ],
    inner: shape[rank - 1] as number,
  };
}

/**
 * Builds the repaired kernel around the stock one.
 * @param stock the stock wasm `Transpose` kernel function, called for anything of rank ≤ 4 once collapsed
 */
export function makeFastTranspose(stock: KernelFunc): KernelFunc {
  return ((args: TransposeArgs): TensorInfo => {
    const { x } = args.inputs;
    if (x === undefined) throw new Error('Transpose needs input x');
    const { backend } = args;
    const { perm } = args.attrs;
    const outShape = perm.map((axis) => x.shape[axis] as number);
    const collapsed = collapseTranspose(x.shape, perm);
    if (collapsed.perm.every((axis, i) => axis === i) && x.dtype !== 'string') {
      // Nothing moves (gather's gradient asks for this): share the buffer, as Identity does.
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: outShape, dtype: x.dtype };
    }
    const wordSized = x.dtype === 'float32' || x.dtype === 'int32';
    const runs = wordSized ? asRuns(collapsed.shape, collapsed.perm) : null;
    const simd = runs ? wasmElementwise(backend) : null;
    if (runs && simd) {
      const out = backend.makeOutput(outShape, x.dtype);
      const { sizes, strides, inner } = runs;
      simd.copy_runs(heapOffset(backend, x), heapOffset(backend, out), ...sizes, ...strides, inner);
      return out;
    }
    if (collapsed.perm.length <= 4 || !wordSized) {
      const out = stock({
        inputs: { x: { dataId: x.dataId, shape: collapsed.shape, dtype: x.dtype } },
        backend,
        attrs: { perm: collapsed.perm },
      } as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
      return { ...out, shape: outShape };
    }
    const out = backend.makeOutput(outShape, x.dtype);
    // Views are taken after the last allocation: makeOutput may grow (and detach) the heap.
    const heap = new Int32Array(backend.wasm.HEAPU8.buffer);
    transposeWords(
      heap,
      heapOffset(backend, x) >> 2,
      heapOffset(backend, out) >> 2,
      collapsed.shape,
      collapsed.perm,
    );
    return out;
  }) as unknown as KernelFunc;
}

/** The repaired kernel config, wrapping `stock` (the registered wasm Transpose config). */
export function fastTransposeWasmConfig(stock: KernelConfig): KernelConfig {
  return replacingStock(stock, makeFastTranspose(stock.kernelFunc));
}
