/**
 * Fused mean cross-entropy for the webgpu backend (`MakemoreCrossEntropy`, `MakemoreCrossEntropyGrad`,
 * src/fused-kernels.ts): two dispatches forward and one backward, where the composed ops take 13 and 6.
 *
 *   forward, a workgroup per row:  probs_r = softmax(x_r), nll_r = logΣexp(x_r) − x_r[t_r] (0 if t_r ∉ [0, V))
 *   forward, one workgroup:        loss = Σ nll_r / count,  count = #{r : 0 ≤ t_r < V}
 *   backward, a workgroup per row: dx_r = (probs_r − onehot(t_r))·dy / count on valid rows, 0 on the others
 *
 * The backward workgroups each count the valid targets again (N reads each) rather than reading a count
 * that a third forward output would have to carry: the kernel contract's inputs stay those of wasm.
 * With no valid target the loss is NaN, as PyTorch's.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput } from '../wasm/fused-kernel';
import { dispatchWgsl, makeOutput, workgroupsFor } from './dispatch';
import { type WebGpuKernelArgs, webgpuKernel } from './kernel';
import { bindings, entry, reductions } from './wgsl';

function rowsOf(scores: TensorInfo, targets: TensorInfo, kernel: string): { rows: number; vocab: number } {
  const [rows, vocab] = scores.shape as [number, number];
  if (scores.shape.length !== 2 || targets.shape.length !== 1 || targets.shape[0] !== rows) {
    throw new Error(
      `${kernel}: expected logits [N, V] and targets [N], got [${scores.shape}] and [${targets.shape}]`,
    );
  }
  return { rows, vocab };
}

/** WGSL: how many targets lie in [0, V), counted by the whole workgroup. */
const COUNT_VALID = `  var mine = 0.0;
  for (var i = lid; i < R; i = i + WG) {
    let t = targets[i];
    if (t >= 0 && t < i32(V)) { mine = mine + 1.0; }
  }
  let count = workgroupSum(mine, lid);`;

function crossEntropy(args: WebGpuKernelArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.crossEntropy;
  const logits = kernelInput(args.inputs, 'logits', kernel);
  const targets = kernelInput(args.inputs, 'targets', kernel, 'int32');
  const { rows, vocab } = rowsOf(logits, targets, kernel);
  const { backend } = args;
  const loss = makeOutput(backend, []);
  const probs = makeOutput(backend, [rows, vocab]);
  const rowLoss = makeOutput(backend, [rows]);
  const fields: [string, 'i32' | 'f32'][] = [
    ['rows', 'i32'],
    ['vocab', 'i32'],
    ['nan', 'f32'],
  ];
  // NaN comes in as a uniform: a NaN constant expression is a WGSL compile error.
  const uniforms = [{ i32: rows }, { i32: vocab }, { f32: Number.NaN }];
  dispatchWgsl(backend, {
    key: 'makemore-cross-entropy-rows',
    code: () =>
      `${bindings(['probs', 'rowLoss'], ['x', ['targets', 'i32']], fields)}
${reductions(64)}
${entry(
  64,
  `  if (group >= u32(u.rows)) { return; }
  let V = u32(u.vocab);
  let base = group * V;
  var top = ${'-3.0e38'};
  for (var j = lid; j < V; j = j + WG) { top = max(top, x[base + j]); }
  top = workgroupMax(top, lid);
  var s = 0.0;
  for (var j = lid; j < V; j = j + WG) { s = s + exp(x[base + j] - top); }
  let logSum = top + log(workgroupSum(s, lid));
  for (var j = lid; j < V; j = j + WG) { probs[base + j] = exp(x[base + j] - logSum); }
  if (lid == 0u) {
    let t = targets[group];
    rowLoss[group] = select(0.0, logSum - x[base + u32(max(t, 0))], t >= 0 && t < i32(V));
  }`,
)}`,
    outputs: [probs, rowLoss],
    inputs: [logits, targets],
    uniforms,
    workgroups: workgroupsFor(rows, 1),
  });
  dispatchWgsl(backend, {
    key: 'makemore-cross-entropy-mean',
    code: () =>
      `${bindings(['loss'], ['rowLoss', ['targets', 'i32']], fields)}
${reductions(256)}
${entry(
  256,
  `  let R = u32(u.rows);
  let V = u32(u.vocab);
  var total = 0.0;
  for (var i = lid; i < R; i = i + WG) { total = total + rowLoss[i]; }
  total = workgroupSum(total, lid);
${COUNT_VALID}
  if (lid == 0u) { loss[0] = select(u.nan, total / count, count > 0.0); }`,
)}`,
    outputs: [loss],
    inputs: [rowLoss, targets],
    uniforms,
    workgroups: [1],
  });
  backend.disposeData(rowLoss.dataId);
  return [loss, probs];
}

function crossEntropyGrad(args: WebGpuKernelArgs): TensorInfo {
  const kernel = FUSED_KERNELS.crossEntropyGrad;
  const dy = kernelInput(args.inputs, 'dy', kernel);
  const probs = kernelInput(args.inputs, 'probs', kernel);
  const targets = kernelInput(args.inputs, 'targets', kernel, 'int32');
  const { rows, vocab } = rowsOf(probs, targets, kernel);
  const { backend } = args;
  const dx = makeOutput(backend, [rows, vocab]);
  dispatchWgsl(backend, {
    key: 'makemore-cross-entropy-grad',
    code: () =>
      `${bindings(
        ['dx'],
        ['dy', 'probs', ['targets', 'i32']],
        [
          ['rows', 'i32'],
          ['vocab', 'i32'],
        ],
      )}
${reductions(64)}
${entry(
  64,
  `  if (group >= u32(u.rows)) { return; }
  let R = u32(u.rows);
  let V = u32(u.vocab);
${COUNT_VALID}
  let t = targets[group];
  let valid = t >= 0 && t < i32(V);
  let scale = dy[0] / count;
  let base = group * V;
  for (var j = lid; j < V; j = j + WG) {
    let hot = select(0.0, 1.0, i32(j) == t);
    dx[base + j] = select(0.0, (probs[base + j] - hot) * scale, valid);
  }`,
)}`,
    outputs: [dx],
    inputs: [dy, probs, targets],
    uniforms: [{ i32: rows }, { i32: vocab }],
    workgroups: workgroupsFor(rows, 1),
  });
  return dx;
}

/** The two cross-entropy kernels, registered on webgpu. */
export const crossEntropyWebGpuConfigs: KernelConfig[] = [
  webgpuKernel(FUSED_KERNELS.crossEntropy, crossEntropy),
  webgpuKernel(FUSED_KERNELS.crossEntropyGrad, crossEntropyGrad),
];
