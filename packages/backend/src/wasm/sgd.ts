/**
 * A plain SGD step for the wasm backend (kernel `MakemoreSgd`, see src/fused-kernels.ts): θ − g·lr in one
 * kernel instead of a Multiply and a Sub per parameter. Small models like the lecture MLP are bound by the
 * number of kernels per step, not by arithmetic. Same float32 operations as the composed ops.
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput, wasmKernel } from './fused-kernel';
import { float32Views, heapOffset, type WasmBackendInternals } from './heap';
import { wasmElementwise } from './simd/elementwise';

type SgdArgs = {
  inputs: { param?: TensorInfo; grad?: TensorInfo };
  backend: WasmBackendInternals;
  attrs: { lr?: number };
};

function sgdStep(args: SgdArgs): TensorInfo {
  const kernel = FUSED_KERNELS.sgd;
  const param = kernelInput(args.inputs, 'param', kernel);
  const grad = kernelInput(args.inputs, 'grad', kernel);
  const n = util.sizeFromShape(param.shape);
  if (util.sizeFromShape(grad.shape) !== n) {
    throw new Error(`${kernel}: grad has shape [${grad.shape}], param [${param.shape}]`);
  }
  const lr = args.attrs.lr;
  if (typeof lr !== 'number') throw new Error(`${kernel} needs a number attribute lr`);
  const { backend } = args;
  const out = backend.makeOutput(param.shape, 'float32');
  const simd = wasmElementwise(backend);
  if (simd !== null) {
    simd.sgd(heapOffset(backend, param), heapOffset(backend, grad), heapOffset(backend, out), n, lr);
    return out;
  }
  const [p, g, y] = float32Views(backend, param, grad, out);
  const rate = Math.fround(lr);
  for (let i = 0; i < n; i++) y[i] = (p[i] as number) - Math.fround((g[i] as number) * rate);
  return out;
}

/** The SGD step kernel for the wasm backend. */
export const sgdWasmConfig: KernelConfig = wasmKernel(FUSED_KERNELS.sgd, sgdStep);
