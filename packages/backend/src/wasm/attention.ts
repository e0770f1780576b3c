/**
 * Multi-head attention from a fused q, k, v projection, for the wasm backend (kernels `MakemoreAttention`
 * and `MakemoreAttentionGrad`, see src/fused-kernels.ts). Per batch entry b and head h (Vaswani et al.
 * 2017, "Attention Is All You Need"):
 *
 *   P = softmax(Q·Kᵀ·scale + mask),   Y = P·V
 *   dP = dY·Vᵀ,   dS = P ⊙ (dP − rowsum(dP ⊙ P))·scale,   dQ = dS·K,   dK = dSᵀ·Q,   dV = Pᵀ·dY
 *
 * Composed, a transformer reshapes qkv [B, T, 3E] to [B, T, 3, H, D], transposes it to [3, B, H, T, D] and
 * unstacks q, k and v, and after the two products transposes y back to [B, T, H, D]; the backward pass
 * moves the same data the other way. Those six copies took ~4.7 ms of a baby GPT's step (BENCHMARKS.md).
 * Here each head's Q, K and V are read where they lie, as column blocks of qkv (our gemm takes any row
 * stride), each head's Y is written straight into its columns of y, and each head's dQ, dK and dV into
 * their columns of dqkv. The softmax is the masked-softmax kernel's (src/wasm/masked-softmax.ts).
 *
 * Without our gemm (an engine without WebAssembly SIMD, or `useWasmGemm(false)`), the same products run
 * through the JavaScript loop in {@link productsInJs}.
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput, wasmKernel } from './fused-kernel';
import { type GemmEntry, type Operand, storedRowBytes, wasmGemm } from './gemm/gemm';
import { heapOffset, type WasmBackendInternals } from './heap';
import { maskedSoftmax, maskedSoftmaxGrad } from './masked-softmax';

type AttentionArgs = {
  inputs: Partial<Record<'qkv' | 'mask' | 'dy' | 'probs', TensorInfo>>;
  backend: WasmBackendInternals;
  attrs: { heads?: number; scale?: number };
};

/** The sizes of an attention call: batch B, time T, width E = H·D. */
interface Sizes {
  B: number;
  T: number;
  E: number;
  H: number;
  D: number;
}

/** The sizes from qkv [B, T, 3E] and the head count, or an error that says what does not fit. */
function sizesOf(qkv: TensorInfo, heads: number | undefined, kernel: string): Sizes {
  const [B, T, width] = qkv.shape as number[];
  if (qkv.shape.length !== 3 || width === undefined || width % 3 !== 0) {
    throw new Error(`${kernel}: qkv has shape [${qkv.shape}], expected [batch, time, 3·width]`);
  }
  const E = width / 3;
  if (heads === undefined || !Number.isInteger(heads) || heads < 1 || E % heads !== 0) {
    throw new Error(`${kernel}: heads = ${heads} must be a positive integer that divides the width ${E}`);
  }
  return { B: B as number, T: T as number, E, H: heads, D: E / heads };
}

function expectShape(t: TensorInfo, shape: number[], name: string, kernel: string): void {
  if (!util.arraysEqual(t.shape, shape)) {
    throw new Error(`${kernel}: ${name} has shape [${t.shape}], expected [${shape}]`);
  }
}

/** Where one head's blocks are: addresses in bytes of the [B, T, ·] tensors' first rows. */
class Heads {
  constructor(
    private readonly s: Sizes,
    private readonly qkv: number,
  ) {}

  /** Head (b, h)'s Q (part 0), K (1) or V (2): T rows of D floats, 3E floats apart in qkv. */
  part(part: 0 | 1 | 2, b: number, h: number, transposed = false, at = this.qkv): Operand {
    const { T, E, D } = this.s;
    return { address: at + 4 * (b * T * 3 * E + part * E + h * D), transposed, stride: 12 * E };
  }

  /** Head (b, h)'s block of a [B, T, E] tensor at `at` (y, dy): T rows of D floats, E floats apart. */
  ofWidthE(at: number, b: number, h: number): Operand {
    const { T, E, D } = this.s;
    return { address: at + 4 * (b * T * E + h * D), transposed: false, stride: 4 * E };
  }

  /** Head (b, h)'s dense T × T matrix in a [B, H, T, T] tensor at `at`. */
  square(at: number, b: number, h: number, transposed = false): Operand {
    const { T, H } = this.s;
    return { address: at + 4 * (b * H + h) * T * T, transposed };
  }

  /** One product per (b, h), in order. */
  each(entry: (b: number, h: number) => GemmEntry): GemmEntry[] {
    const { B, H } = this.s;
    return Array.from({ length: B * H }, (_, i) => entry(Math.floor(i / H), i % H));
  }
}

/**
 * Runs every entry's product C = op(A)·op(B) (m × k times k × n) on our gemm, or in JavaScript when it
 * cannot run here. Shared with the single-query step (attention-step.ts).
 */
export function products(
  backend: WasmBackendInternals,
  entries: GemmEntry[],
  m: number,
  k: number,
  n: number,
) {
  const gemm = wasmGemm(backend);
  if (gemm !== null) gemm.run(entries, m, k, n);
  else productsInJs(backend, entries, m, k, n);
}

/** The same products as plain loops over the heap, accumulating in float64 (the fallback). */
function productsInJs(
  backend: WasmBackendInternals,
  entries: GemmEntry[],
  m: number,
  k: number,
  n: number,
): void {
  const f32 = new Float32Array(backend.wasm.HEAPU8.buffer);
  // Element (row, col) of an operand whose stored matrix is `rows × cols` as the product sees it.
  const reader = (o: Operand, rows: number, cols: number) => {
    const base = o.address / 4;
    const stride = storedRowBytes(o, rows, cols) / 4;
    return o.transposed
      ? (row: number, col: number) => f32[base + col * stride + row] as number
      : (row: number, col: number) => f32[base + row * stride + col] as number;
  };
  for (const { a, b, c, ldc } of entries) {
    const A = reader(a, m, k);
    const B = reader(b, k, n);
    const rowStride = (ldc ?? 4 * n) / 4;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += A(i, p) * B(p, j);
        f32[c / 4 + i * rowStride + j] = sum;
      }
    }
  }
}

/** `[y, probs]` of attention on qkv. */
function attention(args: AttentionArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.attention;
  const qkv = kernelInput(args.inputs, 'qkv', kernel);
  const mask = kernelInput(args.inputs, 'mask', kernel);
  const s = sizesOf(qkv, args.attrs.heads, kernel);
  const { B, T, E, H, D } = s;
  expectShape(mask, [T, T], 'mask', kernel);
  const scale = args.attrs.scale ?? 1 / Math.sqrt(D);
  const { backend } = args;
  const y = backend.makeOutput([B, T, E], 'float32');
  if (B * T === 0) return [y, backend.makeOutput([B, H, T, T], 'float32')];
  const scores = backend.makeOutput([B, H, T, T], 'float32');
  try {
    const heads = new Heads(s, heapOffset(backend, qkv));
    const S = heapOffset(backend, scores);
    products(
      backend,
      heads.each((b, h) => ({
        a: heads.part(0, b, h),
        b: heads.part(1, b, h, true),
        c: heads.square(S, b, h).address,
      })),
      T,
      D,
      T,
    );
    const probs = maskedSoftmax({ inputs: { x: scores, mask }, backend, attrs: { scale } });
    const P = heapOffset(backend, probs);
    const Y = heapOffset(backend, y);
    products(
      backend,
      heads.each((b, h) => ({
        a: heads.square(P, b, h),
        b: heads.part(2, b, h),
        c: heads.ofWidthE(Y, b, h).address,
        ldc: 4 * E,
      })),
      T,
      T,
      D,
    );
    return [y, probs];
  } finally {
    backend.disposeData(scores.dataId);
  }
}

/** dqkv from dy, qkv and the forward pass's probs. */
function attentionGrad(args: AttentionArgs): TensorInfo {
  const kernel = FUSED_KERNELS.attentionGrad;
  const dy = kernelInput(args.inputs, 'dy', kernel);
  const qkv = kernelInput(args.inputs, 'qkv', kernel);
  const probs = kernelInput(args.inputs, 'probs', kernel);
  const s = sizesOf(qkv, args.attrs.heads, kernel);
  const { B, T, E, H, D } = s;
  expectShape(dy, [B, T, E], 'dy', kernel);
  expectShape(probs, [B, H, T, T], 'probs', kernel);
  const scale = args.attrs.scale ?? 1 / Math.sqrt(D);
  const { backend } = args;
  if (B * T === 0) return backend.makeOutput([B, T, 3 * E], 'float32');
  const dProbs = backend.makeOutput([B, H, T, T], 'float32');
  let dScores: TensorInfo | undefined;
  const dqkv = backend.makeOutput([B, T, 3 * E], 'float32');
  try {
    const heads = new Heads(s, heapOffset(backend, qkv));
    const [dY, P, dP, dQKV] = [dy, probs, dProbs, dqkv].map((t) => heapOffset(backend, t)) as [
      number,
      number,
      number,
      number,
    ];
    products(
      backend,
      heads.each((b, h) => ({
        a: heads.ofWidthE(dY, b, h),
        b: heads.part(2, b, h, true),
        c: heads.square(dP, b, h).address,
      })),
      T,
      D,
      T,
    );
    dScores = maskedSoftmaxGrad({ inputs: { dy: dProbs, y: probs }, backend, attrs: { scale } });
    const dS = heapOffset(backend, dScores);
    const into = (part: 0 | 1 | 2, b: number, h: number) => ({
      c: heads.part(part, b, h, false, dQKV).address,
      ldc: 12 * E,
    });
    products(
      backend,
      heads.each((b, h) => ({ a: heads.square(dS, b, h), b: heads.part(1, b, h), ...into(0, b, h) })),
      T,
      T,
      D,
    );
    products(
      backend,
      heads.each((b, h) => ({ a: heads.square(dS, b, h, true), b: heads.part(0, b, h), ...into(1, b, h) })),
      T,
      T,
      D,
    );
    products(
      backend,
      heads.each((b, h) => ({
        a: heads.square(P, b, h, true),
        b: heads.ofWidthE(dY, b, h),
        ...into(2, b, h),
      })),
      T,
      T,
      D,
    );
    return dqkv;
  } finally {
    backend.disposeData(dProbs.dataId);
    if (dScores !== undefined) backend.disposeData(dScores.dataId);
  }
}

/** The two attention kernels for the wasm backend. */
export const attentionWasmConfigs: KernelConfig[] = [
  wasmKernel(FUSED_KERNELS.attention, attention),
  wasmKernel(FUSED_KERNELS.attentionGrad, attentionGrad),
];
