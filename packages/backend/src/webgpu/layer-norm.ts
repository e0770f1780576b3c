/**
 * Fused LayerNorm over the last axis for the webgpu backend (`MakemoreLayerNorm`, `MakemoreLayerNormGrad`,
 * src/fused-kernels.ts): one dispatch each way, where the composed ops take about 10 and 20.
 *
 *   forward (a workgroup per row): μ = mean(x), r = 1/√(mean((x − μ)²) + ε), y = (x − μ)·r·w (+ b)
 *   dx (a workgroup per row):      x̂ = (x − μ)·r, g = dy·w, dx = r·(g − mean(g) − x̂·mean(g·x̂))
 *   dw, db (a workgroup per column): dw = Σ_rows dy·x̂, db = Σ_rows dy
 *
 * The backward dispatch runs both kinds of workgroup side by side (rows first, then columns): each reads
 * only the inputs, so one dispatch does what two would.
 *
 * The variance is taken about the mean in a second pass over the row (not E[x²] − μ²), as PyTorch does.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput } from '../wasm/fused-kernel';
import { dispatchWgsl, makeOutput, workgroupsFor } from './dispatch';
import { type WebGpuKernelArgs, webgpuKernel } from './kernel';
import { bindings, entry, reductions } from './wgsl';

/** Rows and columns of x, whose last axis is normalised; checks the weight's length. */
function rowsOf(x: TensorInfo, weight: TensorInfo, kernel: string): { rows: number; cols: number } {
  const cols = x.shape[x.shape.length - 1] ?? 1;
  if (x.shape.length === 0 || weight.shape.reduce((a, b) => a * b, 1) !== cols) {
    throw new Error(`${kernel}: the weight [${weight.shape}] must match x's last axis [${x.shape}]`);
  }
  return { rows: x.shape.slice(0, -1).reduce((a, b) => a * b, 1), cols };
}

function layerNorm(args: WebGpuKernelArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.layerNorm;
  const x = kernelInput(args.inputs, 'x', kernel);
  const weight = kernelInput(args.inputs, 'weight', kernel);
  const bias = args.inputs.bias === undefined ? undefined : kernelInput(args.inputs, 'bias', kernel);
  const epsilon = Number(args.attrs?.epsilon ?? 1e-5);
  const { rows, cols } = rowsOf(x, weight, kernel);
  const { backend } = args;
  const y = makeOutput(backend, [...x.shape]);
  const mean = makeOutput(backend, [rows]);
  const rstd = makeOutput(backend, [rows]);
  const withBias = bias !== undefined;
  dispatchWgsl(backend, {
    key: `makemore-layer-norm-${withBias}`,
    code: () =>
      `${bindings(['y', 'meanOut', 'rstdOut'], withBias ? ['x', 'w', 'b'] : ['x', 'w'], [
        ['rows', 'i32'],
        ['cols', 'i32'],
        ['eps', 'f32'],
      ])}
${reductions(64)}
${entry(
  64,
  `  if (group >= u32(u.rows)) { return; }
  let C = u32(u.cols);
  let base = group * C;
  var s = 0.0;
  for (var j = lid; j < C; j = j + WG) { s = s + x[base + j]; }
  let mu = workgroupSum(s, lid) / f32(C);
  var q = 0.0;
  for (var j = lid; j < C; j = j + WG) { let d = x[base + j] - mu; q = q + d * d; }
  let r = 1.0 / sqrt(workgroupSum(q, lid) / f32(C) + u.eps);
  for (var j = lid; j < C; j = j + WG) {
    y[base + j] = (x[base + j] - mu) * r * w[j]${withBias ? ' + b[j]' : ''};
  }
  if (lid == 0u) { meanOut[group] = mu; rstdOut[group] = r; }`,
)}`,
    outputs: [y, mean, rstd],
    inputs: withBias ? [x, weight, bias] : [x, weight],
    uniforms: [{ i32: rows }, { i32: cols }, { f32: epsilon }],
    workgroups: workgroupsFor(rows, 1),
  });
  return [y, mean, rstd];
}

function layerNormGrad(args: WebGpuKernelArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.layerNormGrad;
  const dy = kernelInput(args.inputs, 'dy', kernel);
  const x = kernelInput(args.inputs, 'x', kernel);
  const mean = kernelInput(args.inputs, 'mean', kernel);
  const rstd = kernelInput(args.inputs, 'rstd', kernel);
  const weight = kernelInput(args.inputs, 'weight', kernel);
  const withBias = args.attrs?.bias === true;
  const { rows, cols } = rowsOf(x, weight, kernel);
  const { backend } = args;
  const dx = makeOutput(backend, [...x.shape]);
  const dweight = makeOutput(backend, [...weight.shape]);
  const dbias = withBias ? makeOutput(backend, [...weight.shape]) : undefined;
  // One dispatch for both: workgroups [0, rows) each take a row of dx, workgroups [rows, rows + cols) a
  // column of dw (and db). Both only read the inputs, so they need no ordering between them.
  const outputs = withBias ? ['dx', 'dw', 'db'] : ['dx', 'dw'];
  dispatchWgsl(backend, {
    key: `makemore-layer-norm-grad-${withBias}`,
    code: () =>
      `${bindings(
        outputs,
        ['dy', 'x', 'meanIn', 'rstdIn', 'w'],
        [
          ['rows', 'i32'],
          ['cols', 'i32'],
        ],
      )}
${reductions(64)}
${entry(
  64,
  `  let C = u32(u.cols);
  let R = u32(u.rows);
  if (group < R) {
    let base = group * C;
    let mu = meanIn[group];
    let r = rstdIn[group];
    var sg = 0.0;
    var sgx = 0.0;
    for (var j = lid; j < C; j = j + WG) {
      let g = dy[base + j] * w[j];
      sg = sg + g;
      sgx = sgx + g * (x[base + j] - mu) * r;
    }
    let a = workgroupSum(sg, lid) / f32(C);
    let c = workgroupSum(sgx, lid) / f32(C);
    for (var j = lid; j < C; j = j + WG) {
      let g = dy[base + j] * w[j];
      let xh = (x[base + j] - mu) * r;
      dx[base + j] = r * (g - a - xh * c);
    }
  } else if (group < R + C) {
    let col = group - R;
    var sw = 0.0;
    var sb = 0.0;
    for (var i = lid; i < R; i = i + WG) {
      let g = dy[i * C + col];
      sw = sw + g * (x[i * C + col] - meanIn[i]) * rstdIn[i];
      sb = sb + g;
    }
    let totalW = workgroupSum(sw, lid);
    let totalB = workgroupSum(sb, lid);
    if (lid == 0u) { dw[col] = totalW;${withBias ? ' db[col] = totalB;' : ''} }
  }`,
)}`,
    outputs: dbias === undefined ? [dx, dweight] : [dx, dweight, dbias],
    inputs: [dy, x, mean, rstd, weight],
    uniforms: [{ i32: rows }, { i32: cols }],
    workgroups: workgroupsFor(rows + cols, 1),
  });
  return dbias === undefined ? [dx, dweight] : [dx, dweight, dbias];
}

/** The two LayerNorm kernels, registered on webgpu. */
export const layerNormWebGpuConfigs: KernelConfig[] = [
  webgpuKernel(FUSED_KERNELS.layerNorm, layerNorm),
  webgpuKernel(FUSED_KERNELS.layerNormGrad, layerNormGrad),
];
