/**
 * What every reference script shares: it names a recipe of @makemore/run, and this file loads the data,
 * prepares the run with `prepareRun`, trains with live progress, evaluates every split at the end and
 * prints a RESULT line beside the recipe's published result. The scripts hold no training logic: the
 * recipe (JSON in packages/run/src/recipes/) is the configuration, exactly as `makemore train --preset`.
 *
 * Run a script from the repository root; examples/tsconfig.json maps @makemore/* to the packages' sources,
 * so nothing needs building first. The scripts are CommonJS on purpose: tfjs-core's gradient registrations
 * use extension-less ESM imports that only tsx's CommonJS loader resolves when running from source.
 *
 *   pnpm tsx --tsconfig examples/tsconfig.json examples/lecture-mlp.ts --steps 20000
 *
 * Flags: --steps N (default: the recipe's; the schedule keeps its shape), --backend auto|wasm|cpu|…,
 * --threads N, --eval-every N, --out DIR (best/ and last/ checkpoints, run.json, metrics.jsonl),
 * --seed N, --resume DIR (continue from DIR/last; --steps is the new total),
 * --set field=value (any spec field, e.g. --set model.dropout=0.1; repeatable).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useBestBackend } from '@makemore/backend/node';
import { loadDataset } from '@makemore/datasets/node';
import {
  compareWithReference,
  getRecipe,
  mergeSpec,
  planResume,
  prepareRun,
  type RunSpecInput,
  recipeSpec,
  setField,
  specOfSnapshot,
} from '@makemore/run';
import { estimateLoss, train } from '@makemore/trainer';
import { Checkpointer, MetricsWriter } from '@makemore/trainer/node';

/** Parsed command-line flags. */
export interface Flags {
  steps?: number;
  backend: string;
  threads: number;
  evalEvery?: number;
  out?: string;
  seed?: number;
  resume?: string;
  set: string[];
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
      seed: { type: 'string' },
      resume: { type: 'string' },
      set: { type: 'string', multiple: true },
    },
  });
  const int = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
    return n;
  };
  return {
    steps: int('steps', values.steps),
    backend: values.backend as string,
    threads: int('threads', values.threads as string) ?? 1,
    evalEvery: int('eval-every', values['eval-every']),
    out: values.out,
    seed: int('seed', values.seed),
    resume: values.resume,
    set: (values.set as string[] | undefined) ?? [],
  };
}

/** The recipe's spec with the flags applied (a new --steps keeps the schedule's shape). */
export function specFor(recipe: string, flags: Flags): RunSpecInput {
  const base = getRecipe(recipe).spec;
  let changes: RunSpecInput = {};
  if (flags.steps !== undefined) {
    const ratio = flags.steps / (base.training?.steps ?? flags.steps);
    const s = base.schedule ?? {};
    changes = {
      training: { steps: flags.steps },
      schedule: {
        ...(s.milestones
          ? { milestones: s.milestones.map((m) => Math.max(1, Math.round((m as number) * ratio))) }
          : {}),
        ...(s.decaySteps ? { decaySteps: Math.max(1, Math.round(s.decaySteps * ratio)) } : {}),
        ...(s.warmup !== undefined && s.decaySteps && s.warmup >= s.decaySteps * ratio
          ? { warmup: Math.floor(s.decaySteps * ratio * 0.05) }
          : {}),
      },
    };
  }
  if (flags.seed !== undefined) {
    changes = mergeSpec(changes, {
      training: { seed: flags.seed },
      model: { seed: flags.seed },
      data: { split: { seed: flags.seed } },
    });
  }
  if (flags.evalEvery !== undefined) changes = mergeSpec(changes, { eval: { every: flags.evalEvery } });
  changes = mergeSpec(changes, { backend: { name: flags.backend, threads: flags.threads } });
  for (const assignment of flags.set) {
    const eq = assignment.indexOf('=');
    if (eq < 1) throw new Error(`--set expects field=value, got '${assignment}'`);
    const raw = assignment.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {}
    changes = setField(changes, assignment.slice(0, eq), value);
  }
  return mergeSpec({ ...base, recipe }, changes);
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
 * Trains recipe `name` with live progress lines, then evaluates every split (in full for word lists, with
 * `finalEvalIters` random batches for text) and prints a RESULT line and the recipe's reference.
 */
export async function runRecipe(
  name: string,
  finalEvalIters: number | 'all' = 'all',
): Promise<ReferenceResult> {
  const flags = readFlags();
  const recipe = getRecipe(name);
  const choice = await useBestBackend({ prefer: flags.backend, threads: flags.threads });
  console.log(`backend: ${choice.backend} (${choice.reason})`);
  const resume = flags.resume ? await new Checkpointer(flags.resume).load('last') : undefined;
  let spec = recipeSpec(name, specFor(name, flags));
  if (resume) {
    const saved = specOfSnapshot(resume);
    if (!saved) throw new Error(`${flags.resume}/last records no run spec; it was not written from a recipe`);
    const plan = planResume(
      saved,
      flags.steps !== undefined ? { training: { steps: flags.steps } } : {},
      resume.step,
    );
    for (const note of plan.notes) console.log(`resume: ${note}`);
    spec = plan.spec;
    console.log(`resuming from ${flags.resume}/last at step ${resume.step}`);
  }
  const dataset = await loadDataset(spec.data.dataset);
  const run = prepareRun(spec, dataset, {
    ...(resume
      ? { tokenizer: (await import('@makemore/tokenizers')).tokenizerFromJSON(resume.tokenizer as never) }
      : {}),
  });
  const { model, data } = run;
  const { steps, batchSize } = run.spec.training;
  console.log(
    `${name}: ${recipe.title}; ${model.numParams().toLocaleString()} parameters, ${steps} steps, batch ${batchSize}`,
  );
  if (flags.out) {
    mkdirSync(flags.out, { recursive: true });
    writeFileSync(join(flags.out, 'run.json'), `${JSON.stringify(run.spec, null, 2)}\n`);
  }
  const checkpoint = flags.out ? new Checkpointer(flags.out) : undefined;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const job = train(
    run.trainOptions({
      signal: controller.signal,
      ...(checkpoint ? { checkpoint } : {}),
      ...(resume ? { resume } : {}),
    }),
  );
  const metrics = flags.out ? new MetricsWriter(`${flags.out}/metrics.jsonl`, { every: 100 }) : undefined;
  if (metrics) metrics.attach(job);
  const printEvery = Math.max(1, Math.floor(steps / 50));
  let window = 0;
  let count = 0;
  let windowStart = performance.now();
  job.on('step', (e) => {
    window += e.loss;
    count++;
    if (e.step % printEvery === 0) {
      const secs = (performance.now() - windowStart) / 1000;
      console.log(
        `step ${e.step}/${steps} | loss ${(window / count).toFixed(4)} | lr ${e.lr.toExponential(2)} | ` +
          `${(count / secs).toFixed(1)} steps/s | ${(e.elapsedMs / 1000).toFixed(0)} s`,
      );
      window = 0;
      count = 0;
      windowStart = performance.now();
    }
  });
  job.on('eval', (e) => {
    const parts = Object.entries(e.losses).map(([k, v]) => `${k} ${v.toFixed(4)}`);
    console.log(`eval @ ${e.step}: ${parts.join(' | ')}${e.best ? ' (best)' : ''}`);
  });
  const done = await job.result;
  await metrics?.close();
  const losses = await estimateLoss(model, data, {
    iters: finalEvalIters,
    batchSize: finalEvalIters === 'all' ? 1024 : batchSize,
  });
  console.log(`samples:\n  ${run.sample(spec.training.seed).join('\n  ')}`);
  const result: ReferenceResult = {
    name,
    backend: choice.backend,
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
  const comparison = compareWithReference(recipe, losses);
  if (comparison) console.log(comparison);
  console.log(`RESULT ${JSON.stringify(result)}`);
  run.dispose();
  return result;
}

/** Runs a recipe script's main, printing a failure and exiting non-zero. */
export function main(recipe: string, finalEvalIters: number | 'all' = 'all'): void {
  runRecipe(recipe, finalEvalIters).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
