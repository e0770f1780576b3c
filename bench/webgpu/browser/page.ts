/**
 * The browser side of bench/webgpu/browser-run.mts, bundled by it with esbuild and loaded in Chromium with
 * WebGPU (SwiftShader on a machine without a GPU). It exposes two functions to the runner:
 *
 * - `checkFusedKernels()`: each fused WebGPU kernel of @makemore/backend against the `cpu` backend, through
 *   the same @makemore/models functions the models call (on webgpu they run the fused kernels, on cpu the
 *   composed ops): values and gradients within float32 tolerance. Adam, SGD, tanh's gradient and the squared
 *   norm are checked against their formulas evaluated in float64.
 * - `measureSteps(spec)`: trains the CLI bench's models a few steps on webgpu with and without the fused
 *   kernels, counting the compute dispatches of each step (every `dispatchWorkgroups`, tfjs's and ours) and
 *   tfjs's kernel calls, and timing the steps.
 */
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {
  installWebGpuFusedKernels,
  installWebGpuRepairs,
  uninstallWebGpuFusedKernels,
  FUSED_KERNELS,
} from '@makemore/backend';
import {
  crossEntropy,
  createModel,
  gelu,
  type LanguageModel,
  LayerNorm,
  maskedSoftmax,
  multiHeadAttention,
} from '@makemore/models';
import { Rng } from '@makemore/random';
import { createOptimizer, trainStep } from '@makemore/trainer';
import { type BenchSpec, randomTokenBatch } from '../../../apps/cli/src/commands/bench-specs';

/** Whether a model reads fixed windows (y is [batch]): the MLP family. */
const isWindowModel = (config: BenchSpec['model']) =>
  (config as { inputKind?: string }).inputKind === 'window';

void version_cpu;

/** Seeded values in [-scale, scale). */
function values(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => (rng.random() * 2 - 1) * scale);
}

/** The largest |a − b| / (1 + |b|) over two arrays. */
function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number)) / (1 + Math.abs(b[i] as number));
    worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(worst, d);
  }
  return worst;
}

interface Case {
  name: string;
  kernels: string[];
  /** Computes the outputs to compare (value and gradients) on the active backend. */
  run: () => Promise<Float32Array[]>;
}

/** Runs `f(...inputs)` → scalar and its gradients with respect to every input. */
async function valueAndGrads(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: tf.Tensor[],
): Promise<Float32Array[]> {
  const { value, grads } = tf.valueAndGrads(f)(inputs);
  const out = [Float32Array.from(await value.data())];
  for (const g of grads) out.push(Float32Array.from(await g.data()));
  tf.dispose([value, ...grads, ...inputs]);
  return out;
}

const B = 2;
const T = 7;
const E = 24;
const H = 3;

function causalMask(t: number): tf.Tensor2D {
  return tf.tensor2d(
    Float32Array.from({ length: t * t }, (_, i) =>
      i % t > Math.floor(i / t) ? Number.NEGATIVE_INFINITY : 0,
    ),
    [t, t],
  );
}

const CASES: Case[] = [
  ...(['erf', 'tanh'] as const).map((kind) => ({
    name: `gelu (${kind})`,
    kernels: [FUSED_KERNELS.gelu, FUSED_KERNELS.geluGrad],
    run: () => {
      const r = tf.tensor(values(600, 2), [20, 30]);
      return valueAndGrads(
        (x) => tf.sum(tf.mul(gelu(x as tf.Tensor, kind), r)),
        [tf.tensor(values(600, 1, 4), [20, 30])],
      );
    },
  })),
  ...[true, false].map((bias) => ({
    name: `layerNorm (${bias ? 'bias' : 'no bias'})`,
    kernels: [FUSED_KERNELS.layerNorm, FUSED_KERNELS.layerNormGrad],
    run: async () => {
      const ln = new LayerNorm(E, { bias });
      ln.weight.assign(tf.tensor(values(E, 3, 2), [E]));
      ln.bias?.assign(tf.tensor(values(E, 4), [E]));
      const x = tf.variable(tf.tensor(values(B * T * E, 5, 3), [B, T, E]));
      const r = tf.tensor(values(B * T * E, 6), [B, T, E]);
      const vars = [x, ln.weight, ...(ln.bias ? [ln.bias] : [])];
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(ln.apply(x), r)) as tf.Scalar, vars);
      const out = [Float32Array.from(await value.data())];
      for (const v of vars) out.push(Float32Array.from(await (grads[v.name] as tf.Tensor).data()));
      tf.dispose([value, ...Object.values(grads), x, r, ln.weight, ...(ln.bias ? [ln.bias] : [])]);
      return out;
    },
  })),
  {
    name: 'attention from qkv',
    kernels: [FUSED_KERNELS.attention, FUSED_KERNELS.attentionGrad],
    run: () => {
      const mask = causalMask(T);
      const r = tf.tensor(values(B * T * E, 8), [B, T, E]);
      return valueAndGrads(
        (qkv) => tf.sum(tf.mul(multiHeadAttention(qkv as tf.Tensor, mask, H), r)),
        [tf.tensor(values(B * T * 3 * E, 7, 2), [B, T, 3 * E])],
      );
    },
  },
  {
    name: 'masked softmax',
    kernels: [FUSED_KERNELS.maskedSoftmax, FUSED_KERNELS.maskedSoftmaxGrad],
    run: () => {
      const mask = causalMask(T);
      const r = tf.tensor(values(B * H * T * T, 10), [B, H, T, T]);
      return valueAndGrads(
        (x) => tf.sum(tf.mul(maskedSoftmax(x as tf.Tensor, mask, 0.37), r)),
        [tf.tensor(values(B * H * T * T, 9, 3), [B, H, T, T])],
      );
    },
  },
  {
    name: 'cross-entropy (one ignored target)',
    kernels: [FUSED_KERNELS.crossEntropy, FUSED_KERNELS.crossEntropyGrad],
    run: () => {
      const targets = tf.tensor1d(
        Int32Array.from({ length: 40 }, (_, i) => (i === 5 ? -1 : (i * 7) % 65)),
        'int32',
      );
      return valueAndGrads(
        (x) => crossEntropy(x as tf.Tensor, targets),
        [tf.tensor(values(40 * 65, 11, 5), [40, 65])],
      );
    },
  },
];

/** Float64 references of the optimizer kernels, whose cpu side has no composed op to compare with. */
async function checkOptimizerKernels(): Promise<{ name: string; worst: number }[]> {
  const results: { name: string; worst: number }[] = [];
  const shapes = [[5, 7], [300], [3, 4, 5]];
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const ps = sizes.map((n, i) => values(n, 20 + i));
  const gs = sizes.map((n, i) => values(n, 30 + i, 0.1));
  const m = values(total, 40, 0.01);
  const v = Float32Array.from(values(total, 41, 0.01), Math.abs);
  const a = { beta1: 0.9, beta2: 0.99, eps: 1e-8, size: 0.003, sqrtBias2: 0.3, decay: 0.999, l2: 0.01 };
  const inputs: tf.NamedTensorMap = { m: tf.tensor1d(m), v: tf.tensor1d(v) };
  shapes.forEach((s, i) => {
    inputs[`p${i}`] = tf.tensor(ps[i] as Float32Array, s);
    inputs[`g${i}`] = tf.tensor(gs[i] as Float32Array, s);
  });
  const outs = tf
    .engine()
    .runKernel(FUSED_KERNELS.adam, inputs, a as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const got = await Promise.all(outs.map((t) => t.data()));
  const flatP = ps.flatMap((p) => [...p]);
  const flatG = gs.flatMap((g) => [...g]);
  const wantM: number[] = [];
  const wantV: number[] = [];
  const wantP: number[] = [];
  for (let i = 0; i < total; i++) {
    const theta = flatP[i] as number;
    const g = (flatG[i] as number) + theta * a.l2;
    const mi = (m[i] as number) * a.beta1 + g * (1 - a.beta1);
    const vi = (v[i] as number) * a.beta2 + g * g * (1 - a.beta2);
    wantM.push(mi);
    wantV.push(vi);
    wantP.push(theta * a.decay - (mi / (Math.sqrt(vi) / a.sqrtBias2 + a.eps)) * a.size);
  }
  results.push({
    name: 'adamw over 3 tensors',
    worst: Math.max(
      worstDiff(got[0] as Float32Array, wantM),
      worstDiff(got[1] as Float32Array, wantV),
      worstDiff(
        got.slice(2).flatMap((t) => [...t]),
        wantP,
      ),
    ),
  });
  // The same step with the gradients clipped inside the kernel: their norm 4 as a one-element tensor, maxNorm
  // 1, so each gradient is scaled by 1 / (4 + 1e-6) before the update, as clipGradNorm would.
  const norm = tf.tensor1d([4]);
  const clippedOuts = tf.engine().runKernel(FUSED_KERNELS.adam, { ...inputs, norm }, {
    ...a,
    maxNorm: 1,
  } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const gotClipped = await Promise.all(clippedOuts.map((t) => t.data()));
  const scale = Math.min(1 / (4 + 1e-6), 1);
  const clipped = { m: [] as number[], v: [] as number[], p: [] as number[] };
  for (let i = 0; i < total; i++) {
    const theta = flatP[i] as number;
    const g = (flatG[i] as number) * scale + theta * a.l2;
    const mi = (m[i] as number) * a.beta1 + g * (1 - a.beta1);
    const vi = (v[i] as number) * a.beta2 + g * g * (1 - a.beta2);
    clipped.m.push(mi);
    clipped.v.push(vi);
    clipped.p.push(theta * a.decay - (mi / (Math.sqrt(vi) / a.sqrtBias2 + a.eps)) * a.size);
  }
  results.push({
    name: 'adamw over 3 tensors, clipped by a norm tensor',
    worst: Math.max(
      worstDiff(gotClipped[0] as Float32Array, clipped.m),
      worstDiff(gotClipped[1] as Float32Array, clipped.v),
      worstDiff(
        gotClipped.slice(2).flatMap((t) => [...t]),
        clipped.p,
      ),
    ),
  });
  tf.dispose([...clippedOuts, norm]);
  const sq = tf
    .engine()
    .runKernel(
      FUSED_KERNELS.squaredNorm,
      Object.fromEntries(gs.map((g, i) => [`g${i}`, tf.tensor(g)])),
      {},
    ) as tf.Tensor;
  results.push({
    name: 'squared norm of 3 tensors',
    worst: worstDiff(await sq.data(), [flatG.reduce((s, x) => s + x * x, 0)]),
  });
  const sgd = tf
    .engine()
    .runKernel(
      FUSED_KERNELS.sgd,
      { param: inputs.p1 as tf.Tensor, grad: inputs.g1 as tf.Tensor },
      { lr: 0.5 },
    ) as tf.Tensor;
  results.push({
    name: 'sgd',
    worst: worstDiff(
      await sgd.data(),
      [...(ps[1] as Float32Array)].map((p, i) => p - (gs[1] as Float32Array)[i]! * 0.5),
    ),
  });
  const y = Float32Array.from(values(300, 50), Math.tanh);
  const tg = tf
    .engine()
    .runKernel(
      FUSED_KERNELS.tanhGrad,
      { dy: tf.tensor1d(gs[1] as Float32Array), y: tf.tensor1d(y) },
      {},
    ) as tf.Tensor;
  results.push({
    name: 'tanh gradient',
    worst: worstDiff(
      await tg.data(),
      [...y].map((t, i) => (gs[1] as Float32Array)[i]! * (1 - t * t)),
    ),
  });
  tf.dispose([...outs, sq, sgd, tg, ...Object.values(inputs)]);
  return results;
}

/** Every fused kernel on webgpu against cpu (or float64 formulas): the worst relative difference of each. */
async function checkFusedKernels(): Promise<{ name: string; worst: number; fused: boolean }[]> {
  const results: { name: string; worst: number; fused: boolean }[] = [];
  for (const c of CASES) {
    await tf.setBackend('cpu');
    const want = await c.run();
    await tf.setBackend('webgpu');
    const seen = new Set<string>();
    const profile = await tf.profile(async () => {
      const got = await c.run();
      let worst = 0;
      want.forEach((w, i) => {
        worst = Math.max(worst, worstDiff(got[i] ?? [], w));
      });
      results.push({ name: c.name, worst, fused: false });
    });
    for (const k of profile.kernels) seen.add(k.name);
    (results.at(-1) as { fused: boolean }).fused = c.kernels.every((k) => seen.has(k));
  }
  await tf.setBackend('webgpu');
  for (const r of await checkOptimizerKernels()) results.push({ ...r, fused: true });
  return results;
}

/** Compute dispatches recorded since the page loaded (every pass encoder's dispatchWorkgroups). */
let dispatches = 0;
const proto = (globalThis as { GPUComputePassEncoder?: { prototype: GPUComputePassEncoder } })
  .GPUComputePassEncoder?.prototype;
if (proto !== undefined) {
  const original = proto.dispatchWorkgroups;
  proto.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...args: Parameters<typeof original>) {
    dispatches++;
    return original.apply(this, args);
  };
}

/**
 * Trains the CLI bench's model `spec` on webgpu, its way (random tokens, no clipping unless `gradClip`, inside
 * AdamW's kernel unless `clipInKernel` is false), with
 * or without the fused kernels: compute dispatches, tfjs kernel calls and the best milliseconds per step
 * (after warm-up steps that also compile every shader).
 */
async function measureSteps(
  spec: BenchSpec,
  options: { fused: boolean; steps: number; gradClip?: number; clipInKernel?: boolean },
) {
  await tf.setBackend('webgpu');
  if (options.fused) installWebGpuFusedKernels();
  else uninstallWebGpuFusedKernels();
  try {
    const model = createModel(spec.model) as LanguageModel;
    const optimizer = createOptimizer(model.parameters(), { type: spec.optimizer, lr: spec.lr });
    // Hiding AdamW's stepClipped sends trainStep down the composed route: clipGradNorm, then the update.
    if (options.clipInKernel === false) Object.defineProperty(optimizer, 'stepClipped', { value: undefined });
    const window = isWindowModel(spec.model);
    const rng = new Rng(1);
    const step = async () => {
      const ids = randomTokenBatch(spec, window, rng);
      const b = { x: tf.tensor2d(ids.x, ids.xShape, 'int32'), y: tf.tensor(ids.y, ids.yShape, 'int32') };
      const r = await trainStep(model, optimizer, b, {
        lr: spec.lr,
        ...(options.gradClip ? { gradClip: options.gradClip } : {}),
      });
      tf.dispose([b.x, b.y]);
      return r.loss;
    };
    for (let i = 0; i < 2; i++) await step();
    const profile = await tf.profile(async () => {
      await step();
    });
    const before = dispatches;
    await step();
    const dispatchesPerStep = dispatches - before;
    const times: number[] = [];
    let loss = 0;
    for (let i = 0; i < options.steps; i++) {
      const t0 = performance.now();
      loss = await step();
      times.push(performance.now() - t0);
    }
    model.dispose();
    const kernelNames: Record<string, number> = {};
    for (const k of profile.kernels) kernelNames[k.name] = (kernelNames[k.name] ?? 0) + 1;
    return {
      kernelNames,
      name: spec.name,
      fused: options.fused,
      dispatchesPerStep,
      kernelsPerStep: profile.kernels.length,
      msPerStep: Math.min(...times),
      loss,
    };
  } finally {
    installWebGpuFusedKernels();
  }
}

async function adapterInfo() {
  const adapter = await navigator.gpu?.requestAdapter();
  const info = adapter?.info;
  return info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : 'none';
}

async function init(): Promise<string> {
  await import('@tensorflow/tfjs-backend-webgpu');
  installWebGpuRepairs();
  await tf.setBackend('webgpu');
  await tf.ready();
  return adapterInfo();
}

Object.assign(globalThis, { makemoreWebGpu: { init, checkFusedKernels, measureSteps } });
