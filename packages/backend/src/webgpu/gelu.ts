/**
 * Fused GELU for the webgpu backend (`MakemoreGelu`, `MakemoreGeluGrad`, src/fused-kernels.ts): one
 * dispatch each way, where the composed ops take 5 (exact form) to 9 (tanh form) forward and more back.
 *
 *   exact: y = x·Φ(x),  Φ(x) = ½(1 + erf(x/√2)),  dy/dx = Φ(x) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π)
 *   tanh:  y = ½x(1 + t),  t = tanh(√(2/π)(x + 0.044715x³)),
 *          dy/dx = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)
 *
 * WGSL has no erf: it is Abramowitz & Stegun's 7.1.26 (Handbook of Mathematical Functions, 1964), absolute
 * error below 1.5e-7, which is float32's own rounding near erf's plateau. The forward pass keeps Φ(x) or t
 * (`aux`) so that the gradient needs no second erf or tanh.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, type GeluApproximation } from '../fused-kernels';
import { kernelInput } from '../wasm/fused-kernel';
import { dispatchWgsl, makeOutput, workgroupsFor } from './dispatch';
import { sizeOf, type WebGpuKernelArgs, webgpuKernel } from './kernel';
import { bindings, entry } from './wgsl';

const ERF = `fn erfApprox(z: f32) -> f32 {
  let a = abs(z);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(z) * (1.0 - poly * exp(-a * a));
}`;

const TANH_ARG = (x: string) =>
  `clamp(0.7978845608028654 * (${x} + 0.044715 * ${x} * ${x} * ${x}), -10.0, 10.0)`;

function approximationOf(attrs: Record<string, unknown> | undefined, kernel: string): GeluApproximation {
  const a = attrs?.approximate ?? 'none';
  if (a !== 'none' && a !== 'tanh')
    throw new Error(`${kernel}: approximate must be 'none' or 'tanh', got ${a}`);
  return a;
}

function gelu(args: WebGpuKernelArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.gelu;
  const x = kernelInput(args.inputs, 'x', kernel);
  const form = approximationOf(args.attrs, kernel);
  const { backend } = args;
  const y = makeOutput(backend, [...x.shape]);
  const aux = makeOutput(backend, [...x.shape]);
  const n = sizeOf(x);
  const body =
    form === 'none'
      ? `  let p = 0.5 * (1.0 + erfApprox(v * 0.7071067811865476));
  aux[index] = p;
  y[index] = v * p;`
      : `  let t = tanh(${TANH_ARG('v')});
  aux[index] = t;
  y[index] = 0.5 * v * (1.0 + t);`;
  dispatchWgsl(backend, {
    key: `makemore-gelu-${form}`,
    code: () =>
      `${bindings(['y', 'aux'], ['x'], [['n', 'i32']])}
${ERF}
${entry(
  256,
  `  if (index >= u32(u.n)) { return; }
  let v = x[index];
${body}`,
)}`,
    outputs: [y, aux],
    inputs: [x],
    uniforms: [{ i32: n }],
    workgroups: workgroupsFor(n, 256),
  });
  return [y, aux];
}

function geluGrad(args: WebGpuKernelArgs): TensorInfo {
  const kernel = FUSED_KERNELS.geluGrad;
  const dy = kernelInput(args.inputs, 'dy', kernel);
  const x = kernelInput(args.inputs, 'x', kernel);
  const aux = kernelInput(args.inputs, 'aux', kernel);
  const form = approximationOf(args.attrs, kernel);
  const { backend } = args;
  const dx = makeOutput(backend, [...x.shape]);
  const n = sizeOf(x);
  const slope =
    form === 'none'
      ? 'a + v * 0.3989422804014327 * exp(-0.5 * v * v)'
      : '0.5 * (1.0 + a) + 0.5 * v * (1.0 - a * a) * 0.7978845608028654 * (1.0 + 0.134145 * v * v)';
  dispatchWgsl(backend, {
    key: `makemore-gelu-grad-${form}`,
    code: () =>
      `${bindings(['dx'], ['dy', 'x', 'aux'], [['n', 'i32']])}
${entry(
  256,
  `  if (index >= u32(u.n)) { return; }
  let v = x[index];
  let a = aux[index];
  dx[index] = dy[index] * (${slope});`,
)}`,
    outputs: [dx],
    inputs: [dy, x, aux],
    uniforms: [{ i32: n }],
    workgroups: workgroupsFor(n, 256),
  });
  return dx;
}

/** The two GELU kernels, registered on webgpu. */
export const geluWebGpuConfigs: KernelConfig[] = [
  webgpuKernel(FUSED_KERNELS.gelu, gelu),
  webgpuKernel(FUSED_KERNELS.geluGrad, geluGrad),
];
