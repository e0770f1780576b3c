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
  async function specOf(argv: string[], env: Record<string, string> = {}, cwd = '/tmp') {
    const { Args } = await import('../src/args');
    const { COMMON_FLAGS } = await import('../src/command');
    const { trainCommand } = await import('../src/commands/train');
    const { resolveForCli, specInputFromArgs } = await import('../src/run-spec');
    const args = new Args(parseArgs(argv, [...trainCommand.flags, ...COMMON_FLAGS], 'train'));
    return resolveForCli(await specInputFromArgs(args, env, cwd));
  }

  it('start from the lecture-mlp recipe, then MAKEMORE_STEPS, then --steps', {
    timeout: 180_000,
  }, async () => {
    const { defaultOut } = await import('../src/run-folder');
    const spec = await specOf([]);
    expect(spec.recipe).toBe('lecture-mlp');
    expect(spec.model).toMatchObject({ type: 'mlp', blockSize: 3, nEmbd: 10, nHidden: 200 });
    expect(spec.training).toMatchObject({ steps: 15000, batchSize: 32 });
    expect(spec.optimizer.type).toBe('sgd');
    expect(defaultOut(spec, '/tmp')).toBe('/tmp/out/names-mlp');
    const env = await specOf([], { MAKEMORE_STEPS: '400' });
    expect(env.training.steps).toBe(400);
    expect(env.schedule.milestones).toEqual([300]);
    expect((await specOf(['--steps', '7'], { MAKEMORE_STEPS: '400' })).training.steps).toBe(7);
    await expect(specOf([], { MAKEMORE_STEPS: 'many' })).rejects.toThrow(/MAKEMORE_STEPS/);
    const gpt = await specOf(['--model', 'transformer', '--dataset', './data/my.txt'], {}, '/w');
    expect(gpt.optimizer.type).toBe('adamw');
    expect(gpt.recipe).toBeUndefined();
    expect(defaultOut(gpt, '/w')).toBe('/w/out/my-transformer');
  });

  it("express nanoGPT's baby GPT with flags alone, equal to the recipe", async () => {
    const flags = await specOf([
      '--dataset',
      'shakespeare',
      '--model',
      'transformer',
      '--block-size',
      '64',
      '--n-layer',
      '4',
      '--n-head',
      '4',
      '--n-embd',
      '128',
      '--dropout',
      '0',
      '--no-bias',
      '--tie-weights',
      '--gelu',
      'erf',
      '--init',
      'gpt2',
      '--optimizer',
      'adamw',
      '--lr',
      '1e-3',
      '--beta2',
      '0.99',
      '--weight-decay',
      '0.1',
      '--decay',
      'rank2',
      '--lr-schedule',
      'cosine',
      '--warmup',
      '100',
      '--min-lr',
      '1e-4',
      '--lr-decay-steps',
      '2000',
      '--steps',
      '2000',
      '--batch-size',
      '12',
      '--grad-clip',
      '1',
      '--eval-every',
      '250',
      '--eval-iters',
      '20',
      '--seed',
      '42',
      '--temperature',
      '0.8',
      '--top-k',
      '200',
    ]);
    const preset = await specOf(['--preset', 'nanogpt-baby']);
    for (const section of ['model', 'optimizer', 'schedule', 'training'] as const) {
      expect(flags[section]).toEqual(preset[section]);
    }
    expect(flags.data.split).toEqual(preset.data.split);
  });

  it("scale a recipe's schedule to a new --steps, and name the flag of a bad field", async () => {
    const short = await specOf(['--preset', 'nanogpt-baby', '--steps', '500']);
    expect(short.schedule).toMatchObject({ decaySteps: 500, warmup: 100 });
    await expect(specOf(['--model', 'transformer', '--n-embd', '100', '--n-head', '3'])).rejects.toThrow(
      /^run spec: model\.nHead: 3 heads do not divide nEmbd 100.*\(set with --n-head\)$/,
    );
    await expect(specOf(['--preset', 'nope'])).rejects.toThrow(
      /^--preset: unknown recipe 'nope'; the recipes are bigram, /,
    );
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
  it('map every spec flag to a field the run spec knows', async () => {
    const { FLAG_FIELDS } = await import('../src/commands/train-flags');
    const { resolveRunSpec } = await import('@makemore/run');
    const spec = resolveRunSpec({}) as unknown as Record<string, Record<string, unknown>>;
    const sections = Object.keys(spec);
    for (const { field } of Object.values(FLAG_FIELDS)) {
      const [section] = field.split('.');
      expect(sections).toContain(section);
    }
  });
  it('parse --tokenizer specs and reject bad ones with the accepted forms', async () => {
    const { tokenizerField } = await import('../src/run-spec');
    expect(tokenizerField('char', '/w')).toEqual({ type: 'char' });
    expect(tokenizerField('bpe', '/w')).toEqual({ type: 'bpe', vocabSize: 512, pattern: 'gpt4' });
    expect(tokenizerField('bpe:1024', '/w')).toEqual({ type: 'bpe', vocabSize: 1024, pattern: 'gpt4' });
    expect(tokenizerField('tok.json', '/w')).toEqual({ type: 'file', path: '/w/tok.json' });
    expect(() => tokenizerField('bpe:100', '/w')).toThrow(/at least 256/);
    expect(() => tokenizerField('chr', '/w')).toThrow(/use char, bpe, bpe:<vocab>/);
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
        env: { MAKEMORE_DATA_DIR: process.env.MAKEMORE_DATA_DIR as string, ...env },
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
