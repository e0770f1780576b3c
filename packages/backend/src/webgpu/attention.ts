/**
 * Fused multi-head causal attention from the fused q, k, v projection for the webgpu backend
 * (`MakemoreAttention`, `MakemoreAttentionGrad`, src/fused-kernels.ts): one dispatch forward and two
 * backward, where the composed ops take about 12 forward (reshape, transpose, unstack, two batched
 * matmuls, the masked softmax) and 20 backward.
 *
 * qkv is `[B, T, 3E]` with head h's query, key and value in columns h·D…(h+1)·D of each third (D = E/H).
 *
 *   forward, a workgroup per (b, h, t):  s = q_t·K·scale + mask_t,  p = softmax(s) (written: probs),
 *                                        y_t = p·V
 *   backward 1, a workgroup per (b, h, t): dp = dy_t·Vᵀ,  ds = p·(dp − Σ p·dp)·scale (kept in a scratch
 *                                        buffer),  dq_t = ds·K
 *   backward 2, a workgroup per (b, h, s): dk_s = Σ_t ds[t, s]·q_t,  dv_s = Σ_t p[t, s]·dy_t
 *
 * A workgroup holds its row of T scores in workgroup memory, so T is at most {@link MAX_CONTEXT}. Mask
 * entries below −1e30 (−∞, or −1e9 scaled) exclude their key outright, so no infinity enters arithmetic.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '../fused-kernels';
import { kernelInput } from '../wasm/fused-kernel';
import { dispatchWgsl, makeOutput, workgroupsFor } from './dispatch';
import { type WebGpuKernelArgs, webgpuKernel } from './kernel';
import { bindings, entry, MINUS_HUGE, reductions } from './wgsl';

/** The longest context the fused kernels take (scores of one query row live in workgroup memory). */
export const MAX_CONTEXT = 1024;

interface Dims {
  B: number;
  T: number;
  E: number;
  H: number;
  D: number;
}

function dimsOf(qkv: TensorInfo, heads: number, kernel: string): Dims {
  const [B, T, W] = qkv.shape as [number, number, number];
  if (qkv.shape.length !== 3 || W % 3 !== 0 || (W / 3) % heads !== 0) {
    throw new Error(
      `${kernel}: qkv must be [B, T, 3E] with E divisible by ${heads} heads, got [${qkv.shape}]`,
    );
  }
  if (T > MAX_CONTEXT) {
    throw new Error(`${kernel}: a context of ${T} is longer than the fused kernel's ${MAX_CONTEXT}`);
  }
  const E = W / 3;
  return { B, T, E, H: heads, D: E / heads };
}

const FIELDS: [string, 'i32' | 'f32'][] = [
  ['B', 'i32'],
  ['T', 'i32'],
  ['E', 'i32'],
  ['H', 'i32'],
  ['D', 'i32'],
  ['scale', 'f32'],
];
const uniformsOf = (d: Dims, scale: number) => [
  { i32: d.B },
  { i32: d.T },
  { i32: d.E },
  { i32: d.H },
  { i32: d.D },
  { f32: scale },
];

/** WGSL: this workgroup's (b, h, t) and the offsets of its rows (`group` counts (b, h, t) with t fastest). */
const WHERE = `  let T = u32(u.T);
  let E = u32(u.E);
  let H = u32(u.H);
  let D = u32(u.D);
  if (group >= u32(u.B) * H * T) { return; }
  let t = group % T;
  let h = (group / T) % H;
  let b = group / (T * H);
  let W = 3u * E;
  let rowBase = b * T;
  let head = h * D;
  let probBase = group * T;`;

function attention(args: WebGpuKernelArgs): TensorInfo[] {
  const kernel = FUSED_KERNELS.attention;
  const qkv = kernelInput(args.inputs, 'qkv', kernel);
  const mask = kernelInput(args.inputs, 'mask', kernel);
  const heads = Number(args.attrs?.heads);
  const scale = Number(args.attrs?.scale);
  const d = dimsOf(qkv, heads, kernel);
  if (mask.shape.length !== 2 || mask.shape[0] !== d.T || mask.shape[1] !== d.T) {
    throw new Error(`${kernel}: the mask must be [${d.T}, ${d.T}], got [${mask.shape}]`);
  }
  const { backend } = args;
  const y = makeOutput(backend, [d.B, d.T, d.E]);
  const probs = makeOutput(backend, [d.B, d.H, d.T, d.T]);
  dispatchWgsl(backend, {
    key: 'makemore-attention',
    code: () =>
      `${bindings(['y', 'probs'], ['qkv', 'mask'], FIELDS)}
${reductions(64)}
var<workgroup> row: array<f32, ${MAX_CONTEXT}>;
${entry(
  64,
  `${WHERE}
  let qOff = (rowBase + t) * W + head;
  var top = ${MINUS_HUGE};
  for (var s = lid; s < T; s = s + WG) {
    let m = mask[t * T + s];
    var score = ${MINUS_HUGE};
    if (m > -1.0e30) {
      let kOff = (rowBase + s) * W + E + head;
      var dot = 0.0;
      for (var i = 0u; i < D; i = i + 1u) { dot = dot + qkv[qOff + i] * qkv[kOff + i]; }
      score = dot * u.scale + m;
    }
    row[s] = score;
    top = max(top, score);
  }
  top = workgroupMax(top, lid);
  var sum = 0.0;
  for (var s = lid; s < T; s = s + WG) {
    let e = select(0.0, exp(row[s] - top), row[s] > -1.0e38);
    row[s] = e;
    sum = sum + e;
  }
  sum = workgroupSum(sum, lid);
  for (var s = lid; s < T; s = s + WG) {
    let p = row[s] / sum;
    row[s] = p;
    probs[probBase + s] = p;
  }
  workgroupBarrier();
  for (var i = lid; i < D; i = i + WG) {
    var acc = 0.0;
    for (var s = 0u; s < T; s = s + 1u) { acc = acc + row[s] * qkv[(rowBase + s) * W + 2u * E + head + i]; }
    y[(rowBase + t) * E + head + i] = acc;
  }`,
)}`,
    outputs: [y, probs],
    inputs: [qkv, mask],
    uniforms: uniformsOf(d, scale),
    workgroups: workgroupsFor(d.B * d.H * d.T, 1),
  });
  return [y, probs];
}

function attentionGrad(args: WebGpuKernelArgs): TensorInfo {
  const kernel = FUSED_KERNELS.attentionGrad;
  const dy = kernelInput(args.inputs, 'dy', kernel);
  const qkv = kernelInput(args.inputs, 'qkv', kernel);
  const probs = kernelInput(args.inputs, 'probs', kernel);
  const heads = Number(args.attrs?.heads);
  const scale = Number(args.attrs?.scale);
  const d = dimsOf(qkv, heads, kernel);
  const { backend } = args;
  const dqkv = makeOutput(backend, [d.B, d.T, 3 * d.E]);
  const dScores = makeOutput(backend, [d.B, d.H, d.T, d.T]);
  const uniforms = uniformsOf(d, scale);
  const workgroups = workgroupsFor(d.B * d.H * d.T, 1);
  dispatchWgsl(backend, {
    key: 'makemore-attention-grad-q',
    code: () =>
      `${bindings(['dqkv', 'ds'], ['dy', 'qkv', 'probs'], FIELDS)}
${reductions(64)}
var<workgroup> row: array<f32, ${MAX_CONTEXT}>;
${entry(
  64,
  `${WHERE}
  let dyOff = (rowBase + t) * E + head;
  var inner = 0.0;
  for (var s = lid; s < T; s = s + WG) {
    let vOff = (rowBase + s) * W + 2u * E + head;
    var dp = 0.0;
    for (var i = 0u; i < D; i = i + 1u) { dp = dp + dy[dyOff + i] * qkv[vOff + i]; }
    row[s] = dp;
    inner = inner + dp * probs[probBase + s];
  }
  inner = workgroupSum(inner, lid);
  for (var s = lid; s < T; s = s + WG) {
    let g = probs[probBase + s] * (row[s] - inner) * u.scale;
    row[s] = g;
    ds[probBase + s] = g;
  }
  workgroupBarrier();
  for (var i = lid; i < D; i = i + WG) {
    var acc = 0.0;
    for (var s = 0u; s < T; s = s + 1u) { acc = acc + row[s] * qkv[(rowBase + s) * W + E + head + i]; }
    dqkv[(rowBase + t) * W + head + i] = acc;
  }`,
)}`,
    outputs: [dqkv, dScores],
    inputs: [dy, qkv, probs],
    uniforms,
    workgroups,
  });
  dispatchWgsl(backend, {
    key: 'makemore-attention-grad-kv',
    code: () =>
      `${bindings(['dqkv'], ['ds', 'probs', 'qkv', 'dy'], FIELDS)}
${entry(
  64,
  `${WHERE}
  // Here the workgroup's t is the key position s, and the sums run over the queries.
  let s = t;
  for (var i = lid; i < D; i = i + WG) {
    var dk = 0.0;
    var dv = 0.0;
    for (var q = 0u; q < T; q = q + 1u) {
      let at = ((b * H + h) * T + q) * T + s;
      dk = dk + ds[at] * qkv[(rowBase + q) * W + head + i];
      dv = dv + probs[at] * dy[(rowBase + q) * E + head + i];
    }
    dqkv[(rowBase + s) * W + E + head + i] = dk;
    dqkv[(rowBase + s) * W + 2u * E + head + i] = dv;
  }`,
)}`,
    outputs: [dqkv],
    inputs: [dScores, probs, qkv, dy],
    uniforms,
    workgroups,
  });
  backend.disposeData(dScores.dataId);
  return dqkv;
}

/** The two attention kernels, registered on webgpu. */
export const attentionWebGpuConfigs: KernelConfig[] = [
  webgpuKernel(FUSED_KERNELS.attention, attention),
  webgpuKernel(FUSED_KERNELS.attentionGrad, attentionGrad),
];
