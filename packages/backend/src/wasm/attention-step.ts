/**
 * Generation's cached attention step for the wasm backend (kernel `MakemoreAttentionStep`, see
 * src/fused-kernels.ts): one new position per row attends to every position before it, whose keys and
 * values a cache holds.
 *
 * A cached transformer step (`@makemore/models`' TransformerKVDecoder) has, per layer, one query per row
 * and head against t cached keys. Composed from tfjs ops that is a split of qkv, two concatenations that
 * copy the whole cache to append one row, a product, a scaling, a softmax and a second product: nine
 * kernels whose dispatch costs more than their arithmetic, and two O(t) copies. Here it is one kernel:
 *
 *   keys[b, h, p] ← k_bh,   values[b, h, p] ← v_bh          (p = position; written in place)
 *   y_bh = softmax(q_bh · keys[b, h, 0…p]ᵀ · scale) · values[b, h, 0…p]
 *
 * The cache tensors `[B, H, S, D]` are allocated once for S = the model's block size and written in
 * place, so appending costs D floats, not a copy of the cache. That makes this the one kernel of ours
 * that changes its inputs: the caller (the decoder) owns the cache tensors, never shares them, and reads
 * them only through this kernel. q, k and v are read where they lie in qkv `[B, 3E]` (head h's columns
 * h·D to (h + 1)·D of each third), and each head's y goes straight into its columns of y `[B, E]`.
 *
 * The two products per head run on our gemm (or its JavaScript fallback, see attention.ts); the softmax
 * over t + 1 scores per head is a JavaScript loop, as cheap as a kernel call at these sizes.
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { products } from './attention';
import { kernelInput, wasmKernel } from './fused-kernel';
import { heapOffset, type WasmBackendInternals } from './heap';

type AttentionStepArgs = {
  inputs: Partial<Record<'qkv' | 'keys' | 'values', TensorInfo>>;
  backend: WasmBackendInternals;
  attrs: { heads?: number; position?: number; scale?: number };
};

/** y `[B, E]` of one cached step; writes this position's keys and values into the cache first. */
function attentionStep(args: AttentionStepArgs): TensorInfo {
  const kernel = FUSED_KERNELS.attentionStep;
  const qkv = kernelInput(args.inputs, 'qkv', kernel);
  const keys = kernelInput(args.inputs, 'keys', kernel);
  const values = kernelInput(args.inputs, 'values', kernel);
  const [B, width] = qkv.shape as [number, number];
  if (qkv.shape.length !== 2 || width % 3 !== 0) {
    throw new Error(`${kernel}: qkv has shape [${qkv.shape}], expected [batch, 3·width]`);
  }
  const E = width / 3;
  const H = args.attrs.heads;
  if (H === undefined || !Number.isInteger(H) || H < 1 || E % H !== 0) {
    throw new Error(`${kernel}: heads = ${H} must be a positive integer that divides the width ${E}`);
  }
  const D = E / H;
  const S = keys.shape[2] as number;
  for (const [name, t] of [
    ['keys', keys],
    ['values', values],
  ] as const) {
    if (t.shape.length !== 4 || !util.arraysEqual(t.shape, [B, H, S, D])) {
      throw new Error(`${kernel}: ${name} has shape [${t.shape}], expected [${B}, ${H}, cache size, ${D}]`);
    }
  }
  const position = args.attrs.position;
  if (position === undefined || !Number.isInteger(position) || position < 0 || position >= S) {
    throw new Error(
      `${kernel}: position = ${position} must be an integer in [0, ${S}), the cache's size; prefill a shorter window`,
    );
  }
  const scale = args.attrs.scale ?? 1 / Math.sqrt(D);
  const L = position + 1;
  const { backend } = args;
  const y = backend.makeOutput([B, E], 'float32');
  if (B === 0) return y;
  const scores = backend.makeOutput([B, H, L], 'float32');
  try {
    const QKV = heapOffset(backend, qkv);
    const K = heapOffset(backend, keys);
    const V = heapOffset(backend, values);
    const P = heapOffset(backend, scores);
    const Y = heapOffset(backend, y);
    // Byte addresses: row b's part (0 q, 1 k, 2 v) of head h in qkv; head (b, h)'s first cache row.
    const part = (b: number, p: number, h: number) => QKV + 4 * (b * 3 * E + p * E + h * D);
    const head = (at: number, b: number, h: number) => at + 4 * (b * H + h) * S * D;
    const heap = backend.wasm.HEAPU8;
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const row = 4 * position * D;
        heap.copyWithin(head(K, b, h) + row, part(b, 1, h), part(b, 1, h) + 4 * D);
        heap.copyWithin(head(V, b, h) + row, part(b, 2, h), part(b, 2, h) + 4 * D);
      }
    }
    const entries = (each: (b: number, h: number) => Parameters<typeof products>[1][number]) =>
      Array.from({ length: B * H }, (_, i) => each(Math.floor(i / H), i % H));
    // Scores: q (1 × D) · Kᵀ (D × L), K stored as L rows of D floats.
    products(
      backend,
      entries((b, h) => ({
        a: { address: part(b, 0, h), transposed: false },
        b: { address: head(K, b, h), transposed: true, stride: 4 * D },
        c: P + 4 * (b * H + h) * L,
      })),
      1,
      D,
      L,
    );
    // The gemm may have grown the heap: take the view now.
    softmaxRows(new Float32Array(backend.wasm.HEAPU8.buffer, P, B * H * L), L, scale);
    // y_bh: p (1 × L) · V (L × D), into head h's columns of row b.
    products(
      backend,
      entries((b, h) => ({
        a: { address: P + 4 * (b * H + h) * L, transposed: false },
        b: { address: head(V, b, h), transposed: false, stride: 4 * D },
        c: Y + 4 * (b * E + h * D),
        ldc: 4 * E,
      })),
      1,
      L,
      D,
    );
    return y;
  } finally {
    backend.disposeData(scores.dataId);
  }
}

/** softmax(x·scale) over each row of `length` values, in place (max subtracted first, as tf.softmax). */
function softmaxRows(x: Float32Array, length: number, scale: number): void {
  for (let start = 0; start < x.length; start += length) {
    const end = start + length;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = start; i < end; i++) max = Math.max(max, (x[i] as number) * scale);
    let sum = 0;
    for (let i = start; i < end; i++) {
      const e = Math.exp((x[i] as number) * scale - max);
      x[i] = e;
      sum += e;
    }
    for (let i = start; i < end; i++) x[i] = (x[i] as number) / sum;
  }
}

/** The cached-step attention kernel for the wasm backend. */
export const attentionStepWasmConfig: KernelConfig = wasmKernel(FUSED_KERNELS.attentionStep, attentionStep);
