/**
 * `makemore train`: turn the flags (or `--preset`, `--config`) into a run spec, prepare it with
 * @makemore/run, train with the trainer's loop, and show its events: progress, evaluations, samples, and a
 * final report with the recipe's published result beside ours. The run folder keeps `run.json` (the
 * resolved spec) next to its checkpoints, and `--resume` follows it. Ctrl-C saves a checkpoint first.
 */
import { existsSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PreparedRun, RunSpec, RunSpecInput } from '@makemore/run';
import type { TrainingSnapshot } from '@makemore/trainer';
import type { Args } from '../args';
import { checkVocabAgrees, openCheckpoint } from '../checkpoint';
import type { Command, Context } from '../command';
import { CliError, EXIT_INTERRUPTED, oneLine } from '../errors';
import { formatGroups, groupSamples } from '../grouping';
import { type InitCheckpoint, loadInitSource, readInitCheckpoint } from '../init-from';
import {
  type CliPrepared,
  prepareForCli,
  probeText,
  readSpecFile,
  resolveForCli,
  runApi,
  specError,
  specFromFlags,
  specInputFromArgs,
} from '../run-spec';
import { defaultOut, savedSpec, writeRunFile } from '../run-folder';
import { lockRunFolder, memoryLimits, trainFailure, truncateMetricsForResume } from '../run-safety';
import { selectBackend, tokenizerFromSaved } from '../session';
import { threadsForSpec, threadsText } from '../threads';
import { sparkline } from '../ui/chart';
import { formatDuration, table } from '../ui/table';
import {
  DATA_FLAGS,
  INIT_FROM_FLAG,
  MODEL_FLAGS,
  OPTIM_FLAGS,
  RUN_FLAGS,
  SPEC_SOURCE_FLAGS,
} from './train-flags';

/** config.json of a run folder's `last` checkpoint (or `best` when `last` is missing), without tensors. */
async function checkpointConfig(dir: string): Promise<TrainingSnapshot> {
  const { Checkpointer } = await import('@makemore/trainer/node');
  const checkpointer = new Checkpointer(dir);
  for (const slot of ['last', 'best'] as const) {
    if (await checkpointer.has(slot)) {
      try {
        return (await checkpointer.readConfig(slot)) as unknown as TrainingSnapshot;
      } catch (error) {
        throw new CliError(`corrupt checkpoint in ${join(dir, slot)}: ${oneLine(error)}`, { cause: error });
      }
    }
  }
  throw new CliError(`${dir} holds no checkpoint (no best/ or last/ folder); train with --out ${dir} first`);
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a model (no flags: the lecture MLP on names in about a minute, then samples)',
  usage: 'train [--preset <recipe> | --config <run.json>] [options]',
  details:
    'Every option sets a field of the run spec; --print-config shows the result as JSON, and --config reads it\n' +
    "back. Without flags: the 'lecture-mlp' recipe, an MLP (block 3, embedding 10, hidden 200) on names with SGD\n" +
    'and a step decay, dev loss ≈ 2.21 in about a minute on two CPU cores. MAKEMORE_STEPS changes the default step\n' +
    'count. The run folder keeps run.json; --resume follows it. Ctrl-C saves a checkpoint; continue with --resume.',
  flags: [...SPEC_SOURCE_FLAGS, INIT_FROM_FLAG, ...DATA_FLAGS, ...MODEL_FLAGS, ...OPTIM_FLAGS, ...RUN_FLAGS],
  examples: [
    ['train', "the default: the 'lecture-mlp' recipe on names, then samples"],
    ['train --preset nanogpt-baby', "nanoGPT's baby GPT on tiny Shakespeare, compared with nanoGPT's result"],
    [
      'train --preset nanogpt-baby --print-config > run.json',
      'the resolved run spec, to edit and pass to --config',
    ],
    ['train --config run.json --steps 500', 'a spec file with a flag on top'],
    ['train --model transformer --steps 3000 --out out/names-gpt', "makemore's transformer sizes on names"],
    ['train --dataset ./words.txt --model gru --json > log.jsonl', 'your own word list, JSON lines'],
    [
      'train --preset nanogpt-baby --shards shards/corpus --out out/corpus-gpt',
      'a corpus larger than memory, encoded by makemore prepare',
    ],
    [
      'train --resume --out out/names-mlp --steps 40000',
      'continue a run (its schedule is kept unless you change it)',
    ],
  ],
  interruptible: true,
  run: (args, ctx) => trainRun(args, ctx),
};

async function trainRun(args: Args, ctx: Context): Promise<number> {
  const { io, out } = ctx;
  const run = await runApi();
  let spec: RunSpec;
  let outDir: string;
  let resumeNotes: string[] = [];
  let init: InitCheckpoint | undefined;
  if (args.bool('resume')) {
    if (args.has('init-from'))
      throw new CliError(
        "--init-from starts a new run from a checkpoint's weights; --resume continues the run in --out (drop one of them)",
      );
    if (args.has('preset'))
      throw new CliError(
        "--preset starts a new run; --resume follows the run folder's run.json (drop one of them)",
      );
    if (!args.has('out')) throw new CliError('--resume needs --out <dir>, the folder of the run to continue');
    outDir = resolve(io.cwd, args.string('out') as string);
    if (!existsSync(outDir)) {
      throw new CliError(
        `--resume: no run in ${outDir}; point --out at the folder of the run to continue, or train without --resume`,
      );
    }
    const saved = await savedSpec(outDir, await checkpointConfig(outDir));
    let changes: RunSpecInput = args.has('config')
      ? readSpecFile(resolve(io.cwd, args.string('config') as string))
      : {};
    changes = run.mergeSpec(changes, specFromFlags(args, io.cwd, saved as RunSpecInput));
    let plan: ReturnType<typeof run.planResume>;
    try {
      plan = run.planResume(saved, changes, (await checkpointConfig(outDir)).step);
    } catch (error) {
      return specError(error, `--resume ${outDir}`);
    }
    spec = plan.spec;
    resumeNotes = plan.notes;
  } else {
    let input = await specInputFromArgs(args, io.env, io.cwd);
    if (args.has('init-from')) {
      init = await readInitCheckpoint(args.string('init-from') as string, io.cwd);
      try {
        input = run.specForInit(input, { from: init.label, model: init.config.model });
      } catch (error) {
        return specError(error, '--init-from');
      }
    }
    spec = await resolveForCli(input);
    if (args.bool('print-config')) {
      io.stdout.write(`${JSON.stringify(spec, null, 2)}\n`);
      return 0;
    }
    outDir = args.has('out') ? resolve(io.cwd, args.string('out') as string) : defaultOut(spec, io.cwd);
  }
  // One process per run folder: the lock is held for the whole run, and a refused run leaves no empty folder.
  const existed = existsSync(outDir);
  const lock = await lockRunFolder(outDir, (line) => out.notice(line));
  try {
    return await trainLocked(spec, outDir, resumeNotes, args, ctx, init);
  } finally {
    lock.release();
    if (!existed) await rmdir(outDir).catch(() => undefined);
  }
}

/** The run itself, once its spec and folder are settled and the folder is locked. */
async function trainLocked(
  spec: RunSpec,
  outDir: string,
  resumeNotes: string[],
  args: Args,
  ctx: Context,
  init?: InitCheckpoint,
): Promise<number> {
  const { io, out } = ctx;
  const run = await runApi();
  let snapshot: TrainingSnapshot | undefined;
  if (spec.model.type === 'bigram') {
    const { trainBigramCounts } = await import('./bigram');
    return trainBigramCounts(spec, args, ctx, outDir);
  }

  // The backend comes first: a resumed checkpoint's tensors are created on it.
  const threads = await threadsForSpec(spec);
  const backend = await selectBackend(
    {
      backend: spec.backend.name,
      threads: threads.threads,
      explicitThreads: args.has('threads'),
      verbose: args.bool('verbose'),
    },
    out,
  );
  if (args.bool('resume')) {
    // The checkpoint's tensors are created on the active backend, so it loads after the backend is chosen.
    snapshot = await openCheckpoint(outDir, 'last', (line) => out.notice(line));
    for (const note of resumeNotes) out.notice(`makemore: note: resuming: ${note}`);
  }
  const savedTokenizer = snapshot
    ? await tokenizerFromSaved(snapshot.tokenizer, join(outDir, 'last', 'config.json'))
    : undefined;
  if (snapshot && savedTokenizer) checkVocabAgrees(savedTokenizer, snapshot.model, outDir);
  // Weights to start from are read after the backend is chosen too, and freed once the model has them.
  const initial = init ? await loadInitSource(init) : undefined;
  let cli: CliPrepared<PreparedRun>;
  try {
    cli = await prepareForCli(spec, 'run', {
      dataDir: args.string('data-dir'),
      env: io.env,
      ...(savedTokenizer ? { tokenizer: savedTokenizer } : {}),
      ...(initial ? { init: initial.source } : {}),
      onProgress: (message) => out.notice(message),
      memory: await memoryLimits(backend.backend),
    });
  } finally {
    initial?.dispose();
  }
  const { prepared, data } = cli;
  spec = prepared.spec;
  const trainer = await import('@makemore/trainer');
  const trainerNode = await import('@makemore/trainer/node');
  const checkpointer = new trainerNode.Checkpointer(outDir);
  const metricsPath = resolve(outDir, 'metrics.jsonl');
  if (!snapshot) {
    if (existsSync(resolve(outDir, 'last')) || existsSync(resolve(outDir, 'best'))) {
      out.notice(
        `makemore: note: replacing the checkpoint in ${outDir} (use --resume to continue it instead)`,
      );
    }
    await rm(metricsPath, { force: true });
  } else {
    await truncateMetricsForResume(metricsPath, snapshot.step, (line) => out.notice(line));
  }
  await writeRunFile(outDir, spec);
  const metrics = new trainerNode.MetricsWriter(metricsPath);
  // A failed metrics write stops the run like Ctrl-C does (a last checkpoint), then exits 2 naming the file.
  const stop = new AbortController();
  const { model } = prepared;
  const words = prepared.kind === 'words';
  const trainSet = new Set(
    words && prepared.splits.kind === 'words' ? (prepared.splits.words.train ?? []) : [],
  );
  const heldOut = new Set(
    words && prepared.splits.kind === 'words'
      ? [...(prepared.splits.words.dev ?? []), ...(prepared.splits.words.test ?? [])]
      : [],
  );
  const recipe = spec.recipe ? run.RECIPES.find((r) => r.name === spec.recipe) : undefined;
  const { training, optimizer, schedule } = spec;
  const header = `${spec.model.type} (${model.numParams().toLocaleString('en-US')} params) on ${data.name}${data.kind === 'shards' ? ' (token shards)' : ''}: ${training.steps} steps, batch ${training.batchSize}${training.gradAccum > 1 ? `×${training.gradAccum}` : ''}, ${optimizer.type} lr ${optimizer.lr} ${schedule.type}, backend ${backend.backend}${threadsText(backend.backend, threads)}${recipe ? `, recipe ${recipe.name}` : ''}`;
  const from = initial ? `fine-tuning ${spec.initFrom} (step ${initial.step} of its run): ` : '';
  out.info(snapshot ? `resuming ${outDir} at step ${snapshot.step}: ${header}` : `${from}${header}`);
  out.json({
    type: 'start',
    spec,
    params: model.numParams(),
    dataset: data.name,
    splitSizes: prepared.splitSizes,
    examples: Object.fromEntries(prepared.data.splits.map((s) => [s, prepared.data.size(s)])),
    backend: backend.backend,
    // The spec keeps what was asked (`auto`); the event says what that came to and why.
    threads: backend.backend === 'wasm' ? threads.threads : null,
    threadsReason: threads.reason,
    out: outDir,
    resumedFrom: snapshot?.step ?? null,
    ...(snapshot ? { resumeNotes } : {}),
  });

  const job = trainer.train(
    prepared.trainOptions({
      checkpoint: checkpointer,
      signal: AbortSignal.any([ctx.signal, stop.signal]),
      ...(snapshot ? { resume: snapshot } : {}),
    }),
  );

  const logEvery = args.number('log-every') ?? Math.max(1, Math.round(training.steps / 100));
  const progress = out.progress('train', training.steps, {
    plainEvery: args.number('log-every') ?? Math.max(1, Math.round(training.steps / 20)),
  });
  const losses: number[] = [];
  let ema: number | undefined;
  const startedAt = Date.now();
  const firstStep = snapshot?.step ?? 0;
  let result: Awaited<typeof job.result>;
  try {
    for await (const event of job) {
      if (event.type === 'step') {
        losses.push(event.loss);
        metrics.write(trainer.metricRecord(event));
        if (metrics.failure && !stop.signal.aborted) stop.abort();
        ema = ema === undefined ? event.loss : 0.98 * ema + 0.02 * event.loss;
        const rate = ((event.step - firstStep) * 1000) / Math.max(1, event.elapsedMs);
        progress.update(event.step, { loss: ema, lr: event.lr, rate });
        if (event.step % logEvery === 0 || event.step === training.steps) {
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
          dir: outDir,
        });
      }
    }
    result = await job.result;
  } catch (error) {
    progress.stop();
    prepared.dispose();
    throw await trainFailure(metrics.failure ?? error);
  } finally {
    await metrics.close().catch(() => undefined);
  }
  progress.stop();
  if (metrics.failure) {
    prepared.dispose();
    throw new CliError(
      `${oneLine(metrics.failure)}; training stopped at step ${result.step}, checkpoint in ${outDir}`,
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
      out: outDir,
    });
    io.stderr.write(
      `makemore: interrupted at step ${result.step}; checkpoint saved to ${outDir}. Resume with: makemore train --resume --out ${outDir}\n`,
    );
    prepared.dispose();
    return EXIT_INTERRUPTED;
  }

  // The final figures: every split, whole for word lists and on at least 200 batches for text (steadier
  // than the loop's quick estimates, which stay in the eval events above).
  const splits = prepared.data.splits;
  const finalLosses = await prepared.evaluate();
  const samples = prepared.sample(spec.training.seed);
  const comparison = recipe ? run.compareWithReference(recipe, finalLosses) : undefined;
  const finalNote =
    prepared.kind === 'words' || spec.eval.iters === 'all'
      ? 'whole splits'
      : `${Math.max(spec.eval.iters, run.FINAL_EVAL_BATCHES)} batches per split`;
  out.json({ type: 'sample', step: result.step, samples });
  out.json({
    type: 'done',
    reason: 'completed',
    step: result.step,
    losses: finalLosses,
    finalEvaluation: finalNote,
    loopLosses: result.losses,
    bestDevLoss: result.bestDevLoss,
    stepsPerSec: result.stepsPerSec,
    backend: result.backend,
    wallTimeSec: wallTime,
    out: outDir,
    ...(recipe ? { recipe: recipe.name, reference: recipe.reference, comparison } : {}),
  });
  out.line('');
  // Bits per character: nats per token / ln 2 / characters per token (1 for the char tokenizer).
  const probe = await probeText(prepared, data);
  const cpt =
    spec.data.tokenizer.type === 'char' || prepared.kind === 'words' || probe.length === 0
      ? 1
      : probe.length / Math.max(1, prepared.tokenizer.encode(probe).length);
  out.line(`final evaluation (${finalNote}):`);
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
  if (comparison) out.line(`${comparison}   recipe ${recipe?.name}: ${recipe?.source}`);
  out.line(`loss ${sparkline(losses, 60)}  ${losses[0]?.toFixed(2)} → ${ema?.toFixed(2)}`);
  out.line(
    `${result.step - firstStep} steps in ${formatDuration(result.elapsedMs / 1000)} (${result.stepsPerSec.toFixed(0)} steps/s on ${result.backend}); wall time ${formatDuration(wallTime)}`,
  );
  out.line('');
  if (words) for (const line of formatGroups(groupSamples(samples, trainSet, heldOut))) out.line(line);
  else out.line(samples[0] ?? '');
  out.line('');
  out.line(
    `run folder: ${outDir} (run.json, best/, last/)   sample more: makemore sample --checkpoint ${outDir}`,
  );
  prepared.dispose();
  return 0;
}
