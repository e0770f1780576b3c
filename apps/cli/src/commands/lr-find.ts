/**
 * `makemore lr-find`: the makemore lecture's learning-rate sweep (one step per exponentially spaced
 * rate) drawn as a curve in the terminal, with the suggested rate marked.
 */
import type { Command } from '../command';
import { CliError } from '../errors';
import { prepareForCli, resolveForCli, specInputFromArgs } from '../run-spec';
import { threadsForSpec } from '../threads';
import { selectBackend } from '../session';
import { plot } from '../ui/chart';
import { DATA_FLAGS, MODEL_FLAGS, OPTIM_FLAGS, RUN_FLAGS, SPEC_SOURCE_FLAGS } from './train-flags';

export const lrFindCommand: Command = {
  name: 'lr-find',
  summary: 'Sweep learning rates and draw loss against rate in the terminal',
  usage: 'lr-find [options]',
  details:
    'One training step per rate, from --min-lr to --max-lr on a log scale (lecture part 2); weights reset after.',
  flags: [
    ...SPEC_SOURCE_FLAGS.filter((f) => f.name !== 'print-config'),
    ...DATA_FLAGS,
    ...MODEL_FLAGS,
    {
      name: 'min-lr',
      type: 'number',
      min: 0,
      default: 1e-3,
      placeholder: '<rate>',
      description: 'lowest rate',
    },
    {
      name: 'max-lr',
      type: 'number',
      min: 0,
      default: 1,
      placeholder: '<rate>',
      description: 'highest rate',
    },
    {
      name: 'steps',
      type: 'int',
      min: 2,
      default: 500,
      placeholder: '<n>',
      description: 'number of rates (one step each)',
    },
    ...OPTIM_FLAGS.filter((f) => ['batch-size', 'optimizer'].includes(f.name)),
    ...RUN_FLAGS.filter((f) => ['seed', 'backend', 'threads'].includes(f.name)),
  ],
  examples: [
    ['lr-find', 'the lecture sweep for the MLP on names'],
    ['lr-find --model transformer --min-lr 1e-5 --max-lr 1e-1 --optimizer adamw', 'for a transformer'],
  ],
  async run(args, { io, out }) {
    const spec = await resolveForCli(await specInputFromArgs(args, {}, io.cwd));
    if (spec.model.type === 'bigram')
      throw new CliError('lr-find needs a trained model; bigram counts have no learning rate');
    const minLr = args.number('min-lr')!;
    const maxLr = args.number('max-lr')!;
    if (!(maxLr > minLr && minLr > 0))
      throw new CliError(`need 0 < --min-lr < --max-lr, got ${minLr} and ${maxLr}`);
    const backend = await selectBackend(
      {
        backend: spec.backend.name,
        threads: (await threadsForSpec(spec)).threads,
        verbose: args.bool('verbose'),
      },
      out,
    );
    const { prepared, data: source } = await prepareForCli(spec, 'run', {
      dataDir: args.string('data-dir'),
      env: io.env,
      onProgress: (m) => out.notice(m),
    });
    const trainer = await import('@makemore/trainer');
    const { model, data } = prepared;
    const config = prepared.spec.model;
    const optimizerName = spec.optimizer.type;
    const steps = args.number('steps')!;
    out.info(
      `lr sweep: ${config.type} on ${source.name}, ${steps} rates from ${minLr} to ${maxLr}, ${optimizerName}, ${backend.backend}`,
    );
    const started = Date.now();
    const result = await trainer.findLearningRate({
      model,
      data,
      minLr,
      maxLr,
      steps,
      batchSize: spec.training.batchSize,
      seed: spec.training.seed,
      optimizer: (params) => trainer.createOptimizer(params, { type: optimizerName, lr: minLr }),
    });
    prepared.dispose();
    result.lrs.forEach((lr, i) => {
      out.json({ type: 'lr', lr, loss: result.losses[i], smoothed: result.smoothed[i] });
    });
    out.json({
      type: 'done',
      suggested: result.suggested,
      points: result.lrs.length,
      seconds: (Date.now() - started) / 1000,
    });
    const floor = Math.min(...result.smoothed.filter(Number.isFinite));
    const lines = plot(result.lrs, result.smoothed, {
      logX: true,
      markX: result.suggested,
      width: Math.min(72, Math.max(30, (io.stdout.columns ?? 80) - 12)),
      height: 14,
      xLabel: 'learning rate (log scale)',
      yLabel: 'smoothed loss',
      yMax: floor * 2.5,
    });
    for (const line of lines) out.line(line);
    out.line('');
    out.line(
      `suggested lr ≈ ${Number(result.suggested.toPrecision(2))} (│, the minimum of the smoothed curve; the lecture picks a rate a little below it)`,
    );
    out.line(
      `train with: makemore train --model ${config.type} --lr ${Number((result.suggested / 2).toPrecision(2))}`,
    );
    return 0;
  },
};
