/**
 * A fused Adam/AdamW step for the wasm backend (kernel `MakemoreAdam`, see src/fused-kernels.ts): the
 * update of @makemore/trainer's `Adam` and `AdamW` in one pass over the parameters, gradients and moments,
 * where the composed ops take 11 passes, each writing a new tensor. A baby GPT's 0.8 M parameters took
 * ~10 ms a step that way.
 *
 * The SIMD module does the composed ops' float32 arithmetic in their order (scripts/elementwise-wat.ts);
 * the JavaScript fallback, for engines without WebAssembly SIMD, rounds each operation to float32 the same
 * way with Math.fround.
 */
import { type KernelConfig, type KernelFunc, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { type AdamStepAttrs, FUSED_KERNELS } from '../fused-kernels';
import { heapOffset, heapView, type WasmBackendInternals } from './heap';
import { wasmElementwise } from './simd/elementwise';

type AdamArgs = {
  inputs: Partial<Record<'param' | 'grad' | 'm' | 'v', TensorInfo>>;
  backend: WasmBackendInternals;
  attrs: Partial<AdamStepAttrs>;
};

const ATTRS = ['beta1', 'beta2', 'eps', 'size', 'sqrtBias2', 'decay', 'l2'] as const;

/** `[param, m, v]` after one step. */
function adamStep(args: AdamArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.adam;
  const tensors = (['param', 'grad', 'm', 'v'] as const).map((name) => {
    const t = args.inputs[name];
    if (t === undefined) throw new Error(`${kernel} needs an input ${name}`);
    if (t.dtype !== 'float32') throw new Error(`${kernel} takes float32 tensors; ${name} is ${t.dtype}`);
    return t;
  }) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const [param] = tensors;
  const n = util.sizeFromShape(param.shape);
  for (const [name, t] of ['grad', 'm', 'v'].map((name, i) => [name, tensors[i + 1]] as const)) {
    if (util.sizeFromShape((t as TensorInfo).shape) !== n) {
      throw new Error(`${kernel}: ${name} has shape [${(t as TensorInfo).shape}], param [${param.shape}]`);
    }
  }
  const a = {} as AdamStepAttrs;
  for (const name of ATTRS) {
    const value = args.attrs[name];
    if (typeof value !== 'number') throw new Error(`${kernel} needs a number attribute ${name}`);
    a[name] = value;
  }
  const { backend } = args;
  const outputs = [0, 1, 2].map(() => backend.makeOutput(param.shape, 'float32')) as [
    TensorInfo,
    TensorInfo,
    TensorInfo,
  ];
  const simd = wasmElementwise(backend);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  if (simd !== null) {
    simd.adam(
      ...(tensors.map(at) as [number, number, number, number]),
      ...(outputs.map(at) as [number, number, number]),
      n,
      a.beta1,
      1 - a.beta1,
      a.beta2,
      1 - a.beta2,
      a.eps,
      a.size,
      a.sqrtBias2,
      a.decay,
      a.l2,
    );
    return outputs;
  }
  const f32 = (t: TensorInfo) => heapView(backend, t) as Float32Array;
  const [p, g, m, v] = tensors.map(f32) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [pOut, mOut, vOut] = outputs.map(f32) as [Float32Array, Float32Array, Float32Array];
  const r = Math.fround;
  const [beta1, keep1, beta2, keep2] = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2].map(r) as number[];
  const [eps, size, sqrtBias2, decay, l2] = [a.eps, a.size, a.sqrtBias2, a.decay, a.l2].map(r) as number[];
  for (let i = 0; i < n; i++) {
    const theta = p[i] as number;
    const grad = r((g[i] as number) + r(theta * (l2 as number)));
    const mi = r(r((m[i] as number) * (beta1 as number)) + r(grad * (keep1 as number)));
    const vi = r(r((v[i] as number) * (beta2 as number)) + r(r(grad * grad) * (keep2 as number)));
    const denom = r(r(r(Math.sqrt(vi)) / (sqrtBias2 as number)) + (eps as number));
    pOut[i] = r(theta * (decay as number)) - r(r(mi / denom) * (size as number));
    mOut[i] = mi;
    vOut[i] = vi;
  }
  return outputs;
}

/** The Adam step kernel for the wasm backend. */
export const adamWasmConfig: KernelConfig = {
  kernelName: FUSED_KERNELS.adam,
  backendName: 'wasm',
  kernelFunc: adamStep as unknown as KernelFunc,
};
