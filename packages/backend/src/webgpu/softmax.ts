/**
 * The remaining small fused kernels for the webgpu backend (src/fused-kernels.ts), one dispatch each:
 * attention's masked softmax and its gradient (for models that drop attention probabilities, where the
 * fused attention does not apply), and tanh's gradient (the MLP's hidden layer).
 *
 *   MakemoreMaskedSoftmax, a workgroup per row:     y = softmax(x·scale + mask_t)
 *   MakemoreMaskedSoftmaxGrad, a workgroup per row: dx = y·(dy − Σ dy·y)·scale
 *   MakemoreTanhGrad, a thread per element:         dx = dy·(1 − y²)
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput } from '../wasm/fused-kernel';
import { dispatchWgsl, makeOutput, workgroupsFor } from './dispatch';
import { sizeOf, type WebGpuKernelArgs, webgpuKernel } from './kernel';
import { bindings, entry, MINUS_HUGE, reductions } from './wgsl';

function maskedSoftmax(args: WebGpuKernelArgs): TensorInfo {
  const kernel = FUSED_KERNELS.maskedSoftmax;
  const x = kernelInput(args.inputs, 'x', kernel);
  const mask = kernelInput(args.inputs, 'mask', kernel);
  const scale = Number(args.attrs?.scale ?? 1);
  const [T, S] = mask.shape as [number, number];
  if (mask.shape.length !== 2 || x.shape.length < 2 || x.shape.at(-2) !== T || x.shape.at(-1) !== S) {
    throw new Error(`${kernel}: x [..., T, S] and mask [T, S] disagree: [${x.shape}] and [${mask.shape}]`);
  }
  const rows = sizeOf(x) / S;
  const { backend } = args;
  const y = makeOutput(backend, [...x.shape]);
  dispatchWgsl(backend, {
    key: 'makemore-masked-softmax',
    code: () =>
      `${bindings(
        ['y'],
        ['x', 'mask'],
        [
          ['rows', 'i32'],
          ['T', 'i32'],
          ['S', 'i32'],
          ['scale', 'f32'],
        ],
      )}
${reductions(64)}
${entry(
  64,
  `  if (group >= u32(u.rows)) { return; }
  let S = u32(u.S);
  let base = group * S;
  let maskBase = (group % u32(u.T)) * S;
  var top = ${MINUS_HUGE};
  for (var j = lid; j < S; j = j + WG) {
    let m = mask[maskBase + j];
    if (m > -1.0e30) { top = max(top, x[base + j] * u.scale + m); }
  }
  top = workgroupMax(top, lid);
  var sum = 0.0;
  for (var j = lid; j < S; j = j + WG) {
    let m = mask[maskBase + j];
    if (m > -1.0e30) { sum = sum + exp(x[base + j] * u.scale + m - top); }
  }
  sum = workgroupSum(sum, lid);
  for (var j = lid; j < S; j = j + WG) {
    let m = mask[maskBase + j];
    y[base + j] = select(0.0, exp(x[base + j] * u.scale + m - top) / sum, m > -1.0e30);
  }`,
)}`,
    outputs: [y],
    inputs: [x, mask],
    uniforms: [{ i32: rows }, { i32: T }, { i32: S }, { f32: scale }],
    workgroups: workgroupsFor(rows, 1),
  });
  return y;
}

function maskedSoftmaxGrad(args: WebGpuKernelArgs): TensorInfo {
  const kernel = FUSED_KERNELS.maskedSoftmaxGrad;
  const dy = kernelInput(args.inputs, 'dy', kernel);
  const y = kernelInput(args.inputs, 'y', kernel);
  const scale = Number(args.attrs?.scale ?? 1);
  const S = y.shape.at(-1) ?? 1;
  const rows = sizeOf(y) / S;
  const { backend } = args;
  const dx = makeOutput(backend, [...y.shape]);
  dispatchWgsl(backend, {
    key: 'makemore-masked-softmax-grad',
    code: () =>
      `${bindings(
        ['dx'],
        ['dy', 'y'],
        [
          ['rows', 'i32'],
          ['S', 'i32'],
          ['scale', 'f32'],
        ],
      )}
${reductions(64)}
${entry(
  64,
  `  if (group >= u32(u.rows)) { return; }
  let S = u32(u.S);
  let base = group * S;
  var inner = 0.0;
  for (var j = lid; j < S; j = j + WG) { inner = inner + dy[base + j] * y[base + j]; }
  inner = workgroupSum(inner, lid);
  for (var j = lid; j < S; j = j + WG) { dx[base + j] = y[base + j] * (dy[base + j] - inner) * u.scale; }`,
)}`,
    outputs: [dx],
    inputs: [dy, y],
    uniforms: [{ i32: rows }, { i32: S }, { f32: scale }],
    workgroups: workgroupsFor(rows, 1),
  });
  return dx;
}

function tanhGrad(args: WebGpuKernelArgs): TensorInfo {
  const kernel = FUSED_KERNELS.tanhGrad;
  const dy = kernelInput(args.inputs, 'dy', kernel);
  const y = kernelInput(args.inputs, 'y', kernel);
  const n = sizeOf(y);
  const { backend } = args;
  const dx = makeOutput(backend, [...y.shape]);
  dispatchWgsl(backend, {
    key: 'makemore-tanh-grad',
    code: () =>
      `${bindings(['dx'], ['dy', 'y'], [['n', 'i32']])}
${entry(
  256,
  `  if (index >= u32(u.n)) { return; }
  let v = y[index];
  dx[index] = dy[index] * (1.0 - v * v);`,
)}`,
    outputs: [dx],
    inputs: [dy, y],
    uniforms: [{ i32: n }],
    workgroups: workgroupsFor(n, 256),
  });
  return dx;
}

/** Masked softmax (both ways) and tanh's gradient, registered on webgpu. */
export const softmaxWebGpuConfigs: KernelConfig[] = [
  webgpuKernel(FUSED_KERNELS.maskedSoftmax, maskedSoftmax),
  webgpuKernel(FUSED_KERNELS.maskedSoftmaxGrad, maskedSoftmaxGrad),
  webgpuKernel(FUSED_KERNELS.tanhGrad, tanhGrad),
];
