/**
 * `makemore tokenize train|encode|decode|inspect`: train a byte-level BPE on a dataset or file and save it,
 * encode and decode text with a saved tokenizer (or a checkpoint's), and show the tokens of a text with
 * their byte strings.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BpeTokenizer as Bpe } from '@makemore/tokenizers';
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

/**
 * The text of a file as UTF-8 chunks, read 1 MiB at a time, so that training never holds the whole file
 * (a corpus can be larger than memory, or than V8's longest string). Invalid UTF-8 is an error that names
 * the byte range it is in.
 */
async function* utf8Chunks(path: string, shown: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    try {
      yield decoder.decode(bytes, { stream: true });
    } catch {
      throw new CliError(
        `--dataset ${shown} is not valid UTF-8 (bad bytes within bytes ${offset}-${offset + bytes.length}); convert it to UTF-8 first`,
      );
    }
    offset += bytes.length;
  }
  try {
    yield decoder.decode();
  } catch {
    throw new CliError(
      `--dataset ${shown} is not valid UTF-8: it ends inside a character; convert it to UTF-8 first`,
    );
  }
}

/** Whether `spec` names a regular file (which is then streamed rather than loaded whole). */
async function isFile(spec: string, cwd: string): Promise<boolean> {
  if (!/[/\\]|\.\w+$|^~/.test(spec)) return false;
  try {
    return (await stat(resolve(cwd, spec))).isFile();
  } catch {
    return false;
  }
}

export const tokenizeTrain: Command = {
  name: 'tokenize train',
  summary: 'Train a byte-level BPE tokenizer on a dataset or file and save it',
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
      choices: ['gpt4', 'gpt2', 'o200k', 'none'],
      default: 'gpt4',
      placeholder: '<gpt4|gpt2|o200k|none>',
      description: 'pre-split regex (none: no split, like minbpe BasicTokenizer)',
    },
    {
      name: 'special',
      type: 'string',
      repeatable: true,
      placeholder: '<token>',
      description: "reserve a special token (repeatable), e.g. --special '<|endoftext|>'",
    },
    {
      name: 'format',
      type: 'string',
      choices: ['json', 'hf'],
      default: 'json',
      placeholder: '<json|hf>',
      description: "json: this package's format; hf: HuggingFace tokenizer.json",
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
    [
      "tokenize train --dataset ./corpus.txt --special '<|endoftext|>' --format hf --out tokenizer.json",
      'streams the file; writes a tokenizer.json for HF tokenizers / transformers.js',
    ],
  ],
  async run(args, { out, io }) {
    const { BpeTokenizer } = await import('@makemore/tokenizers');
    const datasetArg = args.string('dataset')!;
    const vocabSize = args.number('vocab-size')!;
    const pattern = args.string('pattern')!;
    const format = args.string('format')!;
    const specialTokens = args.strings('special');
    if (specialTokens.some((s) => s.length === 0)) throw new CliError('--special needs a non-empty token');
    if (new Set(specialTokens).size !== specialTokens.length) {
      throw new CliError(`--special lists a token twice (${specialTokens.join(', ')})`);
    }
    if (vocabSize < 256 + specialTokens.length) {
      throw new CliError(
        `--vocab-size must be at least ${256 + specialTokens.length} (256 bytes + ${specialTokens.length} special tokens), got ${vocabSize}`,
      );
    }
    const streamed = await isFile(datasetArg, io.cwd);
    const ds = streamed
      ? null
      : await loadForCli(datasetArg, { dataDir: args.string('data-dir'), env: io.env });
    const merges = vocabSize - 256 - specialTokens.length;
    const bar = out.progress('merges', merges, { unit: 'merges' });
    const started = Date.now();
    const options = {
      vocabSize,
      pattern: pattern === 'none' ? null : pattern,
      specialTokens,
      onProgress: (p: { merges?: number; merge?: number }) => bar.update(p.merges ?? p.merge ?? 0),
    };
    let tokenizer: Bpe;
    try {
      tokenizer = ds
        ? BpeTokenizer.train(ds.text, options)
        : await BpeTokenizer.train(utf8Chunks(resolve(io.cwd, datasetArg), datasetArg), options);
    } catch (error) {
      if (error instanceof RangeError) throw new CliError(error.message.replace(/\.$/, ''));
      throw error;
    }
    bar.update(merges);
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    const base = /[/\\.]/.test(datasetArg) ? 'custom' : datasetArg;
    const file = resolve(
      io.cwd,
      args.string('out') ?? `${base}-bpe${vocabSize}${format === 'hf' ? '.tokenizer' : ''}.json`,
    );
    const saved = format === 'hf' ? tokenizer.toHuggingFaceJSON() : tokenizer.toJSON();
    await writeFile(file, `${JSON.stringify(saved)}\n`);
    const sample = ds ? ds.text.slice(0, 100_000) : await firstChars(resolve(io.cwd, datasetArg), 100_000);
    const ratio = sample.length / Math.max(1, tokenizer.encode(sample, { disallowedSpecial: 'none' }).length);
    const name = ds ? ds.name : datasetArg;
    out.json({
      type: 'tokenizer',
      path: file,
      vocabSize,
      pattern,
      format,
      specialTokens,
      seconds,
      charsPerToken: ratio,
    });
    out.line(
      `trained a ${vocabSize}-token BPE on ${name} in ${seconds.toFixed(2)} s (${ratio.toFixed(2)} chars/token)`,
    );
    out.line(`saved to ${file}${format === 'hf' ? ' (HuggingFace tokenizer.json)' : ''}`);
    return 0;
  },
};

/** The first `count` characters of a UTF-8 file, for the chars-per-token figure. */
async function firstChars(path: string, count: number): Promise<string> {
  let text = '';
  for await (const chunk of utf8Chunks(path, path)) {
    text += chunk;
    if (text.length >= count) break;
  }
  return text.slice(0, count);
}

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
