/**
 * `makemore train`: load a dataset, build a tokenizer and a model, train it with progress output,
 * evaluate, checkpoint, and print samples. With no flags it trains the lecture MLP on names
 * (see presets.ts). Ctrl-C saves a checkpoint and prints how to resume.
 */
import { existsSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ModelConfig, ModelType } from '@makemore/models';
import type { TrainingSnapshot } from '@makemore/trainer';
import type { Args } from '../args';
import type { Command, Context } from '../command';
import { CliError, EXIT_INTERRUPTED, oneLine } from '../errors';
import { formatGroups, groupSamples } from '../grouping';
import { PRESETS, type TrainPreset, TEXT_BLOCK_SIZE } from '../presets';
import { checkRunFits, lockRunFolder, trainFailure, truncateMetricsForResume } from '../run-safety';
import {
  buildRunData,
  createNetwork,
  longestWord,
  buildTokenizer,
  type CliTokenizer,
  parseTokenizerSpec,
  sampleFrom,
  selectBackend,
  type SplitRecord,
  tokenizerFromSaved,
} from '../session';
import { sparkline } from '../ui/chart';
import { formatDuration, table } from '../ui/table';
import { loadForCli } from './datasets';
import { DATA_FLAGS, MODEL_FLAGS, OPTIM_FLAGS, RUN_FLAGS } from './train-flags';

/** The CLI settings recorded in a checkpoint, so `--resume`, `sample` and `eval` can rebuild the run. */
export interface RunRecord {
  cli: {
    dataset: string;
    tokenizer: string;
    split: SplitRecord;
    optimizer: TrainPreset['optimizer'];
    lr: number;
    schedule: TrainPreset['schedule'];
    warmup: number;
    weightDecay: number;
  };
}

/** Everything a training run needs, resolved from the preset, the flags and the environment. */
export interface TrainSettings {
  dataset: string;
  tokenizer: string;
  modelType: ModelType;
  preset: TrainPreset;
  steps: number;
  batchSize: number;
  lr: number;
  optimizer: TrainPreset['optimizer'];
  schedule: TrainPreset['schedule'];
  warmup: number;
  weightDecay: number;
  gradClip: number;
  evalEvery: number;
  evalIters: number;
  sampleEvery: number;
  seed: number;
  out: string;
}

/** Merges the model preset, the environment (MAKEMORE_STEPS) and the flags. */
export function resolveSettings(
  args: Args,
  env: Record<string, string | undefined>,
  cwd: string,
): TrainSettings {
  const modelType = (args.string('model') ?? 'mlp') as ModelType;
  const preset = PRESETS[modelType];
  let steps = preset.steps;
  const envSteps = env.MAKEMORE_STEPS;
  if (envSteps !== undefined && envSteps !== '') {
    const n = Number(envSteps);
    if (!Number.isInteger(n) || n < 1)
      throw new CliError(`MAKEMORE_STEPS must be an integer of at least 1, got '${envSteps}'`);
    steps = n;
  }
  steps = args.number('steps') ?? steps;
  const given = args.string('dataset') ?? 'names';
  // A custom dataset is recorded by absolute path, so --resume, sample and eval work from any folder.
  const dataset = /[/\\]|\.txt$/.test(given) ? resolve(cwd, given) : given;
  const evalEvery = Math.min(args.number('eval-every') ?? preset.evalEvery, Math.max(steps, 1));
  const datasetSlug = /[/\\]/.test(dataset)
    ? (dataset.split(/[/\\]/).pop() ?? 'custom').replace(/\.txt$/, '')
    : dataset;
  return {
    dataset,
    tokenizer: args.string('tokenizer') ?? 'char',
    modelType,
    preset,
    steps,
    batchSize: args.number('batch-size') ?? preset.batchSize,
    lr: args.number('lr') ?? preset.lr,
    optimizer: (args.string('optimizer') as TrainPreset['optimizer'] | undefined) ?? preset.optimizer,
    schedule: (args.string('lr-schedule') as TrainPreset['schedule'] | undefined) ?? preset.schedule,
    warmup: args.number('warmup') ?? preset.warmup,
    weightDecay: args.number('weight-decay') ?? preset.weightDecay,
    gradClip: args.number('grad-clip') ?? preset.gradClip,
    evalEvery,
    evalIters: args.number('eval-iters') ?? preset.evalIters,
    sampleEvery: args.number('sample-every') ?? preset.sampleEvery,
    seed: args.number('seed') ?? 42,
    out: resolve(cwd, args.string('out') ?? `out/${datasetSlug}-${modelType}`),
  };
}

/** The model config for a fresh run: preset sizes, overridden by the size flags. */
export function modelConfigFor(
  s: TrainSettings,
  args: Args,
  vocabSize: number,
  datasetKind: string,
  maxWordLength: number,
): ModelConfig {
  const p = s.preset.model;
  const presetBlock =
    p.blockSize === 0 ? (datasetKind === 'words' ? maxWordLength + 1 : TEXT_BLOCK_SIZE) : p.blockSize;
  const config: ModelConfig = {
    type: s.modelType,
    vocabSize,
    blockSize: args.number('block-size') ?? presetBlock ?? 3,
    seed: s.seed,
  };
  const sizes: [keyof ModelConfig, string, number | undefined][] = [
    ['nEmbd', 'n-embd', p.nEmbd],
    ['nEmbd2', 'n-embd2', p.nEmbd2],
    ['nHidden', 'n-hidden', p.nHidden],
    ['nLayer', 'n-layer', p.nLayer],
    ['nHead', 'n-head', p.nHead],
    ['dropout', 'dropout', p.dropout],
  ];
  for (const [key, flag, fallback] of sizes) {
    const value = args.number(flag) ?? fallback;
    if (value !== undefined) config[key] = value;
  }
  if (args.has('batch-norm') || p.batchNorm !== undefined)
    config.batchNorm = args.has('batch-norm') ? args.bool('batch-norm') : p.batchNorm;
  if (p.inputKind) config.inputKind = p.inputKind;
  if (config.nEmbd !== undefined && config.nHead !== undefined && config.nEmbd % config.nHead !== 0) {
    throw new CliError(`--n-embd ${config.nEmbd} must be divisible by --n-head ${config.nHead}`);
  }
  return config;
}

async function scheduleFor(s: { schedule: string; lr: number; steps: number; warmup: number }) {
  const trainer = await import('@makemore/trainer');
  if (s.schedule === 'constant' || s.steps < 2) return trainer.constant(s.lr);
  if (s.schedule === 'step') {
    return trainer.stepDecay({
      values: [s.lr, s.lr / 10],
      boundaries: [Math.max(1, Math.floor(s.steps * 0.75))],
    });
  }
  const warmup = Math.min(s.warmup, s.steps - 1);
  return trainer.cosineWithWarmup({
    maxLr: s.lr,
    minLr: s.lr / 10,
    warmupSteps: warmup,
    decaySteps: s.steps,
  });
}

/** Loads the `last` checkpoint of `dir` with a clear error when it is missing or broken. */
export async function loadSnapshot(
  dir: string,
  slot: 'best' | 'last' = 'last',
  notice?: (line: string) => void,
): Promise<TrainingSnapshot> {
  const { openCheckpoint } = await import('../checkpoint');
  return openCheckpoint(dir, slot, notice);
}

function recordOf(snapshot: TrainingSnapshot, dir: string): RunRecord['cli'] {
  const cli = (snapshot.trainer as { cli?: RunRecord['cli'] }).cli;
  if (!cli || typeof cli.dataset !== 'string') {
    throw new CliError(`${dir}/config.json was not written by makemore train (no "trainer.cli" record)`);
  }
  return cli;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a model (no flags: the lecture MLP on names in about a minute, then samples)',
  usage: 'train [options]',
  details:
    'Without flags: an MLP (block 3, embedding 10, hidden 200) on names with SGD and a step decay; it reaches\n' +
    'dev loss ≈ 2.21 in about a minute on two CPU cores. Set MAKEMORE_STEPS to change the default step count.\n' +
    'Ctrl-C saves a checkpoint; continue with --resume.',
  flags: [...DATA_FLAGS, ...MODEL_FLAGS, ...OPTIM_FLAGS, ...RUN_FLAGS],
  examples: [
    ['train', 'the default: an MLP on names, then samples'],
    ['train --model transformer --steps 3000 --out out/names-gpt', "makemore's transformer on names"],
    ['train --dataset shakespeare --model transformer --block-size 64 --n-embd 128', 'a char-level GPT'],
    ['train --dataset ./words.txt --model gru --json > log.jsonl', 'your own word list, JSON lines'],
    ['train --resume --out out/names-mlp --steps 40000', 'continue an interrupted or finished run'],
  ],
  interruptible: true,
  run: (args, ctx) => trainRun(args, ctx),
};

// issue 21: one process per run folder (run-safety.ts); the lock is held for the whole command.
async function trainRun(args: Args, ctx: Context): Promise<number> {
  const folder = resolveSettings(args, ctx.io.env, ctx.io.cwd).out;
  const existed = existsSync(folder);
  const lock = args.bool('resume') && !existed ? null : await lockRunFolder(folder, (l) => ctx.out.notice(l));
  try {
    return await trainRunLocked(args, ctx);
  } finally {
    lock?.release();
    // A run refused before writing anything leaves no empty folder behind.
    if (!existed) await rmdir(folder).catch(() => undefined);
  }
}

async function trainRunLocked(args: Args, ctx: Context): Promise<number> {
  const { io, out } = ctx;
  let settings = resolveSettings(args, io.env, io.cwd);
  if (settings.modelType === 'bigram') {
    const { trainBigramCounts } = await import('./bigram');
    return trainBigramCounts(args, ctx, settings);
  }
  const [trainer, trainerNode] = await Promise.all([
    import('@makemore/trainer'),
    import('@makemore/trainer/node'),
  ]);

  // The backend comes first: a resumed checkpoint's tensors are created on it.
  const backend = await selectBackend(args, out);
  let snapshot: TrainingSnapshot | undefined;
  let tokenizer: CliTokenizer;
  let modelConfig: ModelConfig;
  if (args.bool('resume')) {
    if (!existsSync(settings.out)) {
      throw new CliError(
        `--resume: no run in ${settings.out}; point --out at the folder of the run to continue, or train without --resume`,
      );
    }
    snapshot = await loadSnapshot(settings.out, 'last', (line) => out.notice(line));
    const cli = recordOf(snapshot, settings.out);
    settings = {
      ...settings,
      dataset: cli.dataset,
      tokenizer: cli.tokenizer,
      modelType: snapshot.model.type,
      steps: args.number('steps') ?? Math.max(snapshot.trainer.steps, snapshot.step),
      batchSize: args.number('batch-size') ?? snapshot.trainer.batchSize,
      lr: args.number('lr') ?? cli.lr,
      optimizer: cli.optimizer,
      schedule: (args.string('lr-schedule') as TrainPreset['schedule'] | undefined) ?? cli.schedule,
      warmup: args.number('warmup') ?? cli.warmup,
      weightDecay: cli.weightDecay,
      seed: snapshot.trainer.seed,
      evalEvery: args.number('eval-every') ?? snapshot.trainer.evalEvery,
      evalIters:
        args.number('eval-iters') ?? (snapshot.trainer.evalIters === 'all' ? 0 : snapshot.trainer.evalIters),
    };
    if (settings.steps <= snapshot.step) {
      throw new CliError(
        `${settings.out} is already at step ${snapshot.step} of ${snapshot.trainer.steps}; pass --steps <n> above ${snapshot.step} to train further`,
      );
    }
  }

  const ds = await loadForCli(settings.dataset, {
    dataDir: args.string('data-dir'),
    env: io.env,
    download: true,
  });
  if (snapshot) {
    tokenizer = await tokenizerFromSaved(snapshot.tokenizer, `${settings.out}/config.json`);
    const { checkVocabAgrees } = await import('../checkpoint');
    checkVocabAgrees(tokenizer, snapshot.model, settings.out);
  } else {
    tokenizer = await buildTokenizer(parseTokenizerSpec(settings.tokenizer, io.cwd), ds, out);
  }
  const split: SplitRecord = { dataset: settings.dataset, kind: ds.kind, seed: settings.seed };

  // Sequence models read whole words: their rows are the longest word + 1 long.
  const maxWordLength = longestWord(ds, tokenizer);
  if (snapshot) {
    modelConfig = snapshot.model;
  } else {
    modelConfig = modelConfigFor(settings, args, tokenizer.vocabSize, ds.kind, maxWordLength);
  }
  await checkRunFits(modelConfig, settings.batchSize, settings.optimizer, backend.backend);
  let model: import('@makemore/models').LanguageModel;
  try {
    model = await createNetwork(modelConfig);
  } catch (error) {
    throw new CliError(`cannot build the ${modelConfig.type} model: ${oneLine(error)}`, { cause: error });
  }
  const inputKind = model.inputKind;
  const dataBlock = inputKind === 'sequence' && ds.kind === 'words' ? maxWordLength + 1 : model.blockSize;
  if (dataBlock > model.blockSize) {
    throw new CliError(
      `--block-size ${model.blockSize} is shorter than the longest word + 1 (${dataBlock}); leave --block-size out or raise it`,
    );
  }
  const runData = await buildRunData(ds, tokenizer, {
    seed: settings.seed,
    inputKind,
    blockSize: dataBlock,
    record: split,
  });
  const optimizer = trainer.createOptimizer(model.parameters(), {
    type: settings.optimizer,
    lr: settings.lr,
    ...(settings.optimizer === 'adamw' ? { weightDecay: settings.weightDecay } : {}),
  });
  const schedule = await scheduleFor(settings);
  const record: RunRecord = {
    cli: {
      dataset: settings.dataset,
      tokenizer: settings.tokenizer,
      split,
      optimizer: settings.optimizer,
      lr: settings.lr,
      schedule: settings.schedule,
      warmup: settings.warmup,
      weightDecay: settings.weightDecay,
    },
  };
  const checkpointer = new trainerNode.Checkpointer(settings.out);
  const metricsPath = resolve(settings.out, 'metrics.jsonl');
  if (!snapshot) {
    if (existsSync(resolve(settings.out, 'last')) || existsSync(resolve(settings.out, 'best'))) {
      out.notice(
        `makemore: note: replacing the checkpoint in ${settings.out} (use --resume to continue it instead)`,
      );
    }
    await rm(metricsPath, { force: true });
  } else {
    await truncateMetricsForResume(metricsPath, snapshot.step, (line) => out.notice(line));
  }
  const metrics = new trainerNode.MetricsWriter(metricsPath);
  // A failed metrics write stops the run like Ctrl-C does (a last checkpoint), then exits 2 naming the file.
  const stop = new AbortController();
  const words = ds.kind === 'words';
  const trainSet = new Set(runData.words?.train ?? []);
  const heldOut = new Set([...(runData.words?.dev ?? []), ...(runData.words?.test ?? [])]);

  const header = `${modelConfig.type} (${model.numParams().toLocaleString('en-US')} params) on ${ds.name}: ${settings.steps} steps, batch ${settings.batchSize}, ${settings.optimizer} lr ${settings.lr} ${settings.schedule}, backend ${backend.backend}`;
  out.info(snapshot ? `resuming ${settings.out} at step ${snapshot.step}: ${header}` : header);
  out.json({
    type: 'start',
    model: modelConfig,
    params: model.numParams(),
    dataset: ds.name,
    steps: settings.steps,
    batchSize: settings.batchSize,
    optimizer: settings.optimizer,
    lr: settings.lr,
    schedule: settings.schedule,
    backend: backend.backend,
    out: settings.out,
    resumedFrom: snapshot?.step ?? null,
  });

  const run = trainer.train({
    model,
    data: runData.data,
    optimizer,
    schedule,
    steps: settings.steps,
    batchSize: settings.batchSize,
    evalEvery: settings.evalEvery,
    evalIters: settings.evalIters === 0 ? 'all' : settings.evalIters,
    sampleEvery: settings.sampleEvery,
    sample: (m, c) =>
      sampleFrom(m, tokenizer, {
        n: words ? 10 : 1,
        temperature: 1,
        seed: c.seed,
        maxTokens: words ? 64 : 200,
        words,
      }),
    checkpoint: checkpointer,
    signal: AbortSignal.any([ctx.signal, stop.signal]),
    seed: settings.seed,
    ...(settings.gradClip > 0 ? { gradClip: settings.gradClip } : {}),
    ...(snapshot ? { resume: snapshot } : {}),
    tokenizer: tokenizer.toJSON(),
    record: record as unknown as Record<string, unknown>,
  });

  const logEvery = args.number('log-every') ?? Math.max(1, Math.round(settings.steps / 100));
  const progress = out.progress('train', settings.steps, {
    plainEvery: args.number('log-every') ?? Math.max(1, Math.round(settings.steps / 20)),
  });
  const losses: number[] = [];
  let ema: number | undefined;
  const startedAt = Date.now();
  const firstStep = snapshot?.step ?? 0;
  let result: Awaited<typeof run.result>;
  try {
    for await (const event of run) {
      if (event.type === 'step') {
        losses.push(event.loss);
        metrics.write(trainer.metricRecord(event));
        if (metrics.failure && !stop.signal.aborted) stop.abort();
        ema = ema === undefined ? event.loss : 0.98 * ema + 0.02 * event.loss;
        const rate = ((event.step - firstStep) * 1000) / Math.max(1, event.elapsedMs);
        progress.update(event.step, { loss: ema, lr: event.lr, rate });
        if (event.step % logEvery === 0 || event.step === settings.steps) {
          out.json({
            type: 'step',
            step: event.step,
            loss: event.loss,
            lr: event.lr,
            gradNorm: event.gradNorm,
            tokensPerSec: event.tokensPerSec,
            stepsPerSec: rate,
            elapsedMs: event.elapsedMs,
          });
        }
      } else if (event.type === 'eval') {
        metrics.write(trainer.metricRecord(event));
        const text = Object.entries(event.losses)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join(', ');
        progress.log(`step ${event.step}: ${text}${event.best ? ' (best)' : ''}`);
        out.json({ type: 'eval', step: event.step, losses: event.losses, best: event.best });
      } else if (event.type === 'sample') {
        progress.log(
          `samples at step ${event.step}: ${event.samples.map((s) => JSON.stringify(s)).join(' ')}`,
        );
        out.json({ type: 'sample', step: event.step, samples: event.samples });
      } else if (event.type === 'checkpoint') {
        out.json({
          type: 'checkpoint',
          step: event.step,
          slot: event.slot,
          reason: event.reason,
          dir: settings.out,
        });
      }
    }
    result = await run.result;
  } catch (error) {
    progress.stop();
    throw await trainFailure(metrics.failure ?? error);
  } finally {
    await metrics.close().catch(() => undefined);
  }
  progress.stop();
  if (metrics.failure) {
    throw new CliError(
      `${oneLine(metrics.failure)}; training stopped at step ${result.step}, checkpoint in ${settings.out}`,
    );
  }

  const wallTime = (Date.now() - startedAt) / 1000;
  if (result.reason === 'aborted') {
    out.json({
      type: 'done',
      reason: 'aborted',
      step: result.step,
      losses: result.losses,
      bestDevLoss: result.bestDevLoss,
      stepsPerSec: result.stepsPerSec,
      backend: result.backend,
      wallTimeSec: wallTime,
      out: settings.out,
    });
    io.stderr.write(
      `makemore: interrupted at step ${result.step}; checkpoint saved to ${settings.out}. Resume with: makemore train --resume --out ${settings.out}\n`,
    );
    model.dispose();
    return EXIT_INTERRUPTED;
  }

  // Final report: loss table, curve, samples.
  // The loop evaluated the train and eval splits after the last step; add the others (test).
  const splits = runData.data.splits;
  const missing = splits.filter((split) => result.losses[split] === undefined);
  const finalLosses: Record<string, number> = {
    ...result.losses,
    ...(missing.length > 0
      ? await trainer.estimateLoss(model, runData.data, {
          splits: missing,
          iters: settings.evalIters === 0 ? 'all' : settings.evalIters,
        })
      : {}),
  };
  const nSamples = words ? 20 : 1;
  const samples = await sampleFrom(model, tokenizer, {
    n: nSamples,
    temperature: 1,
    seed: settings.seed,
    maxTokens: words ? 64 : 500,
    words,
  });
  out.json({ type: 'sample', step: result.step, samples });
  out.json({
    type: 'done',
    reason: 'completed',
    step: result.step,
    losses: finalLosses,
    bestDevLoss: result.bestDevLoss,
    stepsPerSec: result.stepsPerSec,
    backend: result.backend,
    wallTimeSec: wallTime,
    out: settings.out,
  });
  out.line('');
  // Bits per character: nats per token / ln 2 / characters per token (1 for the char tokenizer).
  const probe = ds.text.slice(-100_000);
  const cpt = settings.tokenizer === 'char' ? 1 : probe.length / Math.max(1, tokenizer.encode(probe).length);
  for (const line of table(
    ['split', 'loss', 'bits/char'],
    splits.map((split) => [
      split,
      finalLosses[split] ?? Number.NaN,
      (finalLosses[split] ?? Number.NaN) / Math.LN2 / cpt,
    ]),
  ))
    out.line(line);
  out.line('');
  out.line(`loss ${sparkline(losses, 60)}  ${losses[0]?.toFixed(2)} → ${ema?.toFixed(2)}`);
  out.line(
    `${result.step - firstStep} steps in ${formatDuration(result.elapsedMs / 1000)} (${result.stepsPerSec.toFixed(0)} steps/s on ${result.backend}); wall time ${formatDuration(wallTime)}`,
  );
  out.line('');
  if (words) for (const line of formatGroups(groupSamples(samples, trainSet, heldOut))) out.line(line);
  else out.line(samples[0] ?? '');
  out.line('');
  out.line(`checkpoint: ${settings.out}   sample more: makemore sample --checkpoint ${settings.out}`);
  model.dispose();
  return 0;
}
