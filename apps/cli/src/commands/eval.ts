/** `makemore eval`: the loss of a checkpoint on each split, with bits per character. */
import { resolve } from 'node:path';
import { BACKEND_FLAGS, type Command } from '../command';
import { CliError } from '../errors';
import { openRun } from '../checkpoint';
import { selectBackend } from '../session';
import { table } from '../ui/table';
import { isBigramDir, openBigram } from './bigram';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Evaluate a checkpoint: loss per split and bits per character',
  usage: 'eval --checkpoint <dir> [options]',
  flags: [
    {
      name: 'checkpoint',
      type: 'string',
      placeholder: '<dir>',
      description: 'folder written by makemore train',
    },
    {
      name: 'split',
      type: 'string',
      choices: ['train', 'dev', 'val', 'test', 'all'],
      default: 'all',
      description: 'which split (text datasets have train and val)',
    },
    {
      name: 'slot',
      type: 'string',
      choices: ['best', 'last'],
      default: 'best',
      description: 'which checkpoint of the folder',
    },
    {
      name: 'eval-iters',
      type: 'int',
      min: 0,
      default: 0,
      placeholder: '<n>',
      description: 'random batches per split (0: every example)',
    },
    {
      name: 'data-dir',
      type: 'string',
      placeholder: '<dir>',
      description: 'folder holding the dataset files',
    },
    ...BACKEND_FLAGS,
  ],
  examples: [
    ['eval --checkpoint out/names-mlp', 'train, dev and test loss of the best checkpoint'],
    ['eval --checkpoint out/names-mlp --split test --json', 'the test loss as JSON'],
  ],
  async run(args, { io, out }) {
    const dir = args.string('checkpoint');
    if (!dir) throw new CliError('missing --checkpoint <dir>; train one with makemore train');
    const wanted = args.string('split') ?? 'all';
    const full = resolve(io.cwd, dir);
    if (isBigramDir(full)) {
      const bigram = await openBigram(full, { dataDir: args.string('data-dir'), env: io.env });
      const { sequences } = await bigram.data();
      const names = Object.keys(sequences);
      const chosen =
        wanted === 'all'
          ? names
          : names.filter(
              (n) => n === wanted || (wanted === 'dev' && n === 'val') || (wanted === 'val' && n === 'dev'),
            );
      if (chosen.length === 0)
        throw new CliError(`this dataset has no '${wanted}' split; it has ${names.join(', ')}`);
      const rows = chosen.map((split) => {
        const loss = bigram.model.nll(sequences[split]!);
        const count = sequences[split]!.reduce((n, s) => n + s.length - 1, 0);
        out.json({ type: 'eval', split, loss, bitsPerChar: loss / Math.LN2, examples: count, step: 0 });
        return [split, count, loss, loss / Math.LN2];
      });
      out.info(`${full} (bigram counts) on ${bigram.split.dataset}`);
      for (const line of table(['split', 'examples', 'loss', 'bits/char'], rows)) out.line(line);
      return 0;
    }
    await selectBackend(args, out);
    const runInfo = await openRun(resolve(io.cwd, dir), (args.string('slot') ?? 'best') as 'best' | 'last', {
      dataDir: args.string('data-dir'),
      env: io.env,
      needData: true,
    });
    const data = runInfo.data!;
    const aliases: Record<string, string> = { dev: 'val', val: 'dev' };
    let splits = data.splits;
    if (wanted !== 'all') {
      const name = data.splits.includes(wanted) ? wanted : aliases[wanted];
      if (!name || !data.splits.includes(name)) {
        throw new CliError(`this dataset has no '${wanted}' split; it has ${data.splits.join(', ')}`);
      }
      splits = [name];
    }
    const { estimateLoss } = await import('@makemore/trainer');
    const iters = args.number('eval-iters') ?? 0;
    const started = Date.now();
    // Random batches are the size the run evaluated with (its eval or training batch), as nanoGPT's eval_iters.
    const evalBatch = runInfo.spec
      ? (runInfo.spec.eval.batchSize ?? runInfo.spec.training.batchSize)
      : undefined;
    const losses = await estimateLoss(runInfo.model, data, {
      splits,
      iters: iters === 0 ? 'all' : iters,
      ...(iters !== 0 && evalBatch !== undefined ? { batchSize: evalBatch } : {}),
    });
    // Bits per character: the loss is in nats per token; a token covers charsPerToken characters.
    const cpt = runInfo.charsPerToken;
    const rows = splits.map((split) => {
      const loss = losses[split]!;
      const bpc = loss / Math.LN2 / cpt;
      out.json({
        type: 'eval',
        split,
        loss,
        bitsPerChar: bpc,
        examples: data.size(split),
        step: runInfo.step,
      });
      return [split, data.size(split), loss, bpc];
    });
    out.info(
      `${runInfo.dir} (${runInfo.slot}, step ${runInfo.step}, ${runInfo.model.config.type}) on ${runInfo.datasetName}`,
    );
    for (const line of table(['split', 'examples', 'loss', 'bits/char'], rows)) out.line(line);
    out.info(`evaluated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    runInfo.model.dispose();
    const bad = splits.find((split) => !Number.isFinite(losses[split]));
    if (bad !== undefined) {
      throw new CliError(
        `the ${bad} loss of ${runInfo.dir} (${runInfo.slot}) is ${losses[bad]}: its weights produce non-finite logits; use an earlier checkpoint or retrain with a lower --lr`,
      );
    }
    return 0;
  },
};
