/**
 * Products with a weight packed once (kernels `MakemorePackWeight` and `MakemorePackedMatMul`, see
 * src/fused-kernels.ts), for generation.
 *
 * Our gemm packs B into tiles of k × 8 floats before every product, which costs a pass over B. In training
 * B changes every step, so that is the price of a fast kernel; in a generation step the same weights meet a
 * single row (one token), and packing then costs as much as the product itself, and triples the memory
 * traffic that bounds a one-row product. Here a weight `[n, k]` (PyTorch's Linear layout, used as Wᵀ) is
 * packed once into a tensor that the caller keeps, and every product reads it as it is.
 *
 * Packed layout: ⌈n/8⌉ tiles, tile t holding k rows of 8 floats, columns 8t…8t+7 of Wᵀ (zero-padded),
 * i.e. packed[t·8k + p·8 + (j − 8t)] = W[j, p]. Without our gemm (no WebAssembly SIMD, or
 * `useWasmGemm(false)`) the same layout is written and read by JavaScript loops.
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput, wasmKernel } from './fused-kernel';
import { WasmGemm, wasmGemm } from './gemm/gemm';
import { gelu } from './gelu';
import { float32Views, heapOffset, type WasmBackendInternals } from './heap';
import { layerNorm } from './layer-norm';

type PackArgs = { inputs: { weight?: TensorInfo }; backend: WasmBackendInternals };
type ProductArgs = {
  inputs: {
    x?: TensorInfo;
    packed?: TensorInfo;
    bias?: TensorInfo;
    residual?: TensorInfo;
    normWeight?: TensorInfo;
    normBias?: TensorInfo;
  };
  backend: WasmBackendInternals;
  attrs: { n?: number; epsilon?: number; activation?: 'gelu' | 'gelu_tanh' };
};

/** `weight [n, k]` → its packed form, `[⌈n/8⌉·8·k]`. */
function packWeight(args: PackArgs): TensorInfo {
  const kernel = FUSED_KERNELS.packWeight;
  const weight = kernelInput(args.inputs, 'weight', kernel);
  if (weight.shape.length !== 2)
    throw new Error(`${kernel}: weight has shape [${weight.shape}], expected [n, k]`);
  const [n, k] = weight.shape as [number, number];
  const { backend } = args;
  const out = backend.makeOutput([WasmGemm.packedFloats(k, n)], 'float32');
  const gemm = wasmGemm(backend);
  if (gemm !== null) {
    gemm.packInto({ address: heapOffset(backend, weight), transposed: true }, k, n, heapOffset(backend, out));
    return out;
  }
  const [w, packed] = float32Views(backend, weight, out);
  packed.fill(0);
  for (let j = 0; j < n; j++) {
    const tile = (j >> 3) * 8 * k + (j & 7);
    for (let p = 0; p < k; p++) packed[tile + p * 8] = w[j * k + p] as number;
  }
  return out;
}

/**
 * `x [m, k]` · Wᵀ (+ bias [n]) (+ residual [m, n]) → `[m, n]`, W packed by {@link packWeight}; with
 * `normWeight` (and `normBias`), x is first LayerNorm-ed (`epsilon`), and with `activation`, GELU is
 * applied to the product before the residual is added. Each option saves a generation step one kernel
 * call: a block's step is ln → product, product → GELU, and x + product.
 */
function packedMatMul(args: ProductArgs): TensorInfo {
  const kernel = FUSED_KERNELS.packedMatMul;
  const x = kernelInput(args.inputs, 'x', kernel);
  const packed = kernelInput(args.inputs, 'packed', kernel);
  const { bias, residual, normWeight, normBias } = args.inputs;
  const { n, activation } = args.attrs;
  if (x.shape.length !== 2) throw new Error(`${kernel}: x has shape [${x.shape}], expected [m, k]`);
  const [m, k] = x.shape as [number, number];
  if (n === undefined || !Number.isInteger(n) || n < 1 || packed.shape[0] !== WasmGemm.packedFloats(k, n)) {
    throw new Error(
      `${kernel}: packed has shape [${packed.shape}], which is not a packed [${n}, ${k}] weight`,
    );
  }
  if (bias !== undefined && (bias.dtype !== 'float32' || util.sizeFromShape(bias.shape) !== n)) {
    throw new Error(`${kernel}: bias has shape [${bias.shape}], expected [${n}]`);
  }
  if (residual !== undefined && (residual.dtype !== 'float32' || !util.arraysEqual(residual.shape, [m, n]))) {
    throw new Error(`${kernel}: residual has shape [${residual.shape}], expected [${m}, ${n}] (float32)`);
  }
  if (activation !== undefined && activation !== 'gelu' && activation !== 'gelu_tanh') {
    throw new Error(`${kernel}: activation = ${activation}; use 'gelu' or 'gelu_tanh', or leave it out`);
  }
  if (normWeight === undefined && normBias !== undefined) {
    throw new Error(`${kernel}: normBias needs normWeight (the LayerNorm of x)`);
  }
  const { backend } = args;
  const temporaries: TensorInfo[] = [];
  try {
    let input = x;
    if (normWeight !== undefined) {
      const inputs =
        normBias === undefined ? { x, weight: normWeight } : { x, weight: normWeight, bias: normBias };
      const normed = layerNorm({ inputs, backend, attrs: { epsilon: args.attrs.epsilon ?? 1e-5 } });
      temporaries.push(...normed);
      input = normed[0] as TensorInfo;
    }
    let out = product(backend, input, packed, bias, m, k, n);
    if (activation !== undefined) {
      temporaries.push(out);
      const approximate = activation === 'gelu_tanh' ? 'tanh' : 'none';
      const [y, aux] = gelu({ inputs: { x: out }, backend, attrs: { approximate } }) as [
        TensorInfo,
        TensorInfo,
      ];
      temporaries.push(aux);
      out = y;
    }
    if (residual !== undefined && m > 0) addInto(...float32Views(backend, out, residual));
    return out;
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

/** x·Wᵀ (+ bias), a new `[m, n]` tensor. */
function product(
  backend: WasmBackendInternals,
  x: TensorInfo,
  packed: TensorInfo,
  bias: TensorInfo | undefined,
  m: number,
  k: number,
  n: number,
): TensorInfo {
  const out = backend.makeOutput([m, n], 'float32');
  if (m === 0) return out;
  const gemm = wasmGemm(backend);
  if (gemm !== null) {
    const a = { address: heapOffset(backend, x), transposed: false };
    const biasAddress = bias === undefined ? undefined : heapOffset(backend, bias);
    gemm.runPacked(a, heapOffset(backend, packed), heapOffset(backend, out), m, k, n, biasAddress);
    return out;
  }
  const [xs, ps, ys, bs] = float32Views(backend, x, packed, out, ...(bias === undefined ? [] : [bias]));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const tile = (j >> 3) * 8 * k + (j & 7);
      let sum = 0;
      for (let p = 0; p < k; p++) sum += (xs[i * k + p] as number) * (ps[tile + p * 8] as number);
      ys[i * n + j] = sum + (bs === undefined ? 0 : (bs[j] as number));
    }
  }
  return out;
}

/** out += residual, elementwise (as float32, as an `Add` kernel would). */
function addInto(out: Float32Array, residual: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (residual[i] as number);
}

/** The weight-packing kernel for the wasm backend. */
export const packWeightWasmConfig: KernelConfig = wasmKernel(FUSED_KERNELS.packWeight, packWeight);
/** The product with a packed weight, for the wasm backend. */
export const packedMatMulWasmConfig: KernelConfig = wasmKernel(FUSED_KERNELS.packedMatMul, packedMatMul);
