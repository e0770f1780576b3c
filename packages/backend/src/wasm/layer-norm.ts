/**
 * Fused LayerNorm (Ba, Kiros & Hinton 2016) over the last axis for the wasm backend (kernels
 * `MakemoreLayerNorm` and `MakemoreLayerNormGrad`, see src/fused-kernels.ts). The composed ops take 8
 * kernels forward and 12 backward, each a pass over memory; a baby GPT's `[12, 64, 128]` LayerNorm took
 * 1.6 ms forward and backward, nine of them per step. Here each direction reads its inputs once per row
 * (rows are small enough to stay in L1 between the row's passes).
 *
 * The forward pass returns each row's mean and 1/√(var + ε) instead of x̂, and the backward pass recomputes
 * x̂ from them. The SIMD module needs rows of a multiple of 4 floats; other widths, and engines without
 * WebAssembly SIMD, take the JavaScript loops here (float64 sums, float32 results).
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput, wasmKernel } from './fused-kernel';
import { float32Views, heapOffset, type WasmBackendInternals } from './heap';
import { type ElementwiseExports, wasmElementwise } from './simd/elementwise';

type Inputs = Partial<Record<'x' | 'weight' | 'bias' | 'dy' | 'mean' | 'rstd', TensorInfo>>;
type LayerNormArgs = {
  inputs: Inputs;
  backend: WasmBackendInternals;
  attrs: { epsilon?: number; bias?: boolean };
};

/** Rows and row width of `x`, checking `weight` against its last axis. */
function rowsOf(x: TensorInfo, weight: TensorInfo, kernel: string): { rows: number; dim: number } {
  const dim = x.shape[x.shape.length - 1] ?? 1;
  if (weight.shape.length !== 1 || weight.shape[0] !== dim) {
    throw new Error(`${kernel}: weight has shape [${weight.shape}], expected [${dim}] (x's last axis)`);
  }
  return { rows: util.sizeFromShape(x.shape) / dim, dim };
}

/** The SIMD module when it can take rows of `dim` floats. */
const simdFor = (backend: WasmBackendInternals, dim: number): ElementwiseExports | null =>
  dim % 4 === 0 ? wasmElementwise(backend) : null;

/** `[y, mean, rstd]` (also run inside MakemorePackedMatMul, which may normalise its input first). */
export function layerNorm(args: LayerNormArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.layerNorm;
  const x = kernelInput(args.inputs, 'x', kernel);
  const weight = kernelInput(args.inputs, 'weight', kernel);
  const bias = args.inputs.bias === undefined ? null : kernelInput(args.inputs, 'bias', kernel);
  const eps = args.attrs.epsilon ?? 1e-5;
  const { rows, dim } = rowsOf(x, weight, kernel);
  const { backend } = args;
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([rows], 'float32');
  const rstd = backend.makeOutput([rows], 'float32');
  const simd = simdFor(backend, dim);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  if (simd !== null) {
    simd.layernorm(at(x), at(weight), bias ? at(bias) : 0, at(y), at(mean), at(rstd), rows, dim, eps);
    return [y, mean, rstd];
  }
  const [xs, ws, ys, ms, rs] = float32Views(backend, x, weight, y, mean, rstd);
  const bs = bias ? float32Views(backend, bias)[0] : null;
  for (let r = 0, o = 0; r < rows; r++, o += dim) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += xs[o + j] as number;
    const m = sum / dim;
    let squares = 0;
    for (let j = 0; j < dim; j++) squares += ((xs[o + j] as number) - m) ** 2;
    const s = 1 / Math.sqrt(squares / dim + eps);
    for (let j = 0; j < dim; j++) {
      ys[o + j] = ((xs[o + j] as number) - m) * s * (ws[j] as number) + (bs ? (bs[j] as number) : 0);
    }
    ms[r] = m;
    rs[r] = s;
  }
  return [y, mean, rstd];
}

/** `[dx, dweight]`, plus `dbias` when `attrs.bias`. */
function layerNormGrad(args: LayerNormArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.layerNormGrad;
  const [dy, x, mean, rstd, weight] = (['dy', 'x', 'mean', 'rstd', 'weight'] as const).map((name) =>
    kernelInput(args.inputs, name, kernel),
  ) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const { rows, dim } = rowsOf(x, weight, kernel);
  const { backend } = args;
  const dx = backend.makeOutput(x.shape, 'float32');
  const dw = backend.makeOutput([dim], 'float32');
  const db = args.attrs.bias ? backend.makeOutput([dim], 'float32') : null;
  const outputs = db ? [dx, dw, db] : [dx, dw];
  const simd = simdFor(backend, dim);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  if (simd !== null) {
    simd.layernorm_grad(
      at(dy),
      at(x),
      at(mean),
      at(rstd),
      at(weight),
      at(dx),
      at(dw),
      db ? at(db) : 0,
      rows,
      dim,
    );
    return outputs;
  }
  const [dys, xs, ms, rs, ws, dxs, dws] = float32Views(backend, dy, x, mean, rstd, weight, dx, dw);
  const dbs = db ? float32Views(backend, db)[0] : null;
  const dwSum = new Float64Array(dim);
  const dbSum = new Float64Array(dim);
  const xhat = new Float64Array(dim);
  for (let r = 0, o = 0; r < rows; r++, o += dim) {
    const m = ms[r] as number;
    const s = rs[r] as number;
    let meanG = 0;
    let meanGx = 0;
    for (let j = 0; j < dim; j++) {
      xhat[j] = ((xs[o + j] as number) - m) * s;
      const g = (dys[o + j] as number) * (ws[j] as number);
      meanG += g;
      meanGx += g * (xhat[j] as number);
    }
    meanG /= dim;
    meanGx /= dim;
    for (let j = 0; j < dim; j++) {
      const d = dys[o + j] as number;
      const g = d * (ws[j] as number);
      dxs[o + j] = s * (g - meanG - (xhat[j] as number) * meanGx);
      dwSum[j] = (dwSum[j] as number) + d * (xhat[j] as number);
      dbSum[j] = (dbSum[j] as number) + d;
    }
  }
  dws.set(dwSum);
  dbs?.set(dbSum);
  return outputs;
}

/** The two LayerNorm kernels for the wasm backend. */
export const layerNormWasmConfigs: KernelConfig[] = [
  wasmKernel(FUSED_KERNELS.layerNorm, layerNorm),
  wasmKernel(FUSED_KERNELS.layerNormGrad, layerNormGrad),
];
