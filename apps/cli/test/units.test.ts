// Unit tests of the CLI's pure parts: the flag parser, suggestions, charts and tables.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args';
import { CliError, oneLine } from '../src/errors';
import { closest, editDistance } from '../src/suggest';
import { plot, sparkline } from '../src/ui/chart';
import { formatDuration, table } from '../src/ui/table';

const specs = [
  { name: 'steps', type: 'int' as const, description: '', min: 1 },
  { name: 'lr', type: 'number' as const, description: '' },
  {
    name: 'model',
    type: 'string' as const,
    description: '',
    choices: ['mlp', 'transformer'],
    default: 'mlp',
  },
  { name: 'dataset', type: 'string' as const, description: '', choices: ['names'], open: true },
  { name: 'json', type: 'boolean' as const, description: '' },
  { name: 'quiet', short: 'q', type: 'boolean' as const, description: '' },
];

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('editDistance and closest', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
  it('suggests a close candidate and nothing for a far one', () => {
    expect(closest('trasnformer', ['mlp', 'transformer', 'rnn'])).toBe('transformer');
    expect(closest('zzzzzzzz', ['mlp', 'rnn'])).toBeUndefined();
  });
});

describe('parseArgs', () => {
  it('reads --flag value, --flag=value, booleans, shorts and defaults', () => {
    const parsed = parseArgs(['--steps', '200', '--lr=0.1', '--json', '-q', 'extra'], specs, 'train');
    expect(parsed.flags).toMatchObject({ steps: 200, lr: 0.1, json: true, quiet: true, model: 'mlp' });
    expect(parsed.positionals).toEqual(['extra']);
    expect(parsed.given.has('model')).toBe(false);
  });
  it('reads --no-flag and negative numbers', () => {
    const parsed = parseArgs(['--no-json', '--lr', '-0.5'], specs, 'train');
    expect(parsed.flags.json).toBe(false);
    expect(parsed.flags.lr).toBe(-0.5);
  });
  it('names an unknown flag and suggests the closest', () => {
    expect(errorOf(() => parseArgs(['--stesp', '3'], specs, 'train'))).toBe(
      "unknown option '--stesp' for 'train'; did you mean '--steps'?",
    );
  });
  it('names a bad value and suggests the closest choice', () => {
    expect(errorOf(() => parseArgs(['--model', 'mpl'], specs, 'train'))).toContain(
      "unknown value 'mpl' for --model; did you mean 'mlp'?",
    );
  });
  it('accepts values outside an open choice list', () => {
    expect(parseArgs(['--dataset', './my.txt'], specs, 'train').flags.dataset).toBe('./my.txt');
  });
  it('rejects non-integers, values under the minimum and missing values', () => {
    expect(errorOf(() => parseArgs(['--steps', '1.5'], specs, 'train'))).toBe(
      "--steps expects an integer, got '1.5'",
    );
    expect(errorOf(() => parseArgs(['--steps', '0'], specs, 'train'))).toBe(
      '--steps must be at least 1, got 0',
    );
    expect(errorOf(() => parseArgs(['--lr'], specs, 'train'))).toBe('--lr needs a value');
  });
});

describe('oneLine', () => {
  it('joins a multi-line message into one line', () => {
    expect(oneLine(new Error('first\n\n  second\n'))).toBe('first; second');
  });
});

describe('charts and tables', () => {
  it('draws a falling curve as falling bars', () => {
    const line = sparkline([4, 3, 2, 1]);
    expect(line).toBe('█▆▃▁');
  });
  it('downsamples a long curve to the width', () => {
    expect([
      ...sparkline(
        Array.from({ length: 1000 }, (_, i) => i),
        40,
      ),
    ]).toHaveLength(40);
  });
  it('plots points with labelled axes', () => {
    const lines = plot([0.001, 0.01, 0.1, 1], [3, 2.5, 2, 5], {
      width: 20,
      height: 5,
      logX: true,
      markX: 0.1,
    });
    expect(lines).toHaveLength(7);
    expect(lines[0]).toContain('5 ┤');
    expect(lines.join('\n')).toContain('│');
    expect(lines[6]).toMatch(/^ +1e-3 +1$/);
    expect(lines.join('').split('•')).toHaveLength(5);
  });
  it('aligns table columns', () => {
    const lines = table(
      ['split', 'loss'],
      [
        ['train', 2.1],
        ['dev', 2.25],
      ],
    );
    expect(lines).toEqual(['split    loss', '─────  ──────', 'train  2.1000', 'dev    2.2500']);
  });
  it('formats durations', () => {
    expect(formatDuration(5.25)).toBe('5.3s');
    expect(formatDuration(125)).toBe('2m05s');
  });
});

describe('sample grouping', () => {
  it('sorts samples as makemore does: in train, in test, new', async () => {
    const { formatGroups, groupSamples } = await import('../src/grouping');
    const groups = groupSamples(['emma', 'zed', 'ava', 'emma'], new Set(['emma']), new Set(['ava']));
    expect(groups).toEqual({ inTrain: ['emma', 'emma'], inTest: ['ava'], fresh: ['zed'] });
    expect(formatGroups(groups)).toEqual([
      '---------- 2 samples that are in train ----------',
      'emma',
      'emma',
      '---------- 1 samples that are in test ----------',
      'ava',
      '---------- 1 samples that are new ----------',
      'zed',
    ]);
  });
});

describe('train settings', () => {
  it('take the model preset, then MAKEMORE_STEPS, then --steps', async () => {
    const { Args } = await import('../src/args');
    const { COMMON_FLAGS } = await import('../src/command');
    const { trainCommand, resolveSettings } = await import('../src/commands/train');
    const parse = (argv: string[]) =>
      new Args(parseArgs(argv, [...trainCommand.flags, ...COMMON_FLAGS], 'train'));
    const preset = resolveSettings(parse([]), {}, '/tmp');
    expect(preset).toMatchObject({
      modelType: 'mlp',
      dataset: 'names',
      steps: 15000,
      batchSize: 32,
      optimizer: 'sgd',
    });
    expect(preset.out).toBe('/tmp/out/names-mlp');
    expect(resolveSettings(parse([]), { MAKEMORE_STEPS: '400' }, '/tmp').steps).toBe(400);
    expect(resolveSettings(parse(['--steps', '7']), { MAKEMORE_STEPS: '400' }, '/tmp').steps).toBe(7);
    expect(() => resolveSettings(parse([]), { MAKEMORE_STEPS: 'many' }, '/tmp')).toThrow(/MAKEMORE_STEPS/);
    const gpt = resolveSettings(parse(['--model', 'transformer', '--dataset', './data/my.txt']), {}, '/w');
    expect(gpt).toMatchObject({ optimizer: 'adamw', out: '/w/out/my-transformer' });
  });
  it('offer as --model exactly the families @makemore/models builds, in its order', async () => {
    const { MODEL_TYPES } = await import('../src/commands/train-flags');
    const models = await import('@makemore/models');
    expect(MODEL_TYPES).toEqual([...models.MODEL_TYPES]);
  });
  it('offer as --dataset exactly the built-in datasets of @makemore/datasets, in its order', async () => {
    const { DATASET_NAMES } = await import('../src/commands/train-flags');
    const { listDatasets } = await import('@makemore/datasets');
    expect([...DATASET_NAMES]).toEqual(listDatasets().map((d) => d.name));
  });
  it('give the lecture models the lecture SGD recipe', async () => {
    const { PRESETS } = await import('../src/presets');
    const lecture = { optimizer: 'sgd', lr: 0.1, schedule: 'step', warmup: 0, weightDecay: 0, gradClip: 0 };
    const evaluation = { batchSize: 32, evalEvery: 5000, evalIters: 0, sampleEvery: 0 };
    expect(PRESETS.mlp).toEqual({
      model: { blockSize: 3, nEmbd: 10, nHidden: 200, inputKind: 'window' },
      ...lecture,
      ...evaluation,
      steps: 15000,
    });
    expect(PRESETS.wavenet).toEqual({
      model: { blockSize: 8, nEmbd: 24, nHidden: 128, batchNorm: true, inputKind: 'window' },
      ...lecture,
      ...evaluation,
      steps: 20000,
    });
  });
  it('parse --tokenizer specs and reject bad ones with the accepted forms', async () => {
    const { parseTokenizerSpec } = await import('../src/session');
    expect(parseTokenizerSpec('char', '/w')).toEqual({ kind: 'char' });
    expect(parseTokenizerSpec('bpe', '/w')).toEqual({ kind: 'bpe', vocabSize: 512 });
    expect(parseTokenizerSpec('bpe:1024', '/w')).toEqual({ kind: 'bpe', vocabSize: 1024 });
    expect(parseTokenizerSpec('tok.json', '/w')).toEqual({ kind: 'file', path: '/w/tok.json' });
    expect(() => parseTokenizerSpec('bpe:100', '/w')).toThrow(/at least 256/);
    expect(() => parseTokenizerSpec('chr', '/w')).toThrow(/use char, bpe, bpe:<vocab>/);
  });
});

describe('run() in process', () => {
  function bufferIo(env: Record<string, string | undefined> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    return {
      io: {
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: (s: string) => err.push(s) },
        env: { MAKEMORE_DATA_DIR: process.env.MAKEMORE_DATA_DIR ?? '/work/shared/datasets', ...env },
        cwd: '/tmp',
      },
      out,
      err,
    };
  }
  it('runs a command against injected streams and resolves to its exit code', async () => {
    const { run } = await import('../src/cli');
    const b = bufferIo();
    expect(await run(['datasets', 'path', 'verbs', '--json'], b.io)).toBe(0);
    expect(JSON.parse(b.out.join(''))).toMatchObject({ type: 'path', name: 'verbs' });
    expect(b.err).toEqual([]);
  });
  it('turns errors into exit code 2 and one stderr line', async () => {
    const { run } = await import('../src/cli');
    const b = bufferIo();
    expect(await run(['sampel'], b.io)).toBe(2);
    expect(b.err.join('')).toBe("makemore: error: unknown command 'sampel'; did you mean 'sample'?\n");
    expect(b.out).toEqual([]);
  });
});
