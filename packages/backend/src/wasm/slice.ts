/**
 * `Slice`, `SplitV` and `Unpack` for the wasm backend, without a copy of the whole input per output.
 *
 * The stock 4.22 `Slice` reads its input with `backend.readSync`, which copies the entire tensor out of
 * the wasm heap before taking the slice; `SplitV` and `Unpack` call it once per output. Splitting a flat
 * 800k-element vector into 27 parameters (what AdamW's flat update does for the baby GPT) therefore copied
 * 86 MB and took ~25 ms; attention's `unstack` of q, k and v copied its input three times. These kernels
 * copy only the selected elements, straight between heap ranges, one contiguous run at a time.
 */
import {
  backend_util,
  type DataType,
  type KernelConfig,
  type KernelFunc,
  slice_util,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackendInternals } from './heap';
import { replacingStock } from './replace-stock';

const BYTES: Partial<Record<DataType, number>> = { float32: 4, int32: 4, bool: 1 };

/**
 * Copies the box `begin`..`begin + size` of `x` into a new tensor. `stock` handles strings, which do not
 * live in the heap.
 */
function sliceBox(
  backend: WasmBackendInternals,
  x: TensorInfo,
  begin: number[],
  size: number[],
  stock: KernelFunc,
): TensorInfo {
  const bytes = BYTES[x.dtype];
  if (bytes === undefined) {
    return stock({ inputs: { x }, backend, attrs: { begin, size } } as never) as TensorInfo;
  }
  const out = backend.makeOutput(size, x.dtype);
  const count = util.sizeFromShape(size);
  if (count === 0) return out;
  // Offsets are read after makeOutput, which may grow the heap.
  const heap = backend.wasm.HEAPU8;
  const from = heapOffset(backend, x);
  const to = heapOffset(backend, out);
  const strides = util.computeStrides(x.shape);
  if (slice_util.isSliceContinous(x.shape, begin, size)) {
    const start = from + slice_util.computeFlatOffset(begin, strides) * bytes;
    heap.copyWithin(to, start, start + count * bytes);
    return out;
  }
  // Walk the rows of the box (every axis but the last) and copy each row as one run.
  const rank = x.shape.length;
  const run = (size[rank - 1] as number) * bytes;
  const rows = count / (size[rank - 1] as number);
  const index = new Array<number>(rank - 1).fill(0);
  for (let row = 0, dst = to; row < rows; row++, dst += run) {
    let element = begin[rank - 1] as number;
    for (let axis = 0; axis < rank - 1; axis++) {
      element += ((begin[axis] as number) + (index[axis] as number)) * (strides[axis] as number);
    }
    const src = from + element * bytes;
    heap.copyWithin(dst, src, src + run);
    for (let axis = rank - 2; axis >= 0; axis--) {
      if (++(index[axis] as number) < (size[axis] as number)) break;
      index[axis] = 0;
    }
  }
  return out;
}

type Args = { inputs: Record<string, TensorInfo | undefined>; backend: WasmBackendInternals; attrs: never };

function input(args: Args, name: string): TensorInfo {
  const x = args.inputs[name];
  if (x === undefined) throw new Error(`wasm repair: missing input '${name}'`);
  return x;
}

/** `Slice`: one box. */
export function makeFastSlice(stock: KernelFunc): KernelFunc {
  return ((args: Args) => {
    const x = input(args, 'x');
    const { begin, size } = args.attrs as { begin: number | number[]; size?: number | number[] };
    const [b, s] = slice_util.parseSliceParams(x as never, begin, size) as [number[], number[]];
    return sliceBox(args.backend, x, b, s, stock);
  }) as unknown as KernelFunc;
}

/** `SplitV`: consecutive boxes along one axis. */
export function makeFastSplitV(stockSlice: KernelFunc): KernelFunc {
  return ((args: Args) => {
    const x = input(args, 'x');
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const a = util.parseAxisParam(axis, x.shape)[0] as number;
    const sizes = backend_util.prepareSplitSize(x as never, numOrSizeSplits, a);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((n) => {
      const size = [...x.shape];
      size[a] = n;
      const piece = sliceBox(args.backend, x, [...begin], size, stockSlice);
      begin[a] = (begin[a] as number) + n;
      return piece;
    });
  }) as unknown as KernelFunc;
}

/** `Unpack` (`tf.unstack`): one box per index of `axis`, with that axis dropped. */
export function makeFastUnpack(stockSlice: KernelFunc): KernelFunc {
  return ((args: Args) => {
    const value = input(args, 'value');
    const rank = value.shape.length;
    let { axis } = args.attrs as { axis: number };
    if (axis < 0) axis += rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const size = [...value.shape];
    size[axis] = 1;
    return Array.from({ length: value.shape[axis] as number }, (_, i) => {
      const begin = new Array<number>(rank).fill(0);
      begin[axis] = i;
      const piece = sliceBox(args.backend, value, begin, size, stockSlice);
      return { dataId: piece.dataId, dtype: piece.dtype, shape: outShape };
    });
  }) as unknown as KernelFunc;
}

/** The repaired configs, wrapping the stock `Slice` (used for strings) and replacing `SplitV`, `Unpack`. */
export function fastSliceWasmConfigs(stock: {
  slice: KernelConfig;
  splitV: KernelConfig;
  unpack: KernelConfig;
}): KernelConfig[] {
  const stockSlice = stock.slice.kernelFunc;
  return [
    replacingStock(stock.slice, makeFastSlice(stockSlice)),
    replacingStock(stock.splitV, makeFastSplitV(stockSlice)),
    replacingStock(stock.unpack, makeFastUnpack(stockSlice)),
  ];
}
