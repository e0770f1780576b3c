/**
 * `UnsortedSegmentSum` for the wasm backend, which tfjs 4.22 does not ship.
 *
 *   out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...]      for s in [0, numSegments)
 *
 * It is the gradient of `gather` (tfjs's `GatherV2` gradient calls it), so without it no model with an
 * embedding table can train on wasm. Ids outside [0, numSegments) are dropped, as TensorFlow does.
 * The loop runs in JavaScript straight on the wasm heap: it is memory bound and touches every element
 * once, so there is nothing for SIMD to win at the sizes of an embedding gradient.
 */
import {
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  UnsortedSegmentSum,
} from '@tensorflow/tfjs-core';
import { heapView, type WasmBackendInternals } from './heap';

/** Sums the rows of `x` that share a segment id into row `id` of the output. */
function unsortedSegmentSum(args: {
  inputs: { x?: TensorInfo; segmentIds?: TensorInfo };
  backend: WasmBackendInternals;
  attrs: { numSegments: number };
}): TensorInfo {
  const { x, segmentIds } = args.inputs;
  if (x === undefined || segmentIds === undefined)
    throw new Error('UnsortedSegmentSum needs x and segmentIds');
  const { backend } = args;
  const { numSegments } = args.attrs;
  const idsRank = segmentIds.shape.length;
  const rowShape = x.shape.slice(idsRank);
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...rowShape], x.dtype);
  // Views are taken after makeOutput, which may have grown (and so detached) the heap.
  const outData = heapView(backend, out);
  const xData = heapView(backend, x);
  const ids = heapView(backend, segmentIds);
  outData.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const from = i * rowSize;
    const to = s * rowSize;
    for (let j = 0; j < rowSize; j++) outData[to + j] = outData[to + j]! + xData[from + j]!;
  }
  return out;
}

/** The kernel config, ready for `registerKernel`. */
export const unsortedSegmentSumWasmConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
