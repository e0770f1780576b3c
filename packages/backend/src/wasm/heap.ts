/**
 * The slice of the wasm backend's internals that our kernels touch: tensors live in one WebAssembly heap,
 * each at a byte offset that `dataIdMap` records. Declared structurally so that nothing here imports the
 * wasm package itself (a kernel only ever receives the backend instance as an argument).
 */
import type { DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** The members of tfjs-backend-wasm's `BackendWasm` that the repaired kernels use. */
export interface WasmBackendInternals {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
}

/** Byte offset of a tensor's data inside the wasm heap. */
export function heapOffset(backend: WasmBackendInternals, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data === undefined) throw new Error('wasm repair: tensor data is not on the wasm backend');
  return data.memoryOffset;
}

/**
 * A typed view of a tensor's data in the heap. Take it only after the last allocation of the kernel:
 * `makeOutput` may grow the heap, which detaches every earlier view.
 */
export function heapView(backend: WasmBackendInternals, t: TensorInfo): Float32Array | Int32Array {
  const size = t.shape.reduce((a, b) => a * b, 1);
  const buffer = backend.wasm.HEAPU8.buffer;
  const offset = heapOffset(backend, t);
  if (t.dtype === 'float32') return new Float32Array(buffer, offset, size);
  if (t.dtype === 'int32') return new Int32Array(buffer, offset, size);
  throw new Error(`wasm repair: dtype ${t.dtype} is not supported (use float32 or int32)`);
}

/**
 * Float32 views of several tensors' data, in order (for the JavaScript fallbacks of float32 kernels). The
 * same rule as {@link heapView}: take them after the kernel's last allocation.
 */
export function float32Views<T extends TensorInfo[]>(
  backend: WasmBackendInternals,
  ...tensors: T
): { [K in keyof T]: Float32Array } {
  return tensors.map((t) => heapView(backend, t) as Float32Array) as { [K in keyof T]: Float32Array };
}

/** Copies `bytes` bytes inside the heap (a memmove, so overlapping ranges are fine). */
export function heapCopy(backend: WasmBackendInternals, to: number, from: number, bytes: number): void {
  backend.wasm.HEAPU8.copyWithin(to, from, from + bytes);
}
