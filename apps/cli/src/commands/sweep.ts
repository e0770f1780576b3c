/**
 * `makemore sweep`: a grid of run specs from one base spec and `--set field=v1,v2,…` axes, trained one
 * after another, with a table of parameters, steps, time and losses like the tuning table of the makemore
 * MLP write-up. Each point is an ordinary run spec; the sweep folder keeps `sweep.json` (the base and the
 * axes) and one JSON line per finished point in `results.jsonl` (plus `results.csv`), so running the same
 * command again skips the finished points.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from '../command';
import { CliError, EXIT_INTERRUPTED, oneLine } from '../errors';
import {
  loadDataForCli,
  prepareForCli,
  resolveForCli,
  runApi,
  specError,
  specInputFromArgs,
} from '../run-spec';
import { threadsForSpec } from '../threads';
import { selectBackend } from '../session';
import { formatDuration, table } from '../ui/table';
import { DATA_FLAGS, MODEL_FLAGS, OPTIM_FLAGS, RUN_FLAGS, SPEC_SOURCE_FLAGS } from './train-flags';

/** One finished point, as results.jsonl holds it. */
interface SweepResult {
  key: string;
  assignment: Record<string, unknown>;
  params: number;
  steps: number;
  seconds: number;
  losses: Record<string, number>;
}

export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'Train a grid of run specs (--set field=a,b,c) and tabulate their losses',
  usage: 'sweep [--preset <recipe> | --config <run.json>] --set <field=v1,v2,…> [--set …] [options]',
  details:
    'Each --set is one axis of the grid; fields are spec paths (model.nEmbd) or their short names (nEmbd,\n' +
    'blockSize, lr, steps…). Other options set the base spec as in train. Results go to --out (default\n' +
    'out/sweep-<recipe or model>): results.jsonl and results.csv; the same command again skips finished points.',
  flags: [
    ...SPEC_SOURCE_FLAGS,
    {
      name: 'set',
      type: 'string',
      repeatable: true,
      placeholder: '<field=v1,v2,…>',
      description: 'a swept field and its values',
    },
    ...DATA_FLAGS,
    ...MODEL_FLAGS,
    ...OPTIM_FLAGS,
    ...RUN_FLAGS.filter((f) => !['resume', 'sample-every', 'log-every'].includes(f.name)),
  ],
  examples: [
    [
      'sweep --preset lecture-mlp --set blockSize=2,3,4 --set nEmbd=2,10,30 --steps 20000',
      "the MLP write-up's tuning grid, 9 runs",
    ],
    [
      'sweep --model transformer --set lr=3e-4,1e-3,3e-3 --steps 2000 --json',
      'learning rates, as JSON lines',
    ],
  ],
  interruptible: true,
  async run(args, { io, out, signal }) {
    const run = await runApi();
    const axesText = args.strings('set');
    if (axesText.length === 0)
      throw new CliError('sweep needs at least one --set field=v1,v2,… (e.g. --set nEmbd=2,10,30)');
    const input = await specInputFromArgs(args, io.env, io.cwd);
    const base = await resolveForCli(input);
    let points: ReturnType<typeof run.expandSweep>;
    try {
      const axes = axesText.map((t) => run.parseSweepAxis(t));
      points = run.expandSweep(input, axes);
    } catch (error) {
      return specError(error, 'sweep');
    }
    if (args.bool('print-config')) {
      for (const p of points) io.stdout.write(`${JSON.stringify(p.spec)}\n`);
      return 0;
    }
    const dir = resolve(io.cwd, args.string('out') ?? join('out', `sweep-${base.recipe ?? base.model.type}`));
    await mkdir(dir, { recursive: true });
    const sweepFile = join(dir, 'sweep.json');
    const description = JSON.stringify({ base: input, set: axesText }, null, 2);
    if (existsSync(sweepFile) && (await readFile(sweepFile, 'utf8')).trim() !== description.trim()) {
      throw new CliError(
        `${dir} holds a different sweep (sweep.json differs); use another --out, or delete that folder to start over`,
      );
    }
    await writeFile(sweepFile, `${description}\n`);
    const resultsFile = join(dir, 'results.jsonl');
    const done = new Map<string, SweepResult>();
    if (existsSync(resultsFile)) {
      for (const line of (await readFile(resultsFile, 'utf8')).split('\n')) {
        if (!line.trim()) continue;
        try {
          const r = JSON.parse(line) as SweepResult;
          done.set(r.key, r);
        } catch {
          // A line cut short by a crash: that point runs again.
        }
      }
    }
    const backend = await selectBackend(
      {
        backend: base.backend.name,
        threads: (await threadsForSpec(base)).threads,
        verbose: args.bool('verbose'),
      },
      out,
    );
    const data = await loadDataForCli(base, { dataDir: args.string('data-dir'), env: io.env });
    const trainer = await import('@makemore/trainer');
    out.info(
      `sweep of ${points.length} runs (${done.size} already done) on ${data.name}, backend ${backend.backend}; results in ${dir}`,
    );
    for (const [i, point] of points.entries()) {
      if (done.has(point.key)) continue;
      if (signal.aborted) break;
      const label = Object.entries(point.assignment)
        .map(([k, v]) => `${k.split('.').pop()}=${JSON.stringify(v)}`)
        .join(' ');
      const { prepared } = await prepareForCli(point.spec, 'run', {
        env: io.env,
        data,
        where: `sweep point ${label}`,
        failure: `sweep point ${label}`,
      });
      const progress = out.progress(`${i + 1}/${points.length} ${label}`, point.spec.training.steps, {
        plainEvery: Math.max(1, Math.round(point.spec.training.steps / 4)),
      });
      const job = trainer.train(prepared.trainOptions({ signal, sampleEvery: 0, evalEvery: 0 }));
      job.on('step', (e) => progress.update(e.step, { loss: e.loss, lr: e.lr }));
      let result: Awaited<typeof job.result>;
      try {
        result = await job.result;
      } catch (error) {
        progress.stop();
        prepared.dispose();
        throw new CliError(`sweep point ${label}: ${oneLine(error)}`, { cause: error });
      }
      progress.stop();
      if (result.reason === 'aborted') {
        prepared.dispose();
        break;
      }
      const losses = await trainer.estimateLoss(prepared.model, prepared.data, {
        splits: prepared.data.splits,
        iters: point.spec.eval.iters,
        ...(point.spec.eval.batchSize !== undefined ? { batchSize: point.spec.eval.batchSize } : {}),
      });
      const record: SweepResult = {
        key: point.key,
        assignment: point.assignment,
        params: prepared.model.numParams(),
        steps: result.step,
        seconds: Number((result.elapsedMs / 1000).toFixed(1)),
        losses,
      };
      prepared.dispose();
      await appendFile(resultsFile, `${JSON.stringify(record)}\n`);
      done.set(point.key, record);
      out.json({ type: 'point', ...record });
      out.info(
        `${label}: ${Object.entries(losses)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join(', ')} in ${formatDuration(record.seconds)}`,
      );
    }
    const finished = points.map((p) => done.get(p.key)).filter((r): r is SweepResult => r !== undefined);
    const fields = Object.keys(points[0]?.assignment ?? {});
    const splitNames = [...new Set(finished.flatMap((r) => Object.keys(r.losses)))];
    const header = [
      ...fields.map((f) => f.split('.').pop() as string),
      'params',
      'steps',
      'time',
      ...splitNames,
    ];
    const rows = finished.map((r) => [
      ...fields.map((f) => JSON.stringify(r.assignment[f])),
      r.params,
      r.steps,
      formatDuration(r.seconds),
      ...splitNames.map((s) => r.losses[s] ?? Number.NaN),
    ]);
    const csv = [
      header,
      ...finished.map((r) => [
        ...fields.map((f) => JSON.stringify(r.assignment[f])),
        r.params,
        r.steps,
        r.seconds,
        ...splitNames.map((s) => r.losses[s] ?? ''),
      ]),
    ]
      .map((row) => row.join(','))
      .join('\n');
    await writeFile(join(dir, 'results.csv'), `${csv}\n`);
    out.line('');
    for (const line of table(header, rows)) out.line(line);
    out.line('');
    if (finished.length < points.length) {
      io.stderr.write(
        `makemore: sweep stopped with ${finished.length} of ${points.length} runs done; run the same command again to continue\n`,
      );
      return EXIT_INTERRUPTED;
    }
    out.line(`results: ${join(dir, 'results.jsonl')} and results.csv`);
    return 0;
  },
};
