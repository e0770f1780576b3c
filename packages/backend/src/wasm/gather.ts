/**
 * A faster `GatherV2` for the wasm backend.
 *
 * The stock 4.22 kernel copies the indices out of the heap (`readSync`) to check them, reshapes input and
 * indices into two temporary tensors, and marshals stride arrays into a C++ loop that moves one element at
 * a time: ~50 µs to look up 96 rows of the lecture MLP's [27, 10] embedding. This kernel checks the
 * indices in place and copies whole rows between heap ranges in JavaScript.
 *
 * Following tfjs's gather semantics, x is viewed as [batch, outer, dim, slice] and the indices as
 * [batch, n]; then
 *
 *   out[b, o, i, s] = x[b, o, indices[b, i], s]
 *
 * An index outside [0, dim) throws the stock kernels' error (cpu and wasm both check). float32 and int32
 * are copied as 32-bit words (bit-exact, NaN payloads included); other dtypes, and indices that are not
 * int32, go to the stock kernel.
 */
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { heapOffset, heapView, type WasmBackendInternals } from './heap';
import { replacingStock } from './replace-stock';

/**
 * Rows of at least this many words are moved with `copyWithin`; shorter ones in a loop, where the call's
 * fixed cost would exceed the copy (measured on a Sapphire Rapids core: break-even between 16 and 24 words).
 */
export const COPY_WITHIN_WORDS = 20;

type GatherShape = backend_util.segment_util.GatherOpShapeInfo;
type GatherArgs = {
  inputs: { x?: TensorInfo; indices?: TensorInfo };
  backend: WasmBackendInternals;
  attrs: { axis: number; batchDims?: number };
};

/** Throws, as the stock kernels do, when an index is outside [0, dim). */
function checkIndices(ids: Int32Array, dim: number): void {
  for (let i = 0; i < ids.length; i++) {
    const index = ids[i] as number;
    util.assert(
      index <= dim - 1 && index >= 0,
      () => `GatherV2: the index value ${index} is not in [0, ${dim - 1}]`,
    );
  }
}

/**
 * Copies the selected rows. `heap` is the whole wasm heap as 32-bit words; `x`, `ids` and `out` are word
 * offsets into it, and `perBatch` is the number of indices per batch entry.
 */
function gatherRows(
  heap: Int32Array,
  x: number,
  ids: number,
  out: number,
  perBatch: number,
  { batchSize, outerSize, dimSize, sliceSize }: GatherShape,
): void {
  const long = sliceSize >= COPY_WITHIN_WORDS;
  let to = out;
  for (let b = 0; b < batchSize; b++) {
    const batchIds = ids + b * perBatch;
    for (let o = 0; o < outerSize; o++) {
      const block = x + (b * outerSize + o) * dimSize * sliceSize;
      for (let i = 0; i < perBatch; i++, to += sliceSize) {
        const from = block + (heap[batchIds + i] as number) * sliceSize;
        if (long) heap.copyWithin(to, from, from + sliceSize);
        else for (let s = 0; s < sliceSize; s++) heap[to + s] = heap[from + s] as number;
      }
    }
  }
}

/** Builds the repaired kernel; `stock` still handles the dtypes this one does not. */
export function makeFastGatherV2(stock: KernelFunc): KernelFunc {
  return ((args: GatherArgs): TensorInfo => {
    const { x, indices } = args.inputs;
    if (x === undefined || indices === undefined) throw new Error('GatherV2 needs inputs x and indices');
    const wordSized = x.dtype === 'float32' || x.dtype === 'int32';
    if (!wordSized || indices.dtype !== 'int32') {
      return stock(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const { backend } = args;
    const axis = util.parseAxisParam(args.attrs.axis, x.shape)[0] as number;
    // Checked before makeOutput, so that a bad index leaves nothing allocated.
    checkIndices(heapView(backend, indices) as Int32Array, x.shape[axis] as number);
    const shape = backend_util.segment_util.collectGatherOpShapeInfo(
      x,
      indices,
      axis,
      args.attrs.batchDims ?? 0,
    );
    const out = backend.makeOutput(shape.outputShape, x.dtype);
    if (util.sizeFromShape(shape.outputShape) === 0) return out;
    // Offsets and the heap view are read after makeOutput, which may grow the heap. Tensor data is at
    // least 4-byte aligned, so byte offsets divide into word offsets.
    const heap = new Int32Array(backend.wasm.HEAPU8.buffer);
    const perBatch = util.sizeFromShape(indices.shape) / shape.batchSize;
    const word = (t: TensorInfo) => heapOffset(backend, t) >>> 2;
    gatherRows(heap, word(x), word(indices), word(out), perBatch, shape);
    return out;
  }) as unknown as KernelFunc;
}

/** The repaired kernel config, wrapping `stock` (the registered wasm GatherV2 config). */
export function fastGatherV2WasmConfig(stock: KernelConfig): KernelConfig {
  return replacingStock(stock, makeFastGatherV2(stock.kernelFunc));
}
