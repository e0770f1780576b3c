/**
 * Fused GELU for the wasm backend (kernels `MakemoreGelu` and `MakemoreGeluGrad`, see
 * src/fused-kernels.ts): one pass over memory each way instead of the 5 (forward) and 8 (backward) passes
 * of the composed ops, each of which allocates and writes a full-size tensor. On a baby GPT's `[12, 64, 512]`
 * activation the composed exact GELU took 6.8 ms forward and backward.
 *
 * The float32 arithmetic is the composed ops', in the same order (scripts/elementwise-wat.ts), so results
 * match them; the JavaScript fallback, for engines without WebAssembly SIMD, evaluates the same formulas in
 * float64 and rounds once.
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, type GeluApproximation } from '../fused-kernels';
import { kernelInput, wasmKernel } from './fused-kernel';
import { heapOffset, heapView, type WasmBackendInternals } from './heap';
import { wasmElementwise } from './simd/elementwise';
import { erfRational } from './simd/erf-rational';

type GeluArgs = {
  inputs: { x?: TensorInfo; dy?: TensorInfo; aux?: TensorInfo };
  backend: WasmBackendInternals;
  attrs: { approximate?: GeluApproximation };
};

const C = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const approximation = (args: GeluArgs): GeluApproximation =>
  args.attrs.approximate === 'tanh' ? 'tanh' : 'none';

/** `[y, aux]` of GELU on `x` (also run inside MakemorePackedMatMul, on its product). */
export function gelu(args: GeluArgs): TensorInfo[] {
  const x = kernelInput(args.inputs, 'x', FUSED_KERNELS.gelu);
  const { backend } = args;
  const y = backend.makeOutput(x.shape, 'float32');
  const aux = backend.makeOutput(x.shape, 'float32');
  const n = util.sizeFromShape(x.shape);
  const tanh = approximation(args) === 'tanh';
  const simd = wasmElementwise(backend);
  if (simd !== null) {
    const run = tanh ? simd.gelu_tanh : simd.gelu_erf;
    run(heapOffset(backend, x), heapOffset(backend, y), heapOffset(backend, aux), n);
    return [y, aux];
  }
  const f32 = (t: TensorInfo) => heapView(backend, t) as Float32Array;
  const xs = f32(x);
  const ys = f32(y);
  const as = f32(aux);
  for (let i = 0; i < n; i++) {
    const v = xs[i] as number;
    const a = tanh ? Math.tanh(C * (v + 0.044715 * v * v * v)) : 0.5 * (1 + erfRational(v * Math.SQRT1_2));
    as[i] = a;
    ys[i] = tanh ? 0.5 * v * (1 + a) : v * a;
  }
  return [y, aux];
}

/** dx of GELU from dy, x and the forward pass's aux. */
function geluGrad(args: GeluArgs): TensorInfo {
  const kernel = FUSED_KERNELS.geluGrad;
  const [x, aux, dy] = [
    kernelInput(args.inputs, 'x', kernel),
    kernelInput(args.inputs, 'aux', kernel),
    kernelInput(args.inputs, 'dy', kernel),
  ];
  const { backend } = args;
  const dx = backend.makeOutput(x.shape, 'float32');
  const n = util.sizeFromShape(x.shape);
  const tanh = approximation(args) === 'tanh';
  const simd = wasmElementwise(backend);
  if (simd !== null) {
    const run = tanh ? simd.gelu_tanh_grad : simd.gelu_erf_grad;
    run(
      heapOffset(backend, x),
      heapOffset(backend, aux),
      heapOffset(backend, dy),
      heapOffset(backend, dx),
      n,
    );
    return dx;
  }
  const f32 = (t: TensorInfo) => heapView(backend, t) as Float32Array;
  const xs = f32(x);
  const as = f32(aux);
  const dys = f32(dy);
  const dxs = f32(dx);
  for (let i = 0; i < n; i++) {
    const v = xs[i] as number;
    const a = as[i] as number;
    const slope = tanh
      ? 0.5 * (1 + a) + 0.5 * v * (1 - a * a) * C * (1 + 3 * 0.044715 * v * v)
      : a + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI;
    dxs[i] = (dys[i] as number) * slope;
  }
  return dx;
}

/** The two GELU kernels for the wasm backend. */
export const geluWasmConfigs: KernelConfig[] = [
  wasmKernel(FUSED_KERNELS.gelu, gelu),
  wasmKernel(FUSED_KERNELS.geluGrad, geluGrad),
];
