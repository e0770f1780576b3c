// End-to-end: the built CLI adapts the run spec. --print-config shows a recipe field by field, a printed
// spec fed back through --config trains identically, --resume follows run.json and refuses or notes
// changes, `presets` lists the recipes and `sweep` runs a grid that resumes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, jsonLines, runCli } from './helpers';

let work: string;
beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'makemore-cli-spec-'));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const stepLosses = (stdout: string) =>
  jsonLines(stdout)
    .filter((l) => l.type === 'step')
    .map((l) => l.loss as number);

describe('--preset and --print-config', () => {
  it("prints nanoGPT's baby GPT field by field without loading any data", async () => {
    const r = await runCli(['train', '--preset', 'nanogpt-baby', '--print-config'], {
      cwd: work,
      env: { MAKEMORE_DATA_DIR: join(work, 'nowhere') },
    });
    expect(r.code).toBe(0);
    const spec = JSON.parse(r.stdout);
    expect(spec.recipe).toBe('nanogpt-baby');
    expect(spec.model).toMatchObject({
      nLayer: 4,
      nHead: 4,
      nEmbd: 128,
      blockSize: 64,
      bias: false,
      tieWeights: true,
      gelu: 'erf',
      init: 'gpt2',
      dropout: 0,
    });
    expect(spec.optimizer).toMatchObject({
      type: 'adamw',
      lr: 0.001,
      betas: [0.9, 0.99],
      weightDecay: 0.1,
      decay: 'rank2',
    });
    expect(spec.schedule).toEqual({ type: 'cosine', warmup: 100, minLr: 0.0001, decaySteps: 2000 });
    expect(spec.training).toMatchObject({ steps: 2000, batchSize: 12, gradClip: 1, gradAccum: 1 });
    expect(spec.eval).toMatchObject({ every: 250, iters: 20 });
  });

  it('refuses an unknown recipe and a contradictory flag, naming them', async () => {
    const bad = await runCli(['train', '--preset', 'nanogpt-tiny'], { cwd: work });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^makemore: error: --preset: unknown recipe 'nanogpt-tiny'; the recipes are bigram, lecture-mlp/m,
    );
    const clash = await runCli(['train', '--preset', 'lecture-mlp', '--beta2', '0.99'], { cwd: work });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/optimizer\.betas: does not apply to SGD.*--beta1\/--beta2/);
    expect(clash.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('lists the recipes with their published results', async () => {
    const r = await runCli(['presets', '--json'], { cwd: work });
    expect(r.code).toBe(0);
    const presets = jsonLines(r.stdout).filter((l) => l.type === 'preset');
    expect(presets.map((p) => p.name)).toContain('nanogpt-baby');
    expect(presets).toHaveLength(8);
    const baby = presets.find((p) => p.name === 'nanogpt-baby');
    expect((baby?.reference as { loss: number } | undefined)?.loss).toBe(1.88);
  });
});

describe('--config', () => {
  // Each run ends with a whole-split evaluation of names on the cpu backend: seconds on a quiet machine,
  // minutes on a loaded one, hence the generous limits.
  it('trains a printed spec identically, run after run, and stores it as run.json', {
    timeout: 600_000,
  }, async () => {
    const printed = await runCli(
      [
        'train',
        '--model',
        'transformer',
        '--n-layer',
        '1',
        '--n-embd',
        '16',
        '--n-head',
        '2',
        '--steps',
        '6',
        '--batch-size',
        '8',
        '--eval-every',
        '0',
        '--backend',
        'cpu',
        '--print-config',
      ],
      { cwd: work },
    );
    expect(printed.code).toBe(0);
    writeFileSync(join(work, 'tiny.json'), printed.stdout);
    const runs = [];
    for (const out of ['c1', 'c2']) {
      const r = await runCli(['train', '--config', 'tiny.json', '--out', out, '--json', '--log-every', '1'], {
        cwd: work,
        timeoutMs: 240_000,
      });
      expect(r.code).toBe(0);
      runs.push(stepLosses(r.stdout));
    }
    expect(runs[0]).toHaveLength(6);
    expect(runs[1]).toEqual(runs[0]);
    const saved = JSON.parse(readFileSync(join(work, 'c1', 'run.json'), 'utf8'));
    const given = JSON.parse(printed.stdout);
    // run.json is the printed spec with what the data settles: the kind, the vocabulary, the block size.
    expect(saved).toEqual({
      ...given,
      data: { ...given.data, kind: 'words' },
      model: { ...given.model, vocabSize: 27, blockSize: 16 },
    });
  });

  it('names a malformed config file and its bad field', async () => {
    writeFileSync(join(work, 'bad.json'), JSON.stringify({ model: { type: 'mlp', nLayers: 3 } }));
    const r = await runCli(['train', '--config', 'bad.json'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/model\.nLayers: unknown field; model has type, vocabSize, blockSize/);
  });
});

describe('--resume follows run.json', () => {
  beforeAll(async () => {
    const r = await runCli(
      [
        'train',
        '--model',
        'gru',
        '--n-embd',
        '8',
        '--n-embd2',
        '8',
        '--steps',
        '20',
        '--warmup',
        '2',
        '--eval-every',
        '10',
        '--eval-iters',
        '2',
        '--backend',
        'cpu',
        '--out',
        'r1',
      ],
      { cwd: work },
    );
    expect(r.code).toBe(0);
  }, 120_000);

  it('keeps the schedule when --steps grows, and says so', async () => {
    const r = await runCli(['train', '--resume', '--out', 'r1', '--steps', '24', '--json'], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /note: resuming: training\.steps 20 → 24: the schedule is unchanged: the learning rate stays at its floor 5\.00e-4 after step 20/,
    );
    const saved = JSON.parse(readFileSync(join(work, 'r1', 'run.json'), 'utf8'));
    expect(saved.training.steps).toBe(24);
    expect(saved.schedule.decaySteps).toBe(20);
  });

  it('applies a schedule change with the new learning rate, and refuses a model change', {
    timeout: 180_000,
  }, async () => {
    const r = await runCli(['train', '--resume', '--out', 'r1', '--steps', '30', '--lr-decay-steps', '30'], {
      cwd: work,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /schedule changed \(schedule\.decaySteps 20 → 30\): the learning rate at step 24 goes from 5\.00e-4 to /,
    );
    const refused = await runCli(['train', '--resume', '--out', 'r1', '--steps', '40', '--n-embd', '16'], {
      cwd: work,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /model\.nEmbd: cannot change when resuming \(8 → 16\).*\(set with --n-embd\)/,
    );
  });
});

describe('sweep', () => {
  it('runs the grid, tabulates it, and skips finished points when run again', {
    timeout: 240_000,
  }, async () => {
    const args = [
      'sweep',
      '--model',
      'mlp',
      '--steps',
      '4',
      '--eval-iters',
      '2',
      '--set',
      'nEmbd=2,4',
      '--backend',
      'cpu',
      '--out',
      'sw',
      '--json',
    ];
    const first = await runCli(args, { cwd: work });
    expect(first.code).toBe(0);
    const points = jsonLines(first.stdout).filter((l) => l.type === 'point');
    expect(points.map((p) => p.assignment)).toEqual([{ 'model.nEmbd': 2 }, { 'model.nEmbd': 4 }]);
    expect(Object.keys(points[0]?.losses as object).sort()).toEqual(['dev', 'test', 'train']);
    expect(existsSync(join(work, 'sw', 'results.csv'))).toBe(true);
    const again = await runCli(args, { cwd: work });
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout).filter((l) => l.type === 'point')).toHaveLength(0);
  });
});

describe('the bigram recipe', () => {
  it('fits the count table and compares with the lecture', async () => {
    const r = await runCli(['train', '--preset', 'bigram', '--out', 'bg'], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/train 2\.4\d+ \(the lecture reports 2\.454\)/);
    expect(existsSync(join(work, 'bg', 'run.json'))).toBe(true);
  });
});
