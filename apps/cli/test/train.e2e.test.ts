// End-to-end: the built CLI trains on names, then samples and evaluates its checkpoint; Ctrl-C during
// training saves a checkpoint that --resume continues; the README's first command runs with few steps.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, jsonLines, runCli } from './helpers';

let work: string;
beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'makemore-cli-train-'));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('train → sample → eval on names', () => {
  let done: Record<string, unknown>;

  it('trains a few hundred steps with --json: one JSON object per line, stable types', async () => {
    const r = await runCli(['train', '--steps', '300', '--eval-every', '150', '--out', 'run', '--json'], {
      cwd: work,
    });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const types = new Set(lines.map((l) => l.type));
    for (const t of ['start', 'step', 'eval', 'checkpoint', 'sample', 'done']) expect(types).toContain(t);
    const steps = lines.filter((l) => l.type === 'step');
    expect(steps.at(-1)?.step).toBe(300);
    expect(lines.filter((l) => l.type === 'eval').map((l) => l.step)).toEqual([150, 300]);
    done = lines.find((l) => l.type === 'done')!;
    const losses = done.losses as Record<string, number>;
    // A uniform guess over 27 characters costs ln 27 = 3.30; 300 steps of the MLP get well below it.
    expect(losses.dev).toBeLessThan(2.9);
    expect(Object.keys(losses).sort()).toEqual(['dev', 'test', 'train']);
    expect(done.backend).toMatch(/^(wasm|cpu|tensorflow)/);
    expect(done.stepsPerSec).toBeGreaterThan(0);
    expect(done.wallTimeSec).toBeGreaterThan(0);
    expect(existsSync(join(work, 'run', 'best', 'model.safetensors'))).toBe(true);
    expect(existsSync(join(work, 'run', 'metrics.jsonl'))).toBe(true);
  });

  it('samples from the checkpoint, grouped into in train / in test / new', async () => {
    const human = await runCli(['sample', '--checkpoint', 'run', '--n', '12', '--seed', '3'], { cwd: work });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/samples that are in train/);
    expect(human.stdout).toMatch(/samples that are in test/);
    expect(human.stdout).toMatch(/\d+ samples that are new/);
    const json = await runCli(['sample', '--checkpoint', 'run', '--n', '12', '--seed', '3', '--json'], {
      cwd: work,
    });
    const samples = jsonLines(json.stdout);
    expect(samples).toHaveLength(12);
    for (const s of samples) {
      expect(s.type).toBe('sample');
      expect(s.text).toMatch(/^[a-z]*$/);
      expect(['train', 'test', 'new']).toContain(s.group);
      // every JSON sample also appears in the human listing (same seed, same samples)
      expect(human.stdout.split('\n')).toContain(s.text);
    }
  });

  it("tokenize reuses the checkpoint's char tokenizer ('.' = 0, a = 1, …)", async () => {
    const r = await runCli(['tokenize', 'encode', '--tokenizer', 'run', 'emma'], { cwd: work });
    expect(r.stdout.trim()).toBe('5 13 13 1');
  });

  it('evaluates the checkpoint: a loss table matching the training run, with bits per character', async () => {
    const r = await runCli(['eval', '--checkpoint', 'run'], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/split\s+examples\s+loss\s+bits\/char/);
    const dev = /^dev\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)$/m.exec(r.stdout);
    expect(dev).not.toBeNull();
    expect(Number(dev![2])).toBeCloseTo(done.bestDevLoss as number, 3);
    expect(Number(dev![3])).toBeCloseTo(Number(dev![2]) / Math.LN2, 3);
    const json = jsonLines(
      (await runCli(['eval', '--checkpoint', 'run', '--split', 'test', '--json'], { cwd: work })).stdout,
    );
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ type: 'eval', split: 'test' });
  });
});

describe('Ctrl-C and --resume', () => {
  it('saves a checkpoint on SIGINT, says how to resume, and --resume continues from that step', async () => {
    const first = await runCli(
      ['train', '--steps', '50000', '--eval-every', '50000', '--out', 'long', '--json', '--log-every', '10'],
      {
        cwd: work,
        interruptWhen: (out) =>
          Math.max(0, ...[...out.matchAll(/"type":"step","step":(\d+)/g)].map((m) => Number(m[1]))) >= 40,
      },
    );
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(
      /interrupted at step \d+; checkpoint saved to .*long\. Resume with: makemore train --resume --out /,
    );
    const aborted = jsonLines(first.stdout).find((l) => l.type === 'done')!;
    expect(aborted.reason).toBe('aborted');
    const stopped = aborted.step as number;
    expect(stopped).toBeGreaterThanOrEqual(40);
    expect(existsSync(join(work, 'long', 'last', 'config.json'))).toBe(true);

    const resumed = await runCli(
      ['train', '--resume', '--out', 'long', '--steps', String(stopped + 30), '--json'],
      { cwd: work },
    );
    expect(resumed.stderr).not.toMatch(/error/);
    expect(resumed.code).toBe(0);
    const lines = jsonLines(resumed.stdout);
    expect(lines[0]).toMatchObject({ type: 'start', resumedFrom: stopped });
    const steps = lines.filter((l) => l.type === 'step').map((l) => l.step as number);
    expect(Math.min(...steps)).toBeGreaterThan(stopped);
    expect(lines.find((l) => l.type === 'done')).toMatchObject({ reason: 'completed', step: stopped + 30 });
  });
});

describe('a custom word file', () => {
  it('trains on ./words.txt and samples from another folder (the path is recorded absolute)', async () => {
    const words = ['anna', 'bob', 'carl', 'dora', 'emil', 'fritz', 'greta', 'hugo', 'ida', 'jan'];
    writeFileSync(
      join(work, 'words.txt'),
      `${Array.from({ length: 20 }, () => words)
        .flat()
        .join('\n')}\n`,
    );
    const r = await runCli(['train', '--dataset', './words.txt', '--steps', '40', '--json'], { cwd: work });
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ type: 'done', out: join(work, 'out', 'words-mlp') });
    const elsewhere = mkdtempSync(join(tmpdir(), 'makemore-cli-elsewhere-'));
    try {
      const s = await runCli(
        ['sample', '--checkpoint', join(work, 'out', 'words-mlp'), '--n', '4', '--json'],
        {
          cwd: elsewhere,
        },
      );
      expect(s.code).toBe(0);
      for (const line of jsonLines(s.stdout)) expect(['train', 'test', 'new']).toContain(line.group);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe("the README's first command", () => {
  it('makemore train with MAKEMORE_STEPS set: trains names, prints losses, a curve and samples', async () => {
    const r = await runCli(['train'], { cwd: work, env: { MAKEMORE_STEPS: '400' } });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mlp \([\d,]+ params\) on names: 400 steps/m);
    expect(r.stdout).toMatch(/train 400\/400/);
    expect(r.stdout).toMatch(/^dev\s+[\d.]+\s+[\d.]+$/m);
    expect(r.stdout).toMatch(/^loss [▁▂▃▄▅▆▇█]+ /m);
    expect(r.stdout).toMatch(/samples that are new/);
    expect(r.stdout).toMatch(/sample more: makemore sample --checkpoint .*out\/names-mlp/);
    expect(existsSync(join(work, 'out', 'names-mlp', 'best', 'config.json'))).toBe(true);
  });
});
