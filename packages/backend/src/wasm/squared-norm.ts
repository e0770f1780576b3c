/**
 * The squared global L2 norm of any number of tensors for the wasm backend (kernel
 * `MakemoreSquaredNorm`, see src/fused-kernels.ts): Σ over every input of Σ x², the quantity gradient
 * clipping (Pascanu et al. 2013) and the trainer's logging need once per step. Composed, it is a Square
 * and a Sum per parameter and an AddN: 2·n + 1 kernels, 55 for a baby GPT and 11 for the lecture MLP,
 * where the step is bound by per-kernel overhead. Each tensor is summed in float32 on the SIMD module
 * (JavaScript without it) and the per-tensor sums are added in float64.
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput, wasmKernel } from './fused-kernel';
import { heapOffset, heapView, type WasmBackendInternals } from './heap';
import { wasmElementwise } from './simd/elementwise';

type SquaredNormArgs = { inputs: Record<string, TensorInfo | undefined>; backend: WasmBackendInternals };

/** A float32 scalar: Σ x² over every element of every input. */
function squaredNorm(args: SquaredNormArgs): TensorInfo {
  const kernel = FUSED_KERNELS.squaredNorm;
  const { backend } = args;
  const inputs = Object.keys(args.inputs).map((name) => kernelInput(args.inputs, name, kernel));
  const simd = wasmElementwise(backend);
  let total = 0;
  for (const t of inputs) {
    const n = util.sizeFromShape(t.shape);
    if (n === 0) continue;
    if (simd !== null) {
      total += simd.sumsq(heapOffset(backend, t), n);
      continue;
    }
    const xs = heapView(backend, t) as Float32Array;
    let sum = 0;
    for (let i = 0; i < n; i++) sum = Math.fround(sum + Math.fround((xs[i] as number) * (xs[i] as number)));
    total += sum;
  }
  const out = backend.makeOutput([], 'float32');
  (heapView(backend, out) as Float32Array)[0] = total;
  return out;
}

/** The squared-norm kernel for the wasm backend. */
export const squaredNormWasmConfig: KernelConfig = wasmKernel(FUSED_KERNELS.squaredNorm, squaredNorm);
