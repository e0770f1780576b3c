/**
 * tanh's gradient from its output for the wasm backend (kernel `MakemoreTanhGrad`, see
 * src/fused-kernels.ts): dy·(1 − y²) in one kernel instead of Square, Sub and Multiply. The lecture MLP's
 * hand-written backward pass uses it; its step is bound by the number of kernels. Same float32 operations
 * as the composed ops.
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput, wasmKernel } from './fused-kernel';
import { float32Views, heapOffset, type WasmBackendInternals } from './heap';
import { wasmElementwise } from './simd/elementwise';

type TanhGradArgs = { inputs: { dy?: TensorInfo; y?: TensorInfo }; backend: WasmBackendInternals };

function tanhGrad(args: TanhGradArgs): TensorInfo {
  const kernel = FUSED_KERNELS.tanhGrad;
  const dy = kernelInput(args.inputs, 'dy', kernel);
  const y = kernelInput(args.inputs, 'y', kernel);
  if (!util.arraysEqual(dy.shape, y.shape)) {
    throw new Error(`${kernel}: dy has shape [${dy.shape}], y [${y.shape}]`);
  }
  const { backend } = args;
  const dx = backend.makeOutput(y.shape, 'float32');
  const n = util.sizeFromShape(y.shape);
  const simd = wasmElementwise(backend);
  if (simd !== null) {
    simd.tanh_grad(heapOffset(backend, y), heapOffset(backend, dy), heapOffset(backend, dx), n);
    return dx;
  }
  const [ys, dys, dxs] = float32Views(backend, y, dy, dx);
  const r = Math.fround;
  for (let i = 0; i < n; i++) dxs[i] = (dys[i] as number) * r(1 - r((ys[i] as number) * (ys[i] as number)));
  return dx;
}

/** The tanh-gradient kernel for the wasm backend. */
export const tanhGradWasmConfig: KernelConfig = wasmKernel(FUSED_KERNELS.tanhGrad, tanhGrad);
