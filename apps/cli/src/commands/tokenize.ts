/**
 * `makemore tokenize train|encode|decode|inspect`: train a byte-level BPE on a dataset or file and save it,
 * encode and decode text with a saved tokenizer (or a checkpoint's), and show the tokens of a text with
 * their byte strings.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FlagSpec } from '../args';
import type { Command } from '../command';
import { CliError } from '../errors';
import { table } from '../ui/table';
import { loadForCli } from './datasets';
import { DATASET_NAMES } from './train-flags';

const TOKENIZER_FLAG: FlagSpec = {
  name: 'tokenizer',
  type: 'string',
  placeholder: '<file|checkpoint dir>',
  description: 'a saved tokenizer JSON, or a checkpoint folder whose tokenizer to use',
};

const TEXT_FLAGS: FlagSpec[] = [
  TOKENIZER_FLAG,
  { name: 'file', type: 'string', placeholder: '<path>', description: 'read the text from a file instead' },
];

/** Loads a tokenizer from a tokenizer JSON file or a checkpoint folder. */
export async function loadTokenizerArg(spec: string | undefined, cwd: string) {
  if (!spec)
    throw new CliError('missing --tokenizer <file|checkpoint dir>; train one with makemore tokenize train');
  const { loadTokenizerFrom } = await import('../checkpoint');
  return loadTokenizerFrom(resolve(cwd, spec));
}

async function textInput(
  args: { positionals: string[]; string(name: string): string | undefined },
  cwd: string,
) {
  const file = args.string('file');
  if (file !== undefined) {
    try {
      return await readFile(resolve(cwd, file), 'utf8');
    } catch (error) {
      throw new CliError(`cannot read --file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  }
  if (args.positionals.length === 0)
    throw new CliError('missing text; pass it as an argument or with --file <path>');
  return args.positionals.join(' ');
}

export const tokenizeTrain: Command = {
  name: 'tokenize train',
  summary: 'Train a byte-level BPE tokenizer on a dataset or file and save it as JSON',
  usage: 'tokenize train --dataset <name|path> --vocab-size <n> --out <file> [options]',
  flags: [
    {
      name: 'dataset',
      type: 'string',
      choices: DATASET_NAMES,
      open: true,
      default: 'shakespeare',
      placeholder: '<name|path>',
      description: 'text to train on',
    },
    {
      name: 'data-dir',
      type: 'string',
      placeholder: '<dir>',
      description: 'folder holding the dataset files',
    },
    {
      name: 'vocab-size',
      type: 'int',
      min: 256,
      default: 512,
      placeholder: '<n>',
      description: 'final vocabulary',
    },
    {
      name: 'pattern',
      type: 'string',
      choices: ['gpt4', 'gpt2', 'none'],
      default: 'gpt4',
      placeholder: '<gpt4|gpt2|none>',
      description: 'pre-split regex (none: no split, like minbpe BasicTokenizer)',
    },
    {
      name: 'out',
      type: 'string',
      placeholder: '<file>',
      description: 'where to save [default: <dataset>-bpe<vocab>.json]',
    },
  ],
  examples: [
    ['tokenize train --dataset shakespeare --vocab-size 1024 --out shakespeare-1k.json', 'a 1024-token BPE'],
    ['tokenize train --dataset ./notes.txt --pattern none', 'minbpe-style BPE with no regex split'],
  ],
  async run(args, { out, io }) {
    const { BpeTokenizer } = await import('@makemore/tokenizers');
    const datasetArg = args.string('dataset')!;
    const ds = await loadForCli(datasetArg, { dataDir: args.string('data-dir'), env: io.env });
    const vocabSize = args.number('vocab-size')!;
    const pattern = args.string('pattern')!;
    const merges = vocabSize - 256;
    const bar = out.progress('merges', merges, { unit: 'merges' });
    const started = Date.now();
    const tokenizer = BpeTokenizer.train(ds.text, {
      vocabSize,
      pattern: pattern === 'none' ? null : (pattern as 'gpt4' | 'gpt2'),
      onProgress: (p: { merges?: number; merge?: number }) => bar.update(p.merges ?? p.merge ?? 0),
    });
    bar.update(merges);
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    const base = /[/\\.]/.test(datasetArg) ? 'custom' : datasetArg;
    const file = resolve(io.cwd, args.string('out') ?? `${base}-bpe${vocabSize}.json`);
    await writeFile(file, `${JSON.stringify(tokenizer.toJSON())}\n`);
    const sample = ds.text.slice(0, 100_000);
    const ratio = sample.length / Math.max(1, tokenizer.encode(sample).length);
    out.json({ type: 'tokenizer', path: file, vocabSize, pattern, seconds, charsPerToken: ratio });
    out.line(
      `trained a ${vocabSize}-token BPE on ${ds.name} in ${seconds.toFixed(2)} s (${ratio.toFixed(2)} chars/token)`,
    );
    out.line(`saved to ${file}`);
    return 0;
  },
};

export const tokenizeEncode: Command = {
  name: 'tokenize encode',
  summary: 'Encode text to token ids',
  usage: 'tokenize encode --tokenizer <file> <text...> [options]',
  flags: TEXT_FLAGS,
  examples: [
    ['tokenize encode --tokenizer shakespeare-bpe512.json "To be, or not to be"', 'ids, space-separated'],
    ['tokenize encode --tokenizer out/names-mlp emma', "a checkpoint's char tokenizer"],
  ],
  async run(args, { out, io }) {
    const tokenizer = await loadTokenizerArg(args.string('tokenizer'), io.cwd);
    const ids = tokenizer.encode(await textInput(args, io.cwd));
    out.json({ type: 'encode', ids, count: ids.length });
    out.line(ids.join(' '));
    return 0;
  },
};

export const tokenizeDecode: Command = {
  name: 'tokenize decode',
  summary: 'Decode token ids to text',
  usage: 'tokenize decode --tokenizer <file> <id...> [options]',
  flags: TEXT_FLAGS,
  examples: [
    ['tokenize decode --tokenizer shakespeare-bpe512.json 84 111 32 98 101', 'the text of five ids'],
  ],
  async run(args, { out, io }) {
    const tokenizer = await loadTokenizerArg(args.string('tokenizer'), io.cwd);
    const raw = (await textInput(args, io.cwd)).split(/[\s,]+/).filter((s) => s.length > 0);
    const ids = raw.map((s) => {
      const id = Number(s);
      if (!Number.isInteger(id) || id < 0)
        throw new CliError(`'${s}' is not a token id (ids are integers >= 0)`);
      return id;
    });
    const text = tokenizer.decode(ids);
    out.json({ type: 'decode', text });
    out.line(text);
    return 0;
  },
};

export const tokenizeInspect: Command = {
  name: 'tokenize inspect',
  summary: 'Show the tokens of a text with their ids and byte strings',
  usage: 'tokenize inspect --tokenizer <file> <text...> [options]',
  flags: TEXT_FLAGS,
  examples: [['tokenize inspect --tokenizer shakespeare-bpe512.json "Hello, world"', 'one row per token']],
  async run(args, { out, io }) {
    const tokenizer = await loadTokenizerArg(args.string('tokenizer'), io.cwd);
    const text = await textInput(args, io.cwd);
    const ids = tokenizer.encode(text);
    const rows = ids.map((id: number, i: number) => {
      const bytes = tokenBytesOf(tokenizer, id);
      const shown = JSON.stringify(tokenizer.decode([id]));
      out.json({ type: 'token', index: i, id, text: tokenizer.decode([id]), bytes: [...bytes] });
      return [i, id, shown, [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')];
    });
    for (const line of table(['#', 'id', 'text', 'bytes (hex)'], rows)) out.line(line);
    out.line(
      `${text.length} characters → ${ids.length} tokens (${(text.length / Math.max(1, ids.length)).toFixed(2)} chars/token)`,
    );
    return 0;
  },
};

function tokenBytesOf(
  tokenizer: { tokenBytes?: (id: number) => Uint8Array; decode(ids: number[]): string },
  id: number,
) {
  if (typeof tokenizer.tokenBytes === 'function') return tokenizer.tokenBytes(id);
  return new TextEncoder().encode(tokenizer.decode([id]));
}

/** The `tokenize` subcommands. */
export const tokenizeCommands: Command[] = [tokenizeTrain, tokenizeEncode, tokenizeDecode, tokenizeInspect];
