/// <reference types="@webgpu/types" />
/**
 * TensorFlow.js's `webgpu` backend in Node, through Dawn (the npm package `webgpu`, dawn.node): a
 * correctness check against the `cpu` backend for every model family, then training speed.
 *
 * Why: in Node the project trains on tfjs-node(-gpu), wasm or cpu; WebGPU is a browser-only choice in
 * @makemore/backend. Dawn exposes the same WebGPU API to Node over Vulkan/Metal/D3D12, so this script
 * measures whether tfjs-backend-webgpu could be a Node GPU backend that needs no libtensorflow download.
 *
 * 1. Adapter: installs `navigator.gpu` from dawn.node, prints the adapter (vendor, architecture, device,
 *    description) and exits 2 when there is none, 3 when it is a software (CPU) adapter unless
 *    `--allow-software` (lavapipe, for checking this script on a machine without a GPU).
 * 2. Correctness: per model family of @makemore/models (small configs), the same initial weights (copied
 *    from the cpu model) and the same real batches (names, tiny shakespeare) go through `trainStep` on
 *    `cpu` and on `webgpu`; the per-step losses must agree within a float32 tolerance (see TOLERANCE).
 * 3. Speed: ms per training step on webgpu for the three models of `makemore bench`
 *    (apps/cli/src/commands/bench.ts: baby GPT, makemore's transformer on names, the lecture MLP), with
 *    the same configs, batches (seeded random ids) and step (`trainStep`, which reads the loss back with
 *    `await data()`, so every timed step waits for the GPU).
 *
 * The webgpu backend gets @makemore/backend's repair (`installWebGpuRepairs`: AddN in chunks of at most the
 * device's storage-buffer limit − 1); `--no-addn-repair` runs without it, to show the stock failure.
 * Prints a summary table; writes it as JSON to `$OUT/webgpu-node.json` when OUT is set. Exit code 1 when a
 * correctness check fails.
 *
 *   bash bench/webgpu/webgpu-node-pack.sh && bash .gpu/run.sh [--quick] [--allow-software]
 *       [--skip-correctness] [--skip-speed] [--only gpt,transformer,mlp] [--max-seconds 40] [--no-addn-repair]
 *
 * It lives in the root bench/ because it crosses packages: it trains @makemore/models' models with
 * @makemore/trainer on @makemore/backend's repaired webgpu, and times the CLI's bench specs. It imports the
 * packages by name; ./tsconfig.json maps those names to their built dist/ (`pnpm build` first), for tsc and
 * for esbuild alike. Datasets come from MAKEMORE_DATA_DIR (no download); without them the check falls back
 * to seeded random tokens. webgpu-node-pack.sh bundles this file into `.gpu/`, which `.gpu/run.sh` runs with
 * a copied Node binary on a GPU machine without Node.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// A named import, not a bare one: tfjs-backend-cpu's package.json marks its Node entry side-effect free, so
// a bundler drops `import '@tensorflow/tfjs-backend-cpu'` and the cpu backend would never register.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { installWebGpuRepairs } from '@makemore/backend';
import { loadDataset } from '@makemore/datasets/node';
import { createModel, type LanguageModel, type ModelConfig } from '@makemore/models';
import { Rng } from '@makemore/random';
import { CharTokenizer } from '@makemore/tokenizers';
import {
  createOptimizer,
  createTrainingData,
  type Optimizer,
  type OptimizerConfig,
  trainStep,
} from '@makemore/trainer';
import { create, globals } from 'webgpu';
import { BENCH_SPECS, type BenchSpec, randomTokenBatch } from '../../apps/cli/src/commands/bench-specs';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'allow-software': { type: 'boolean', default: false },
    'skip-correctness': { type: 'boolean', default: false },
    'skip-speed': { type: 'boolean', default: false },
    'no-addn-repair': { type: 'boolean', default: false },
    only: { type: 'string' },
    'max-seconds': { type: 'string' },
  },
});
const quick = flags.quick === true;
/** Wall-clock cap on one model's timed steps, so a slow adapter still finishes. */
const maxSeconds = Number(flags['max-seconds'] ?? (quick ? 20 : 40));

const t0 = performance.now();
/** One progress line, written synchronously (stdout to a file or pipe is synchronous in Node on Linux). */
function log(message: string): void {
  const s = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[${s}s] ${message}\n`);
}
const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);

// ---------------------------------------------------------------------------------------------------------
// 1. WebGPU in Node
// ---------------------------------------------------------------------------------------------------------

interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean | null;
  software: boolean;
  features: string[];
  limits: Record<string, number>;
  dawnOptions: string[];
}

/** Dawn options (`create([...])`), e.g. `backend=vulkan` or `adapter=<name>`, from WEBGPU_DAWN_OPTIONS. */
// biome-ignore lint/suspicious/noUndeclaredEnvVars: a run-time setting of this script, which no turbo task runs
const dawnOptions = (process.env.WEBGPU_DAWN_OPTIONS ?? '').split(/\s+/).filter((s) => s.length > 0);

// The GPU object must stay referenced while we work (dawn.node's instance lives as long as it does).
const gpu = create(dawnOptions);

async function describeAdapter(): Promise<AdapterReport | null> {
  // The same request tfjs-backend-webgpu makes (base.ts): a high-performance adapter.
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  const fallback = typeof info.isFallbackAdapter === 'boolean' ? info.isFallbackAdapter : null;
  const limits: Record<string, number> = {};
  for (const k of [
    'maxBufferSize',
    'maxStorageBufferBindingSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxStorageBuffersPerShaderStage',
  ] as const) {
    limits[k] = adapter.limits[k];
  }
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: fallback,
    software: fallback === true || /llvmpipe|lavapipe|swiftshader|software|\bmesa\b.*cpu/.test(text),
    features: [...adapter.features].map(String).sort(),
    limits,
    dawnOptions,
  };
}

/**
 * Makes tfjs's `webgpu` backend usable in Node 20 and activates it. Two shims, nothing else:
 * - `navigator.gpu`: Node 20 has no `navigator` (Node 21 added one, without `gpu`). tfjs-backend-webgpu
 *   registers its backend at import time only `if (isWebGPUSupported())`, i.e. when
 *   `globalThis.navigator.gpu` exists, and its factory calls `navigator.gpu.requestAdapter`. So the shim
 *   must be in place BEFORE the package is imported (hence the dynamic import below).
 * - The WebGPU enum namespaces (`GPUBufferUsage`, `GPUMapMode`, `GPUTextureUsage`, ...): tfjs reads them as
 *   globals (backend_webgpu.ts, buffer_manager.ts); dawn.node exports them in `globals`.
 * No `window` or `document` is needed: tfjs touches `document` only under WEBGPU_USE_PROFILE_TOOL, and
 * `OffscreenCanvas` only in `readSync` (dataSync), which this script never calls (trainStep awaits data()).
 */
async function useWebGpuBackend(): Promise<void> {
  Object.assign(globalThis, globals);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (!('gpu' in nav)) {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') returned false");
}

/** Dawn's validation and out-of-memory errors on tfjs's device (Dawn also prints them on stderr). */
const gpuErrors = { count: 0, first: '' };

function watchGpuErrors(device: GPUDevice): void {
  device.addEventListener('uncapturederror', (event) => {
    const e = (event as GPUUncapturedErrorEvent).error;
    gpuErrors.count++;
    if (gpuErrors.first === '') gpuErrors.first = oneLine(`${e.constructor.name}: ${e.message}`);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Data: real batches for the correctness check
// ---------------------------------------------------------------------------------------------------------

interface Corpus {
  name: string;
  /** Draws one batch as plain arrays (so each backend gets the same values). Call on the cpu backend. */
  batch(inputKind: 'window' | 'sequence', blockSize: number, batchSize: number, rng: Rng): Promise<HostBatch>;
  vocabSize: number;
  source: string;
}
interface HostBatch {
  x: Int32Array;
  xShape: [number, number];
  y: Int32Array;
  yShape: number[];
}

/** Reads a batch from the trainer's TrainingData (tensors on the active backend) into host arrays. */
async function toHost(b: { x: tf.Tensor; y: tf.Tensor }): Promise<HostBatch> {
  const out: HostBatch = {
    x: Int32Array.from(await b.x.data()),
    xShape: b.x.shape as [number, number],
    y: Int32Array.from(await b.y.data()),
    yShape: b.y.shape,
  };
  tf.dispose([b.x, b.y]);
  return out;
}

async function loadCorpus(name: 'names' | 'shakespeare'): Promise<Corpus> {
  try {
    const ds = await loadDataset(name, { download: false });
    if (ds.kind === 'words') {
      const words = (ds.words ?? []).filter((w) => w.length > 0);
      const tokenizer = CharTokenizer.fromText(words.join(''), { specialTokens: ['.'] });
      const cache = new Map<string, ReturnType<typeof createTrainingData>>();
      return {
        name,
        source: `${ds.name} (${words.length} words)`,
        vocabSize: tokenizer.vocabSize,
        batch: (inputKind, blockSize, batchSize, rng) => {
          const key = `${inputKind}/${blockSize}`;
          let data = cache.get(key);
          if (!data) {
            data = createTrainingData({ kind: 'words', words, tokenizer, inputKind, blockSize });
            cache.set(key, data);
          }
          return toHost(data.batch('train', batchSize, rng));
        },
      };
    }
    const tokenizer = CharTokenizer.fromText(ds.text);
    const tokens = Int32Array.from(tokenizer.encode(ds.text.slice(0, 200_000)));
    const cache = new Map<string, ReturnType<typeof createTrainingData>>();
    return {
      name,
      source: `${ds.name} (first 200k characters)`,
      vocabSize: tokenizer.vocabSize,
      batch: (inputKind, blockSize, batchSize, rng) => {
        const key = `${inputKind}/${blockSize}`;
        let data = cache.get(key);
        if (!data) {
          data = createTrainingData({ kind: 'text', tokens, inputKind, blockSize });
          cache.set(key, data);
        }
        return toHost(data.batch('train', batchSize, rng));
      },
    };
  } catch (error) {
    const vocabSize = name === 'names' ? 27 : 65;
    log(`note: dataset '${name}' not loaded (${oneLine(error)}); using seeded random tokens instead`);
    return {
      name,
      source: `random tokens (vocab ${vocabSize})`,
      vocabSize,
      batch: async (inputKind, blockSize, batchSize, rng) => {
        const x = new Int32Array(batchSize * blockSize).map(() => rng.int(vocabSize));
        const ny = inputKind === 'window' ? batchSize : batchSize * blockSize;
        const y = new Int32Array(ny).map(() => rng.int(vocabSize));
        const yShape = inputKind === 'window' ? [batchSize] : [batchSize, blockSize];
        return { x, xShape: [batchSize, blockSize], y, yShape };
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// 2. Correctness: cpu against webgpu
// ---------------------------------------------------------------------------------------------------------

/**
 * Loss tolerance, absolute, for a cross-entropy near ln(27) ≈ 3.3 .. ln(65) ≈ 4.2.
 * - float32 has a relative precision of 2^-24 ≈ 6e-8; one ulp of a loss of 4 is 4.8e-7.
 * - The two backends add in different orders (tfjs-webgpu's matmul tiles and tree reductions against the
 *   cpu backend's sequential loops) and use different transcendental functions: WGSL allows exp/log within
 *   a few ulp plus an absolute error, and its tanh/erf are formula-based. Forward values then differ by
 *   O(sqrt(K)·ulp) for a K-term sum (K ≤ 512 here), i.e. ~1e-6 .. 1e-5 relative, and the cpu-vs-wasm test of
 *   this repository already budgets 1e-4 over 5 Adam steps (packages/models/src/backends.test.ts).
 * - Each update feeds the difference back: Adam divides by sqrt(v), so a gradient coordinate near zero can
 *   change its step by up to lr = 1e-3 per step. The loss after k steps can therefore drift by more than the
 *   first loss, yet a real kernel bug (wrong index, missing term, wrong gradient) moves the loss by 1e-2 or
 *   more at once.
 * So: the first loss (same weights, same batch, forward only) must agree to FIRST_LOSS_TOL = 1e-4, and every
 * later loss to LOSS_TOL = 2e-3 (≈ 4000 ulp at 4, 0.05 % relative; 5x below the smallest loss change a bug
 * would cause).
 */
const FIRST_LOSS_TOL = 1e-4;
const LOSS_TOL = 2e-3;

interface CorrectnessCase {
  name: string;
  corpus: 'names' | 'shakespeare';
  config: ModelConfig;
  batchSize: number;
  optimizer: OptimizerConfig;
}

const CORRECTNESS_CASES: CorrectnessCase[] = [
  {
    name: 'bigram-nn',
    corpus: 'names',
    config: { type: 'bigram-nn', vocabSize: 27, blockSize: 16, seed: 1 },
    batchSize: 16,
    optimizer: { type: 'sgd', lr: 10 },
  },
  {
    name: 'mlp',
    corpus: 'names',
    config: {
      type: 'mlp',
      vocabSize: 27,
      blockSize: 3,
      nEmbd: 10,
      nHidden: 64,
      inputKind: 'window',
      seed: 1,
    },
    batchSize: 32,
    optimizer: { type: 'sgd', lr: 0.1 },
  },
  {
    name: 'mlp+batchnorm',
    corpus: 'names',
    config: {
      type: 'mlp',
      vocabSize: 27,
      blockSize: 3,
      nEmbd: 10,
      nHidden: 64,
      batchNorm: true,
      inputKind: 'window',
      seed: 1,
    },
    batchSize: 32,
    optimizer: { type: 'sgd', lr: 0.1 },
  },
  {
    name: 'rnn',
    corpus: 'names',
    config: { type: 'rnn', vocabSize: 27, blockSize: 16, nEmbd: 16, nEmbd2: 32, seed: 1 },
    batchSize: 16,
    optimizer: { type: 'adamw', lr: 1e-3 },
  },
  {
    name: 'gru',
    corpus: 'names',
    config: { type: 'gru', vocabSize: 27, blockSize: 16, nEmbd: 16, nEmbd2: 32, seed: 1 },
    batchSize: 16,
    optimizer: { type: 'adamw', lr: 1e-3 },
  },
  {
    name: 'lstm',
    corpus: 'names',
    config: { type: 'lstm', vocabSize: 27, blockSize: 16, nEmbd: 16, nEmbd2: 32, seed: 1 },
    batchSize: 16,
    optimizer: { type: 'adamw', lr: 1e-3 },
  },
  {
    name: 'bow',
    corpus: 'names',
    config: { type: 'bow', vocabSize: 27, blockSize: 16, nEmbd: 16, nEmbd2: 32, seed: 1 },
    batchSize: 16,
    optimizer: { type: 'adamw', lr: 1e-3 },
  },
  {
    name: 'wavenet',
    corpus: 'names',
    config: {
      type: 'wavenet',
      vocabSize: 27,
      blockSize: 8,
      nEmbd: 10,
      nHidden: 32,
      batchNorm: true,
      inputKind: 'window',
      seed: 1,
    },
    batchSize: 32,
    optimizer: { type: 'sgd', lr: 0.1 },
  },
  {
    name: 'transformer',
    corpus: 'names',
    config: {
      type: 'transformer',
      vocabSize: 27,
      blockSize: 16,
      nLayer: 2,
      nHead: 2,
      nEmbd: 32,
      dropout: 0,
      seed: 1,
    },
    batchSize: 16,
    optimizer: { type: 'adamw', lr: 1e-3 },
  },
  {
    name: 'gpt (nanoGPT-style)',
    corpus: 'shakespeare',
    config: {
      type: 'transformer',
      vocabSize: 65,
      blockSize: 32,
      nLayer: 2,
      nHead: 2,
      nEmbd: 32,
      dropout: 0,
      bias: false,
      tieWeights: true,
      gelu: 'erf',
      init: 'gpt2',
      seed: 1,
    } as ModelConfig,
    batchSize: 8,
    optimizer: { type: 'adamw', lr: 1e-3 },
  },
];

interface HostTensor {
  values: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: tf.DataType;
}

interface RunResult {
  losses: number[];
  gradNorms: number[];
  final: Map<string, Float32Array>;
}

interface CorrectnessRow {
  model: string;
  data: string;
  params: number;
  steps: number;
  cpuLosses: number[];
  webgpuLosses: number[];
  firstLossDiff: number | null;
  maxLossDiff: number | null;
  maxGradNormRelDiff: number | null;
  maxParamDiff: number | null;
  /** WebGPU errors (validation, out of memory) raised on the device during the webgpu run. */
  gpuErrors: number;
  pass: boolean;
  error?: string;
}

async function readState(model: LanguageModel): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of Object.entries(model.stateDict())) {
    out.set(name, { values: (await t.data()) as HostTensor['values'], shape: t.shape, dtype: t.dtype });
  }
  return out;
}

async function runTraining(
  c: CorrectnessCase,
  backend: string,
  batches: HostBatch[],
  initial: Map<string, HostTensor> | null,
): Promise<{ result: RunResult; initial: Map<string, HostTensor>; params: number }> {
  if (!(await tf.setBackend(backend))) throw new Error(`cannot activate backend ${backend}`);
  const model = createModel(c.config) as LanguageModel;
  let optimizer: Optimizer | null = null;
  try {
    let start: Map<string, HostTensor>;
    if (initial) {
      const record: Record<string, tf.Tensor> = {};
      for (const [k, v] of initial) record[k] = tf.tensor(v.values, v.shape, v.dtype);
      model.loadStateDict(record);
      tf.dispose(Object.values(record));
      start = initial;
    } else {
      start = await readState(model);
    }
    optimizer = createOptimizer(model.parameters(), c.optimizer);
    const losses: number[] = [];
    const gradNorms: number[] = [];
    for (const b of batches) {
      const x = tf.tensor2d(b.x, b.xShape, 'int32');
      const y = tf.tensor(b.y, b.yShape, 'int32');
      try {
        const r = await trainStep(model, optimizer, { x, y }, { lr: c.optimizer.lr });
        losses.push(r.loss);
        gradNorms.push(r.gradNorm);
      } finally {
        tf.dispose([x, y]);
      }
    }
    const final = new Map<string, Float32Array>();
    for (const [k, v] of model.parameters()) final.set(k, Float32Array.from(await v.data()));
    return { result: { losses, gradNorms, final }, initial: start, params: model.numParams() };
  } finally {
    optimizer?.dispose?.();
    model.dispose();
  }
}

async function checkCorrectness(corpora: Map<string, Corpus>): Promise<CorrectnessRow[]> {
  const steps = quick ? 3 : 5;
  const rows: CorrectnessRow[] = [];
  for (const c of CORRECTNESS_CASES) {
    const corpus = corpora.get(c.corpus)!;
    const config = { ...c.config, vocabSize: corpus.vocabSize };
    const probe = createModel(config) as LanguageModel;
    const inputKind = probe.inputKind;
    probe.dispose();
    const rng = new Rng(1234);
    await tf.setBackend('cpu');
    const batches: HostBatch[] = [];
    for (let i = 0; i < steps; i++) {
      batches.push(await corpus.batch(inputKind, config.blockSize, c.batchSize, rng));
    }
    const row: CorrectnessRow = {
      model: c.name,
      data: corpus.source,
      params: 0,
      steps,
      cpuLosses: [],
      webgpuLosses: [],
      firstLossDiff: null,
      maxLossDiff: null,
      maxGradNormRelDiff: null,
      maxParamDiff: null,
      gpuErrors: 0,
      pass: false,
    };
    const errorsBefore = gpuErrors.count;
    try {
      const withConfig = { ...c, config };
      const cpu = await runTraining(withConfig, 'cpu', batches, null);
      row.params = cpu.params;
      row.cpuLosses = cpu.result.losses;
      const gpu = await runTraining(withConfig, 'webgpu', batches, cpu.initial);
      row.gpuErrors = gpuErrors.count - errorsBefore;
      row.webgpuLosses = gpu.result.losses;
      const diffs = cpu.result.losses.map((l, i) => Math.abs(l - gpu.result.losses[i]!));
      row.firstLossDiff = diffs[0]!;
      row.maxLossDiff = Math.max(...diffs);
      row.maxGradNormRelDiff = Math.max(
        ...cpu.result.gradNorms.map(
          (g, i) => Math.abs(g - gpu.result.gradNorms[i]!) / Math.max(Math.abs(g), 1e-12),
        ),
      );
      let maxParam = 0;
      for (const [k, a] of cpu.result.final) {
        const b = gpu.result.final.get(k)!;
        for (let i = 0; i < a.length; i++) maxParam = Math.max(maxParam, Math.abs(a[i]! - b[i]!));
      }
      row.maxParamDiff = maxParam;
      const finite = gpu.result.losses.every(Number.isFinite);
      row.pass =
        finite && row.gpuErrors === 0 && row.firstLossDiff <= FIRST_LOSS_TOL && row.maxLossDiff <= LOSS_TOL;
      if (row.gpuErrors > 0) row.error = `${row.gpuErrors} WebGPU errors, first: ${gpuErrors.first}`;
    } catch (error) {
      row.error = oneLine(error);
      row.pass = false;
    }
    rows.push(row);
    log(
      `correctness ${c.name.padEnd(20)} ${row.pass ? 'PASS' : 'FAIL'}  max|Δloss| ${fmtE(row.maxLossDiff)}` +
        `  first ${fmtE(row.firstLossDiff)}  max|Δparam| ${fmtE(row.maxParamDiff)}` +
        (row.error ? `  error: ${row.error}` : ''),
    );
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------
// 3. Speed: `makemore bench`'s three models on webgpu
// ---------------------------------------------------------------------------------------------------------

/**
 * The configs, optimizers and batches of `makemore bench` (apps/cli/src/commands/bench-specs.ts; the
 * command itself picks its backend through useBestBackend, which offers no webgpu in Node), with step
 * counts of their own: a GPU backend compiles a shader pipeline per new kernel shape on the first steps, so
 * warm-up is longer, and timed steps are capped by --max-seconds.
 */
const GPU_STEPS: Record<string, { steps: number; warmup: number }> = {
  gpt: { steps: 100, warmup: 5 },
  transformer: { steps: 100, warmup: 10 },
  mlp: { steps: 500, warmup: 100 },
};
const SPEED_SPECS: BenchSpec[] = BENCH_SPECS.map((spec) => ({ ...spec, ...GPU_STEPS[spec.name] }));

interface SpeedRow {
  name: string;
  description: string;
  params: number;
  warmup: number;
  warmupSeconds: number;
  steps: number;
  msPerStep: number;
  medianMs: number;
  p90Ms: number;
  stepsPerSec: number;
  tensorsBefore: number;
  tensorsAfter: number;
  leak: boolean;
  error?: string;
}

async function measureSpeed(spec: BenchSpec): Promise<SpeedRow> {
  const warmup = quick ? Math.min(spec.warmup, 2) : spec.warmup;
  const steps = quick ? Math.max(3, Math.round(spec.steps / 20)) : spec.steps;
  await tf.setBackend('webgpu');
  const model = createModel(spec.model) as LanguageModel;
  const optimizer = createOptimizer(model.parameters(), { type: spec.optimizer, lr: spec.lr });
  // As `makemore bench`: seeded random token ids, a new upload each step.
  const rng = new Rng(7);
  const window = model.inputKind === 'window';
  const batch = () => {
    const ids = randomTokenBatch(spec, window, rng);
    return { x: tf.tensor2d(ids.x, ids.xShape, 'int32'), y: tf.tensor(ids.y, ids.yShape, 'int32') };
  };
  const step = async () => {
    const b = batch();
    try {
      await trainStep(model, optimizer, b, { lr: spec.lr });
    } finally {
      tf.dispose([b.x, b.y]);
    }
  };
  try {
    const w0 = performance.now();
    for (let i = 0; i < warmup; i++) await step();
    const warmupSeconds = (performance.now() - w0) / 1000;
    log(
      `speed ${spec.name}: warm-up ${warmup} steps in ${warmupSeconds.toFixed(1)} s; timing up to ${steps} steps`,
    );
    const tensorsBefore = tf.memory().numTensors;
    const errorsBefore = gpuErrors.count;
    const times: number[] = [];
    const started = performance.now();
    for (let i = 0; i < steps; i++) {
      const s = performance.now();
      await step();
      times.push(performance.now() - s);
      if ((performance.now() - started) / 1000 > maxSeconds && times.length >= 3) break;
    }
    const total = performance.now() - started;
    const tensorsAfter = tf.memory().numTensors;
    const sorted = [...times].sort((a, b) => a - b);
    const ms = total / times.length;
    const errors = gpuErrors.count - errorsBefore;
    return {
      ...(errors > 0 ? { error: `${errors} WebGPU errors, first: ${gpuErrors.first}` } : {}),
      name: spec.name,
      description: spec.description,
      params: model.numParams(),
      warmup,
      warmupSeconds,
      steps: times.length,
      msPerStep: ms,
      medianMs: sorted[Math.floor(sorted.length / 2)]!,
      p90Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!,
      stepsPerSec: 1000 / ms,
      tensorsBefore,
      tensorsAfter,
      leak: tensorsAfter > tensorsBefore,
    };
  } finally {
    optimizer.dispose?.();
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------

function fmtE(x: number | null): string {
  return x === null ? 'n/a' : x.toExponential(2);
}

function table(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(fmt)];
}

async function main(): Promise<number> {
  log(
    `node ${process.version}, tfjs-core ${tf.version_core}, tfjs-backend-cpu ${version_cpu}, dawn options [${dawnOptions.join(' ')}]`,
  );
  const adapter = await describeAdapter();
  if (!adapter) {
    const env = ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES', 'LD_LIBRARY_PATH']
      .map((k) => `${k}=${process.env[k] ?? '(unset)'}`)
      .join(' ');
    process.stderr.write(
      `webgpu-node: FAIL: no WebGPU adapter found (navigator.gpu.requestAdapter returned null).\n` +
        `  Dawn needs a Vulkan loader (libvulkan.so.1) and a Vulkan driver (ICD json + its library).\n` +
        `  ${env}\n  Dawn's own warnings, if any, are printed above.\n`,
    );
    return 2;
  }
  log(
    `adapter: vendor '${adapter.vendor}', architecture '${adapter.architecture}', device '${adapter.device}', ` +
      `description '${adapter.description}', fallback ${adapter.isFallbackAdapter}`,
  );
  log(`adapter limits: ${JSON.stringify(adapter.limits)}; features: ${adapter.features.join(', ')}`);
  if (adapter.software && flags['allow-software'] !== true) {
    process.stderr.write(
      'webgpu-node: FAIL: the only WebGPU adapter is a software (CPU) one; the GPU driver was not found by ' +
        'Vulkan. Pass --allow-software to run on it anyway.\n',
    );
    return 3;
  }
  if (adapter.software)
    log('note: software adapter (allowed by --allow-software); speed figures are CPU figures');

  await useWebGpuBackend();
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  watchGpuErrors(device);
  const addNRepaired = flags['no-addn-repair'] !== true && installWebGpuRepairs();
  log(
    `tfjs backend: ${tf.getBackend()}; device maxStorageBuffersPerShaderStage ` +
      `${device.limits.maxStorageBuffersPerShaderStage}; AddN chunking repair ${addNRepaired ? 'on' : 'off'}`,
  );

  let correctness: CorrectnessRow[] = [];
  if (flags['skip-correctness'] !== true) {
    const corpora = new Map<string, Corpus>();
    for (const name of ['names', 'shakespeare'] as const) corpora.set(name, await loadCorpus(name));
    log(
      `correctness: ${CORRECTNESS_CASES.length} models, ${quick ? 3 : 5} trainStep calls each, cpu vs webgpu ` +
        `(bigram counts: pure JavaScript, no tfjs ops, not checked)`,
    );
    correctness = await checkCorrectness(corpora);
  }

  const speed: SpeedRow[] = [];
  if (flags['skip-speed'] !== true) {
    const only = flags.only?.split(',').map((s) => s.trim());
    for (const spec of SPEED_SPECS.filter((s) => !only || only.includes(s.name))) {
      try {
        const row = await measureSpeed(spec);
        speed.push(row);
        if (row.error) log(`speed ${spec.name}: ERROR ${row.error}`);
        log(
          `speed ${spec.name}: ${row.msPerStep.toFixed(2)} ms/step (median ${row.medianMs.toFixed(2)}) over ` +
            `${row.steps} steps${row.leak ? ' LEAK' : ''}`,
        );
      } catch (error) {
        log(`speed ${spec.name}: ERROR ${oneLine(error)}`);
        speed.push({
          name: spec.name,
          description: spec.description,
          params: 0,
          warmup: 0,
          warmupSeconds: 0,
          steps: 0,
          msPerStep: Number.NaN,
          medianMs: Number.NaN,
          p90Ms: Number.NaN,
          stepsPerSec: Number.NaN,
          tensorsBefore: 0,
          tensorsAfter: 0,
          leak: false,
          error: oneLine(error),
        });
      }
    }
  }

  const lines: string[] = ['', `== webgpu-node summary (${quick ? 'quick' : 'full'}) ==`];
  lines.push(
    `adapter: ${adapter.vendor} / ${adapter.architecture} / ${adapter.device} / ${adapter.description}` +
      (adapter.software ? '  [SOFTWARE]' : ''),
    `AddN chunking repair: ${addNRepaired ? 'on' : 'off'}; WebGPU errors: ${gpuErrors.count}` +
      (gpuErrors.first ? ` (first: ${gpuErrors.first})` : ''),
  );
  if (correctness.length > 0) {
    lines.push(
      '',
      `correctness, cpu vs webgpu (tolerance: first loss ${FIRST_LOSS_TOL}, later losses ${LOSS_TOL})`,
    );
    lines.push(
      ...table(
        [
          'model',
          'params',
          'steps',
          'loss cpu (first→last)',
          'max |Δloss|',
          'first |Δloss|',
          'max |Δparam|',
          'result',
        ],
        correctness.map((r) => [
          r.model,
          String(r.params),
          String(r.steps),
          r.cpuLosses.length > 0 ? `${r.cpuLosses[0]!.toFixed(4)}→${r.cpuLosses.at(-1)!.toFixed(4)}` : 'n/a',
          fmtE(r.maxLossDiff),
          fmtE(r.firstLossDiff),
          fmtE(r.maxParamDiff),
          r.pass ? 'PASS' : `FAIL${r.error ? `: ${r.error.slice(0, 140)}` : ''}`,
        ]),
      ),
    );
  }
  if (speed.length > 0) {
    lines.push(
      '',
      `speed on webgpu (trainStep, loss read back every step; ${quick ? 'quick' : 'full'} mode)`,
    );
    lines.push(
      ...table(
        ['benchmark', 'params', 'warm-up', 'steps', 'ms/step', 'median ms', 'p90 ms', 'steps/s', 'tensors'],
        speed.map((r) =>
          r.error
            ? [r.name, '', '', '', 'ERROR', '', '', '', r.error]
            : [
                r.name,
                String(r.params),
                `${r.warmup} (${r.warmupSeconds.toFixed(1)} s)`,
                String(r.steps),
                r.msPerStep.toFixed(2),
                r.medianMs.toFixed(2),
                r.p90Ms.toFixed(2),
                r.stepsPerSec.toFixed(1),
                r.leak ? `LEAK ${r.tensorsBefore}→${r.tensorsAfter}` : 'ok',
              ],
        ),
      ),
    );
  }
  const failed = correctness.filter((r) => !r.pass).map((r) => r.model);
  const speedErrors = speed.filter((r) => r.error).map((r) => r.name);
  const ok = failed.length === 0 && speedErrors.length === 0;
  lines.push(
    '',
    ok
      ? 'RESULT: PASS'
      : `RESULT: FAIL (correctness: ${failed.join(', ') || 'none'}; speed errors: ${speedErrors.join(', ') || 'none'})`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);

  // biome-ignore lint/suspicious/noUndeclaredEnvVars: a run-time setting of this script, which no turbo task runs
  const outDir = process.env.OUT;
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, 'webgpu-node.json');
    const json = {
      mode: quick ? 'quick' : 'full',
      node: process.version,
      tfjs: tf.version_core,
      adapter,
      tolerance: { firstLoss: FIRST_LOSS_TOL, loss: LOSS_TOL },
      addNRepair: addNRepaired,
      gpuErrors: gpuErrors.count,
      correctness,
      speed,
      ok,
      seconds: (performance.now() - t0) / 1000,
    };
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
    log(`wrote ${file}`);
  }
  return ok ? 0 : 1;
}

main().then(
  // Exit explicitly: dawn.node keeps the event loop alive while its GPU instance is referenced.
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `webgpu-node: FAIL: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
