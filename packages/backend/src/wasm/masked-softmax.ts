/**
 * Attention's scaled, masked softmax for the wasm backend (kernels `MakemoreMaskedSoftmax` and
 * `MakemoreMaskedSoftmaxGrad`, see src/fused-kernels.ts): softmax(x·scale + mask) over the last axis in
 * one kernel, where the composed ops take three forward (Multiply, Add, Softmax) and four backward, each a
 * pass over a [B, H, T, T] tensor.
 *
 * The SIMD module takes rows of a multiple of 4 floats; other widths, and engines without WebAssembly
 * SIMD, run the JavaScript loops here.
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput, wasmKernel } from './fused-kernel';
import { float32Views, heapOffset, type WasmBackendInternals } from './heap';
import { wasmElementwise } from './simd/elementwise';

export type SoftmaxArgs = {
  inputs: Partial<Record<'x' | 'mask' | 'dy' | 'y', TensorInfo>>;
  backend: WasmBackendInternals;
  attrs: { scale?: number };
};

const lastAxis = (t: TensorInfo) => t.shape[t.shape.length - 1] ?? 1;

/** y = softmax(x·scale + mask) over the last axis; mask is [T, S] for x of shape [..., T, S]. */
export function maskedSoftmax(args: SoftmaxArgs): TensorInfo {
  const kernel = FUSED_KERNELS.maskedSoftmax;
  const x = kernelInput(args.inputs, 'x', kernel);
  const mask = kernelInput(args.inputs, 'mask', kernel);
  const scale = args.attrs.scale ?? 1;
  const cols = lastAxis(x);
  const maskRows = x.shape.length >= 2 ? (x.shape[x.shape.length - 2] as number) : 1;
  if (mask.shape.length !== 2 || mask.shape[0] !== maskRows || mask.shape[1] !== cols) {
    throw new Error(
      `${kernel}: mask has shape [${mask.shape}], expected [${maskRows}, ${cols}] (x's last two axes)`,
    );
  }
  const rows = util.sizeFromShape(x.shape) / cols;
  const { backend } = args;
  const y = backend.makeOutput(x.shape, 'float32');
  const simd = cols % 4 === 0 ? wasmElementwise(backend) : null;
  if (simd !== null) {
    simd.masked_softmax(
      heapOffset(backend, x),
      heapOffset(backend, mask),
      heapOffset(backend, y),
      rows,
      cols,
      maskRows,
      scale,
    );
    return y;
  }
  const [xs, ms, ys] = float32Views(backend, x, mask, y);
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    const mo = (r % maskRows) * cols;
    let top = -Infinity;
    for (let j = 0; j < cols; j++) {
      const v = (xs[o + j] as number) * scale + (ms[mo + j] as number);
      ys[o + j] = v;
      top = Math.max(top, v);
    }
    let total = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp((ys[o + j] as number) - top);
      ys[o + j] = e;
      total += e;
    }
    for (let j = 0; j < cols; j++) ys[o + j] = (ys[o + j] as number) / total;
  }
  return y;
}

/** dx = ((dy − Σ dy·y)·y)·scale over the last axis. */
export function maskedSoftmaxGrad(args: SoftmaxArgs): TensorInfo {
  const kernel = FUSED_KERNELS.maskedSoftmaxGrad;
  const dy = kernelInput(args.inputs, 'dy', kernel);
  const y = kernelInput(args.inputs, 'y', kernel);
  const scale = args.attrs.scale ?? 1;
  const cols = lastAxis(y);
  const rows = util.sizeFromShape(y.shape) / cols;
  const { backend } = args;
  const dx = backend.makeOutput(y.shape, 'float32');
  const simd = cols % 4 === 0 ? wasmElementwise(backend) : null;
  if (simd !== null) {
    simd.masked_softmax_grad(
      heapOffset(backend, dy),
      heapOffset(backend, y),
      heapOffset(backend, dx),
      rows,
      cols,
      scale,
    );
    return dx;
  }
  const [dys, ys, dxs] = float32Views(backend, dy, y, dx);
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += (dys[o + j] as number) * (ys[o + j] as number);
    for (let j = 0; j < cols; j++)
      dxs[o + j] = ((dys[o + j] as number) - dot) * (ys[o + j] as number) * scale;
  }
  return dx;
}

/** The two masked-softmax kernels for the wasm backend. */
export const maskedSoftmaxWasmConfigs: KernelConfig[] = [
  wasmKernel(FUSED_KERNELS.maskedSoftmax, maskedSoftmax),
  wasmKernel(FUSED_KERNELS.maskedSoftmaxGrad, maskedSoftmaxGrad),
];
