/**
 * The optimizer's fused kernels for the webgpu backend (src/fused-kernels.ts): `MakemoreAdam` (Adam/AdamW
 * over a whole parameter group), `MakemoreSquaredNorm` (the gradients' global squared norm, for clipping)
 * and `MakemoreSgd`.
 *
 * A shader binds at most 8 storage buffers on tfjs's device (WebGPU's default limit), and a baby GPT has
 * dozens of parameter tensors. So the parameters and gradients are first copied back to back into one
 * flat buffer each (buffer-to-buffer copies in the command stream, no shader), one dispatch updates the
 * whole group, and the new parameters are copied out of the flat result: one dispatch where the composed
 * ops take 11 per parameter tensor. The squared norm is one dispatch of one workgroup over the copied
 * gradients, where the composed ops take 2 per tensor and an AddN tree.
 *
 * Gradient clipping folds into the same dispatch: given the global norm as a one-element tensor (which
 * never leaves the GPU) and maxNorm, each gradient is scaled by min(maxNorm / (norm + 1e-6), 1) as it is
 * read, where the composed clipping takes a division, a minimum and a multiplication per parameter tensor.
 *
 * Adam's arithmetic is the composed ops' (see AdamStepAttrs): θ' = θ·decay, g' = g + θ·l2,
 * m ← m·β1 + g'·(1 − β1), v ← v·β2 + g'²·(1 − β2), θ ← θ' − (m / (√v / sqrtBias2 + eps))·size.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { type AdamStepAttrs, FUSED_KERNELS } from '../fused-kernels';
import { kernelInput } from '../wasm/fused-kernel';
import { copyTensors, dispatchWgsl, makeOutput, workgroupsFor } from './dispatch';
import { sizeOf, type WebGpuKernelArgs, webgpuKernel } from './kernel';
import { bindings, entry, reductions } from './wgsl';

const ADAM_ATTRS = ['beta1', 'beta2', 'eps', 'size', 'sqrtBias2', 'decay', 'l2'] as const;

function adam(args: WebGpuKernelArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.adam;
  const input = (name: string) => kernelInput(args.inputs, name, kernel);
  const [m, v] = [input('m'), input('v')];
  const params: TensorInfo[] = [];
  const grads: TensorInfo[] = [];
  for (let i = 0; args.inputs[`p${i}`] !== undefined; i++) {
    const p = input(`p${i}`);
    const g = input(`g${i}`);
    if (sizeOf(g) !== sizeOf(p))
      throw new Error(`${kernel}: g${i} has shape [${g.shape}], p${i} [${p.shape}]`);
    params.push(p);
    grads.push(g);
  }
  if (params.length === 0) throw new Error(`${kernel} needs parameters p0, p1, … and gradients g0, g1, …`);
  const total = params.reduce((n, p) => n + sizeOf(p), 0);
  for (const [name, t] of [
    ['m', m],
    ['v', v],
  ] as const) {
    if (sizeOf(t) !== total)
      throw new Error(`${kernel}: ${name} has ${sizeOf(t)} floats, the parameters ${total}`);
  }
  const a = {} as AdamStepAttrs;
  for (const name of ADAM_ATTRS) {
    const value = args.attrs?.[name];
    if (typeof value !== 'number') throw new Error(`${kernel} needs a number attribute ${name}`);
    a[name] = value;
  }
  const norm = args.inputs.norm === undefined ? undefined : input('norm');
  let maxNorm = 0;
  if (norm !== undefined) {
    const value = args.attrs?.maxNorm;
    if (typeof value !== 'number' || !(value > 0))
      throw new Error(`${kernel}: the input norm needs a number attribute maxNorm > 0`);
    if (sizeOf(norm) !== 1) throw new Error(`${kernel}: norm must be one float, got [${norm.shape}]`);
    maxNorm = value;
  }
  const { backend } = args;
  const flatP = makeOutput(backend, [total]);
  const flatG = makeOutput(backend, [total]);
  copyTensors(backend, 'gather', flatP, params);
  copyTensors(backend, 'gather', flatG, grads);
  const m2 = makeOutput(backend, [...m.shape]);
  const v2 = makeOutput(backend, [...v.shape]);
  const next = makeOutput(backend, [total]);
  // With clipping, an 8th storage buffer (WebGPU's default limit per stage) holds the norm, read by every
  // invocation: the factor min(maxNorm / (norm + 1e-6), 1) is clipGradNorm's, in the same float32 steps.
  const clip = norm !== undefined;
  const gradLine = clip
    ? 'let scale = min(u.maxNorm / (nrm[0] + 1e-6), 1.0);\n  let grad = g[index] * scale + theta * u.l2;'
    : 'let grad = g[index] + theta * u.l2;';
  dispatchWgsl(backend, {
    key: clip ? 'makemore-adam-clip' : 'makemore-adam',
    code: () =>
      `${bindings(
        ['mOut', 'vOut', 'pOut'],
        clip ? ['mIn', 'vIn', 'p', 'g', 'nrm'] : ['mIn', 'vIn', 'p', 'g'],
        [
          ['n', 'i32'],
          ['beta1', 'f32'],
          ['beta2', 'f32'],
          ['eps', 'f32'],
          ['size', 'f32'],
          ['sqrtBias2', 'f32'],
          ['decay', 'f32'],
          ['l2', 'f32'],
          ['maxNorm', 'f32'],
        ],
      )}
${entry(
  256,
  `  if (index >= u32(u.n)) { return; }
  let theta = p[index];
  ${gradLine}
  let m1 = mIn[index] * u.beta1 + grad * (1.0 - u.beta1);
  let v1 = vIn[index] * u.beta2 + grad * grad * (1.0 - u.beta2);
  mOut[index] = m1;
  vOut[index] = v1;
  pOut[index] = theta * u.decay - (m1 / (sqrt(v1) / u.sqrtBias2 + u.eps)) * u.size;`,
)}`,
    outputs: [m2, v2, next],
    inputs: norm === undefined ? [m, v, flatP, flatG] : [m, v, flatP, flatG, norm],
    uniforms: [
      { i32: total },
      { f32: a.beta1 },
      { f32: a.beta2 },
      { f32: a.eps },
      { f32: a.size },
      { f32: a.sqrtBias2 },
      { f32: a.decay },
      { f32: a.l2 },
      { f32: maxNorm },
    ],
    workgroups: workgroupsFor(total, 256),
  });
  const outs = params.map((p) => makeOutput(backend, [...p.shape]));
  copyTensors(backend, 'scatter', next, outs);
  for (const t of [flatP, flatG, next]) backend.disposeData(t.dataId);
  return [m2, v2, ...outs];
}

function squaredNorm(args: WebGpuKernelArgs): TensorInfo {
  const kernel = FUSED_KERNELS.squaredNorm;
  const inputs = Object.keys(args.inputs).map((name) => kernelInput(args.inputs, name, kernel));
  const { backend } = args;
  const total = inputs.reduce((n, t) => n + sizeOf(t), 0);
  const out = makeOutput(backend, []);
  const flat = makeOutput(backend, [Math.max(1, total)]);
  copyTensors(backend, 'gather', flat, inputs);
  dispatchWgsl(backend, {
    key: 'makemore-squared-norm',
    code: () =>
      `${bindings(['out'], ['x'], [['n', 'i32']])}
${reductions(256)}
${entry(
  256,
  `  let n = u32(u.n);
  var s = 0.0;
  for (var i = lid; i < n; i = i + WG) { let v = x[i]; s = s + v * v; }
  s = workgroupSum(s, lid);
  if (lid == 0u) { out[0] = s; }`,
)}`,
    outputs: [out],
    inputs: [flat],
    uniforms: [{ i32: total }],
    workgroups: [1],
  });
  backend.disposeData(flat.dataId);
  return out;
}

function sgd(args: WebGpuKernelArgs): TensorInfo {
  const kernel = FUSED_KERNELS.sgd;
  const param = kernelInput(args.inputs, 'param', kernel);
  const grad = kernelInput(args.inputs, 'grad', kernel);
  const lr = args.attrs?.lr;
  if (typeof lr !== 'number') throw new Error(`${kernel} needs a number attribute lr`);
  const n = sizeOf(param);
  if (sizeOf(grad) !== n)
    throw new Error(`${kernel}: grad has shape [${grad.shape}], param [${param.shape}]`);
  const { backend } = args;
  const out = makeOutput(backend, [...param.shape]);
  dispatchWgsl(backend, {
    key: 'makemore-sgd',
    code: () =>
      `${bindings(
        ['out'],
        ['p', 'g'],
        [
          ['n', 'i32'],
          ['lr', 'f32'],
        ],
      )}
${entry(
  256,
  `  if (index >= u32(u.n)) { return; }
  out[index] = p[index] - g[index] * u.lr;`,
)}`,
    outputs: [out],
    inputs: [param, grad],
    uniforms: [{ i32: n }, { f32: lr }],
    workgroups: workgroupsFor(n, 256),
  });
  return out;
}

/** The optimizer kernels, registered on webgpu. */
export const optimizerWebGpuConfigs: KernelConfig[] = [
  webgpuKernel(FUSED_KERNELS.adam, adam),
  webgpuKernel(FUSED_KERNELS.squaredNorm, squaredNorm),
  webgpuKernel(FUSED_KERNELS.sgd, sgd),
];
