/**
 * `makemore sample`: draw samples from a checkpoint. For word datasets they are grouped as makemore
 * prints them: copies of training words, copies of held-out words, and new words.
 */
import { resolve } from 'node:path';
import { BACKEND_FLAGS, type Command } from '../command';
import { CliError } from '../errors';
import { formatGroups, groupSamples } from '../grouping';
import { sampleFrom, selectBackend } from '../session';
import { openRun } from '../checkpoint';
import type { Output } from '../ui/output';
import { isBigramDir, openBigram } from './bigram';

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'Sample from a trained checkpoint',
  usage: 'sample --checkpoint <dir> [options]',
  flags: [
    {
      name: 'checkpoint',
      type: 'string',
      placeholder: '<dir>',
      description: 'folder written by makemore train',
    },
    {
      name: 'n',
      type: 'int',
      min: 1,
      placeholder: '<count>',
      description: 'number of samples [default: 20 words, 1 text]',
    },
    {
      name: 'temperature',
      type: 'number',
      min: 0,
      default: 1,
      placeholder: '<t>',
      description: 'softmax temperature (0: always the likeliest token)',
    },
    {
      name: 'top-k',
      type: 'int',
      min: 1,
      placeholder: '<k>',
      description: 'sample only from the k likeliest tokens',
    },
    {
      name: 'seed',
      type: 'int',
      min: 0,
      default: 42,
      placeholder: '<n>',
      description: 'seed for reproducible samples',
    },
    {
      name: 'prompt',
      type: 'string',
      placeholder: '<text>',
      description: 'text to continue (word datasets: a prefix)',
    },
    {
      name: 'max-tokens',
      type: 'int',
      min: 1,
      placeholder: '<n>',
      description: 'tokens per sample [default: 64 words, 500 text]',
    },
    {
      name: 'slot',
      type: 'string',
      choices: ['best', 'last'],
      default: 'best',
      description: 'which checkpoint of the folder',
    },
    {
      name: 'data-dir',
      type: 'string',
      placeholder: '<dir>',
      description: 'dataset folder, for grouping word samples',
    },
    ...BACKEND_FLAGS,
  ],
  examples: [
    ['sample --checkpoint out/names-mlp', '20 names, grouped into in train / in test / new'],
    ['sample --checkpoint out/names-mlp --n 5 --prompt "ka" --temperature 0.8', 'names starting with ka'],
    ['sample --checkpoint out/shakespeare-transformer --prompt "ROMEO:" --max-tokens 300', 'continue a text'],
  ],
  async run(args, { io, out }) {
    const dir = args.string('checkpoint');
    if (!dir) throw new CliError('missing --checkpoint <dir>; train one with makemore train');
    const opts = {
      n: args.number('n'),
      temperature: args.number('temperature') ?? 1,
      ...(args.number('top-k') !== undefined ? { topK: args.number('top-k') } : {}),
      seed: args.number('seed') ?? 42,
      ...(args.string('prompt') !== undefined ? { prompt: args.string('prompt') } : {}),
    };
    const full = resolve(io.cwd, dir);
    if (isBigramDir(full)) {
      const bigram = await openBigram(full, { dataDir: args.string('data-dir'), env: io.env });
      const words = bigram.split.kind === 'words';
      const samples = await sampleFrom(bigram.model, bigram.tokenizer, {
        ...opts,
        n: opts.n ?? (words ? 20 : 1),
        maxTokens: args.number('max-tokens') ?? (words ? 64 : 500),
        words,
      });
      const split = words
        ? await bigram
            .data()
            .then((d) => d.words)
            .catch(() => undefined)
        : undefined;
      printSamples(samples, words, split, out);
      return 0;
    }
    await selectBackend(args, out);
    const runInfo = await openRun(resolve(io.cwd, dir), (args.string('slot') ?? 'best') as 'best' | 'last', {
      dataDir: args.string('data-dir'),
      env: io.env,
      needData: false,
    });
    const words = runInfo.kind === 'words';
    const samples = await sampleFrom(runInfo.model, runInfo.tokenizer, {
      ...opts,
      n: opts.n ?? (words ? 20 : 1),
      maxTokens: args.number('max-tokens') ?? (words ? 64 : 500),
      words,
    });
    printSamples(samples, words, words ? await runInfo.wordSplits() : undefined, out);
    runInfo.model.dispose();
    return 0;
  },
};

function printSamples(
  samples: string[],
  words: boolean,
  split: { train: string[]; dev: string[]; test: string[] } | undefined,
  out: Output,
): void {
  if (!words) {
    samples.forEach((text, i) => {
      out.json({ type: 'sample', index: i, text });
      out.line(text);
      if (i < samples.length - 1) out.line('-'.repeat(40));
    });
    return;
  }
  const groups = split
    ? groupSamples(samples, new Set(split.train), new Set([...split.dev, ...split.test]))
    : undefined;
  samples.forEach((text, i) => {
    const group = !groups
      ? 'unknown'
      : groups.inTrain.includes(text)
        ? 'train'
        : groups.inTest.includes(text)
          ? 'test'
          : 'new';
    out.json({ type: 'sample', index: i, text, group });
  });
  if (groups) for (const line of formatGroups(groups)) out.line(line);
  else {
    out.notice('makemore: note: the dataset is not available, so samples are not grouped');
    for (const s of samples) out.line(s);
  }
}
