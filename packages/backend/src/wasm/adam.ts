/**
 * A fused Adam/AdamW step for the wasm backend (kernel `MakemoreAdam`, see src/fused-kernels.ts): the
 * update of @makemore/trainer's `Adam` and `AdamW` in one pass over the parameters, gradients and moments,
 * where the composed ops take 11 passes, each writing a new tensor. A baby GPT's 0.8 M parameters took
 * ~10 ms a step that way.
 *
 * The SIMD module does the composed ops' float32 arithmetic in their order (scripts/elementwise-wat.ts);
 * the JavaScript fallback, for engines without WebAssembly SIMD, rounds each operation to float32 the same
 * way with Math.fround.
 *
 * With the optional `norm` input (gradient clipping), the norm is read from the heap (on wasm it is already
 * in memory: no transfer) and, when it exceeds `maxNorm`, each gradient is scaled into a scratch tensor
 * first: g·scale rounded to float32, the product tfjs's `mul` gives.
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { type AdamStepAttrs, clipScale, FUSED_KERNELS } from '../fused-kernels';
import { kernelInput, wasmKernel } from './fused-kernel';
import { heapOffset, heapView, type WasmBackendInternals } from './heap';
import { wasmElementwise } from './simd/elementwise';

type AdamArgs = {
  inputs: Record<string, TensorInfo | undefined>;
  backend: WasmBackendInternals;
  attrs: Partial<AdamStepAttrs>;
};

const ATTRS = ['beta1', 'beta2', 'eps', 'size', 'sqrtBias2', 'decay', 'l2'] as const;

/**
 * `[m, v, p0, p1, …]` after one step of the parameters `p0, p1, …` with gradients `g0, g1, …`, whose
 * moments lie back to back, in index order, in the flat `m` and `v`. One kernel for a whole parameter
 * group: no concatenation of parameters and gradients, no split of the result.
 */
function adamStep(args: AdamArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.adam;
  const input = (name: string) => kernelInput(args.inputs, name, kernel);
  const [m, v] = [input('m'), input('v')];
  const pairs: [TensorInfo, TensorInfo][] = [];
  for (let i = 0; args.inputs[`p${i}`] !== undefined; i++) pairs.push([input(`p${i}`), input(`g${i}`)]);
  if (pairs.length === 0) throw new Error(`${kernel} needs parameters p0, p1, … and gradients g0, g1, …`);
  const sizes = pairs.map(([p, g], i) => {
    const n = util.sizeFromShape(p.shape);
    if (util.sizeFromShape(g.shape) !== n)
      throw new Error(`${kernel}: g${i} has shape [${g.shape}], p${i} [${p.shape}]`);
    return n;
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  for (const [name, t] of [
    ['m', m],
    ['v', v],
  ] as const) {
    if (util.sizeFromShape(t.shape) !== total) {
      throw new Error(
        `${kernel}: ${name} has ${util.sizeFromShape(t.shape)} floats, the parameters ${total}`,
      );
    }
  }
  const a = {} as AdamStepAttrs;
  for (const name of ATTRS) {
    const value = args.attrs[name];
    if (typeof value !== 'number') throw new Error(`${kernel} needs a number attribute ${name}`);
    a[name] = value;
  }
  const { backend } = args;
  const scale = clipFactor(args, backend);
  const scratch: TensorInfo[] = [];
  if (scale !== 1) {
    for (const pair of pairs) {
      const g = pair[1];
      const scaled = backend.makeOutput(g.shape, 'float32');
      const [from, to] = [f32(backend, g), f32(backend, scaled)];
      for (let i = 0; i < from.length; i++) to[i] = Math.fround((from[i] as number) * scale);
      pair[1] = scaled;
      scratch.push(scaled);
    }
  }
  const [mOut, vOut] = [backend.makeOutput(m.shape, 'float32'), backend.makeOutput(v.shape, 'float32')];
  const pOuts = pairs.map(([p]) => backend.makeOutput(p.shape, 'float32'));
  const simd = wasmElementwise(backend);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  let offset = 0;
  for (const [i, [p, g]] of pairs.entries()) {
    const n = sizes[i] as number;
    const pOut = pOuts[i] as TensorInfo;
    if (simd !== null) {
      const bytes = 4 * offset;
      simd.adam(
        at(p),
        at(g),
        at(m) + bytes,
        at(v) + bytes,
        at(pOut),
        at(mOut) + bytes,
        at(vOut) + bytes,
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
    } else {
      adamInto(
        a,
        n,
        offset,
        { p: f32(backend, p), g: f32(backend, g), m: f32(backend, m), v: f32(backend, v) },
        { p: f32(backend, pOut), m: f32(backend, mOut), v: f32(backend, vOut) },
      );
    }
    offset += n;
  }
  for (const t of scratch) backend.disposeData(t.dataId);
  return [mOut, vOut, ...pOuts];
}

/** The clipping factor from the `norm` input and `maxNorm` attr (1 without them). */
function clipFactor(args: AdamArgs, backend: WasmBackendInternals): number {
  const norm = args.inputs.norm;
  if (norm === undefined) return 1;
  const maxNorm = args.attrs.maxNorm;
  if (typeof maxNorm !== 'number' || !(maxNorm > 0))
    throw new Error(`${FUSED_KERNELS.adam}: the input norm needs a number attribute maxNorm > 0`);
  if (util.sizeFromShape(norm.shape) !== 1 || norm.dtype !== 'float32')
    throw new Error(`${FUSED_KERNELS.adam}: norm must be one float32, got [${norm.shape}] ${norm.dtype}`);
  return clipScale(f32(backend, norm)[0] as number, maxNorm);
}

const f32 = (backend: WasmBackendInternals, t: TensorInfo) => heapView(backend, t) as Float32Array;

/**
 * The update in JavaScript, every operation rounded to float32 as the SIMD module's: n parameters, their
 * moments from `offset` in the flat m and v.
 */
function adamInto(
  a: AdamStepAttrs,
  n: number,
  offset: number,
  from: { p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array },
  to: { p: Float32Array; m: Float32Array; v: Float32Array },
): void {
  const r = Math.fround;
  const [beta1, keep1, beta2, keep2] = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2].map(r) as number[];
  const [eps, size, sqrtBias2, decay, l2] = [a.eps, a.size, a.sqrtBias2, a.decay, a.l2].map(r) as number[];
  for (let i = 0; i < n; i++) {
    const theta = from.p[i] as number;
    const grad = r((from.g[i] as number) + r(theta * (l2 as number)));
    const mi = r(r((from.m[offset + i] as number) * (beta1 as number)) + r(grad * (keep1 as number)));
    const vi = r(
      r((from.v[offset + i] as number) * (beta2 as number)) + r(r(grad * grad) * (keep2 as number)),
    );
    const denom = r(r(r(Math.sqrt(vi)) / (sqrtBias2 as number)) + (eps as number));
    to.p[i] = r(theta * (decay as number)) - r(r(mi / denom) * (size as number));
    to.m[offset + i] = mi;
    to.v[offset + i] = vi;
  }
}

/** The Adam step kernel for the wasm backend. */
export const adamWasmConfig: KernelConfig = wasmKernel(FUSED_KERNELS.adam, adamStep);
