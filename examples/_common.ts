/**
 * Shared plumbing for the reference-loss scripts: flags, backend choice, dataset loading and a progress
 * printer. Each script states its configuration and calls {@link runReference}.
 *
 * Run a script from the repository root; examples/tsconfig.json maps @makemore/* to the packages' sources,
 * so nothing needs building first. The scripts are CommonJS on purpose: tfjs-core's gradient registrations
 * use extension-less ESM imports that only tsx's CommonJS loader resolves when running from source.
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/lecture-mlp.ts --steps 20000
 *
 * Flags: --steps N (default: the reference run's), --backend auto|wasm|cpu|tensorflow|tensorflow-gpu,
 * --threads N, --eval-every N, --out DIR (write best/ and last/ checkpoints and metrics.jsonl there),
 * --seed N, --resume DIR (continue from DIR/last, e.g. after Ctrl-C; --steps is the new total),
 * --decay-tail N (scripts with a constant learning rate: cosine-decay it to a tenth over the last N steps;
 *   0 keeps it constant; default: the script's),
 * --dropout P (scripts whose model takes a dropout rate; default: the reference configuration's).
 */
import { parseArgs } from 'node:util';
import { useBestBackend } from '@makemore/backend/node';
import { loadDataset } from '@makemore/datasets/node';
import { createModel, type LanguageModel } from '@makemore/models';
import { CharTokenizer } from '@makemore/tokenizers';
import {
  AdamW,
  cosineWithWarmup,
  createTrainingData,
  estimateLoss,
  type TrainingData,
  type TrainOptions,
  train,
} from '@makemore/trainer';
import { Checkpointer, MetricsWriter } from '@makemore/trainer/node';

/** Parsed command-line flags. */
export interface Flags {
  steps?: number;
  backend: string;
  threads: number;
  evalEvery?: number;
  out?: string;
  seed: number;
  resume?: string;
  decayTail?: number;
  dropout?: number;
}

/** Reads the flags every script shares. */
export function readFlags(): Flags {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      threads: { type: 'string', default: '1' },
      'eval-every': { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string', default: '42' },
      resume: { type: 'string' },
      'decay-tail': { type: 'string' },
      dropout: { type: 'string' },
    },
  });
  const int = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
    return n;
  };
  const rate = (v: string | undefined) => {
    if (v === undefined) return undefined;
    const p = Number(v);
    if (!(p >= 0 && p < 1)) throw new Error(`--dropout must be in [0, 1), got '${v}'`);
    return p;
  };
  return {
    steps: int('steps', values.steps),
    backend: values.backend as string,
    threads: int('threads', values.threads as string) ?? 1,
    evalEvery: int('eval-every', values['eval-every']),
    out: values.out,
    seed: int('seed', values.seed as string) ?? 42,
    resume: values.resume,
    decayTail: int('decay-tail', values['decay-tail']),
    dropout: rate(values.dropout),
  };
}

/**
 * A constant learning rate `lr` that, when `tail` > 0, decays along a half cosine to lr/10 over the last
 * `tail` of `steps` (a warmup-stable-decay schedule without the warmup).
 */
export function constantThenDecay(lr: number, steps: number, tail: number): (step: number) => number {
  const start = steps - tail;
  return (step) =>
    tail <= 0 || step < start ? lr : lr / 10 + 0.45 * lr * (1 + Math.cos((Math.PI * (step - start)) / tail));
}

/** Activates the fastest backend that loads (or the one asked for) and says which. */
export async function setUpBackend(flags: Flags): Promise<string> {
  const choice = await useBestBackend({ prefer: flags.backend, threads: flags.threads });
  console.log(`backend: ${choice.backend} (${choice.reason})`);
  return choice.backend;
}

/** Loads a built-in dataset (MAKEMORE_DATA_DIR, the cache, or a download). */
export const dataset = (name: string) => loadDataset(name);

/** The names dataset as the lecture trains on it: `.` at id 0, seeded 80/10/10 split, context windows. */
export async function namesWindows(flags: Flags, blockSize: number) {
  const names = (await dataset('names')).words ?? [];
  const tokenizer = CharTokenizer.fromText(names.join(''), { specialTokens: ['.'] });
  const data = createTrainingData({
    kind: 'words',
    words: names,
    seed: flags.seed,
    tokenizer,
    inputKind: 'window',
    blockSize,
    info: { name: 'names' },
  });
  return { tokenizer, data };
}

/** nanoGPT's small character GPT: 4 layers, 4 heads, n_embd 128, no dropout or biases, tied, GPT-2 init. */
export function nanoGptCharModel(vocabSize: number, blockSize: number, seed: number): LanguageModel {
  return createModel({
    type: 'transformer',
    vocabSize,
    blockSize,
    nLayer: 4,
    nHead: 4,
    nEmbd: 128,
    dropout: 0,
    bias: false,
    tieWeights: true,
    gelu: 'erf',
    init: 'gpt2',
    seed,
  }) as LanguageModel;
}

/** nanoGPT's CPU optimisation: AdamW 1e-3 (β2 0.99, weight decay 0.1), 100 warmup steps, cosine to 1e-4. */
export function nanoGptOptimization(model: LanguageModel, steps: number) {
  return {
    optimizer: new AdamW(model.parameters(), { lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0.1 }),
    schedule: cosineWithWarmup({
      maxLr: 1e-3,
      minLr: 1e-4,
      warmupSteps: Math.min(100, steps - 1),
      decaySteps: steps,
    }),
  };
}

/** What a reference run reports. */
export interface ReferenceResult {
  name: string;
  backend: string;
  steps: number;
  params: number;
  losses: Record<string, number>;
  wallSeconds: number;
  stepsPerSec: number;
}

/**
 * Trains with live progress lines, then evaluates every split in full (or with `finalEvalIters` random
 * batches for large text splits) and prints a RESULT line.
 */
export async function runReference(
  name: string,
  backend: string,
  flags: Flags,
  options: TrainOptions & { model: LanguageModel; data: TrainingData },
  finalEvalIters: number | 'all' = 'all',
): Promise<ReferenceResult> {
  const { model, data } = options;
  console.log(
    `${name}: ${model.numParams().toLocaleString()} parameters, ${options.steps} steps, batch ${options.batchSize}`,
  );
  const checkpoint = flags.out ? new Checkpointer(flags.out) : undefined;
  const resume = flags.resume ? await new Checkpointer(flags.resume).load('last') : undefined;
  if (resume) console.log(`resuming from ${flags.resume}/last at step ${resume.step}`);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const run = train({
    ...options,
    signal: controller.signal,
    ...(checkpoint ? { checkpoint } : {}),
    ...(resume ? { resume } : {}),
  });
  const metrics = flags.out ? new MetricsWriter(`${flags.out}/metrics.jsonl`, { every: 100 }) : undefined;
  if (metrics) metrics.attach(run);
  const printEvery = Math.max(1, Math.floor(options.steps / 50));
  let window = 0;
  let count = 0; // steps in the window (fewer than printEvery right after a resume)
  let windowStart = performance.now();
  run.on('step', (e) => {
    window += e.loss;
    count++;
    if (e.step % printEvery === 0) {
      const secs = (performance.now() - windowStart) / 1000;
      console.log(
        `step ${e.step}/${options.steps} | loss ${(window / count).toFixed(4)} | lr ${e.lr.toExponential(2)} | ` +
          `${(count / secs).toFixed(1)} steps/s | ${(e.elapsedMs / 1000).toFixed(0)} s`,
      );
      window = 0;
      count = 0;
      windowStart = performance.now();
    }
  });
  run.on('eval', (e) => {
    const parts = Object.entries(e.losses).map(([k, v]) => `${k} ${v.toFixed(4)}`);
    console.log(`eval @ ${e.step}: ${parts.join(' | ')}${e.best ? ' (best)' : ''}`);
  });
  run.on('sample', (e) => console.log(`samples @ ${e.step}:\n  ${e.samples.join('\n  ')}`));
  const done = await run.result;
  await metrics?.close();
  const losses = await estimateLoss(model, data, {
    iters: finalEvalIters,
    batchSize: finalEvalIters === 'all' ? 1024 : options.batchSize,
  });
  const result: ReferenceResult = {
    name,
    backend,
    steps: done.step,
    params: model.numParams(),
    losses,
    wallSeconds: Number((done.elapsedMs / 1000).toFixed(1)),
    stepsPerSec: Number(done.stepsPerSec.toFixed(2)),
  };
  console.log(
    `final losses (${finalEvalIters === 'all' ? 'full splits' : `${finalEvalIters} batches`}):`,
    losses,
  );
  console.log(`RESULT ${JSON.stringify(result)}`);
  return result;
}
