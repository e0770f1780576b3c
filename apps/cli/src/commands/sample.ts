/**
 * `makemore sample`: draw samples from a checkpoint. For word datasets they are grouped as makemore
 * prints them: copies of training words, copies of held-out words, and new words.
 *
 * Text samples stream: on a terminal each piece of text is printed as soon as its token is drawn, and
 * with `--json --stream` every token is a JSON line. Ctrl-C stops the sample being drawn and keeps what
 * was generated (exit code 130). Streamed samples are the same as unstreamed ones (same seeds).
 */
import { resolve } from 'node:path';
import { BACKEND_FLAGS, type Command } from '../command';
import { CliError, EXIT_INTERRUPTED } from '../errors';
import { formatGroups, groupSamples } from '../grouping';
import { type SampleOptions, sampleFrom, selectBackend } from '../session';
import { openRun } from '../checkpoint';
import type { Io, Output } from '../ui/output';
import type { SamplableModel } from '@makemore/models';
import { isBigramDir, openBigram } from './bigram';

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'Sample from a trained checkpoint',
  usage: 'sample --checkpoint <dir> [options]',
  interruptible: true,
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
    {
      name: 'stream',
      type: 'boolean',
      description:
        'with --json: one JSON line per token as text samples are drawn (a terminal always streams)',
    },
    ...BACKEND_FLAGS,
  ],
  examples: [
    ['sample --checkpoint out/names-mlp', '20 names, grouped into in train / in test / new'],
    ['sample --checkpoint out/names-mlp --n 5 --prompt "ka" --temperature 0.8', 'names starting with ka'],
    ['sample --checkpoint out/shakespeare-transformer --prompt "ROMEO:" --max-tokens 300', 'continue a text'],
  ],
  async run(args, { io, out, signal }) {
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
      const streaming = { io, out, signal, json: args.bool('json'), stream: args.bool('stream') };
      if (!words && wantsStream(streaming)) {
        return streamSamples(bigram.model, bigram.tokenizer, {
          ...opts,
          n: opts.n ?? 1,
          maxTokens: args.number('max-tokens') ?? 500,
          streaming,
        });
      }
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
    const streaming = { io, out, signal, json: args.bool('json'), stream: args.bool('stream') };
    if (!words && wantsStream(streaming)) {
      const code = await streamSamples(runInfo.model, runInfo.tokenizer, {
        ...opts,
        n: opts.n ?? 1,
        maxTokens: args.number('max-tokens') ?? 500,
        streaming,
      });
      runInfo.model.dispose();
      return code;
    }
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

/** Where and how to stream. */
interface Streaming {
  io: Io;
  out: Output;
  signal: AbortSignal;
  json: boolean;
  stream: boolean;
}

/** Text samples stream to a terminal, and as JSON lines with `--json --stream`. */
function wantsStream({ io, json, stream }: Streaming): boolean {
  return json ? stream : io.stdout.isTTY === true;
}

/**
 * Draws text samples one by one, printing each piece of text as its token is drawn (or one JSON line
 * per token). Sample i uses seed + i and the same context as unstreamed sampling, so the text is the
 * same. Returns the exit code: 130 when Ctrl-C stopped it (what was generated is printed).
 */
async function streamSamples(
  model: SamplableModel,
  tokenizer: { encode(text: string): number[]; decode(ids: ArrayLike<number>): string },
  options: Omit<SampleOptions, 'words'> & { streaming: Streaming },
): Promise<number> {
  const { generateStream, createTextStream } = await import('@makemore/models');
  const { io, out, signal, json } = options.streaming;
  const prompt = options.prompt ? tokenizer.encode(options.prompt) : [];
  const context = prompt.length > 0 ? prompt : tokenizer.encode('\n').slice(0, 1);
  if (context.length === 0) context.push(0);
  for (let index = 0; index < options.n && !signal.aborted; index++) {
    // A byte-level BPE streams through its own decoder (no U+FFFD for a character split across tokens);
    // other tokenizers' whole-sequence decode is made incremental.
    const streaming = tokenizer as {
      createDecoder?: () => { write(ids: readonly number[]): string; end(): string };
    };
    const decoder = streaming.createDecoder?.();
    const text = decoder
      ? { push: (ids: readonly number[]) => decoder.write(ids), end: () => decoder.end() }
      : createTextStream((ids) => tokenizer.decode(ids));
    let sample = options.prompt ?? '';
    if (!json) io.stdout.write(sample);
    const stream = generateStream(model, {
      context,
      maxNewTokens: options.maxTokens,
      temperature: options.temperature,
      ...(options.topK !== undefined ? { topK: options.topK } : {}),
      seed: options.seed + index,
      signal,
    });
    for await (const id of stream) {
      const piece = text.push([id]);
      sample += piece;
      if (json) out.json({ type: 'token', index, id, text: piece });
      else if (piece) io.stdout.write(piece);
    }
    const rest = text.end();
    sample += rest;
    if (json) out.json({ type: 'sample', index, text: sample, ...(signal.aborted ? { stopped: true } : {}) });
    else {
      io.stdout.write(`${rest}\n`);
      if (index < options.n - 1 && !signal.aborted) out.line('-'.repeat(40));
    }
  }
  if (!signal.aborted) return 0;
  out.notice('makemore: stopped (Ctrl-C); the text above is what was generated');
  return EXIT_INTERRUPTED;
}
