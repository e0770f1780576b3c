// End-to-end: `makemore train --shards` on token shards made by `makemore prepare` in the test: the run
// records the folder as its data and the shards' tokenizer, evaluates on the val shards, resumes, and
// `eval` reads the shards again; bad combinations are one-line usage errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, jsonLines, runCli } from './helpers';

let work: string;
const text = Array.from(
  { length: 600 },
  (_, i) => `${i % 3 === 0 ? 'ROMEO' : 'JULIET'}: line ${i} of the play, ${'la '.repeat(i % 4)}\n`,
).join('');

beforeAll(async () => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'makemore-cli-shards-'));
  writeFileSync(join(work, 'play.txt'), text);
  const r = await runCli(['prepare', '--dataset', 'play.txt', '--out', 'shards', '--shard-tokens', '4000'], {
    cwd: work,
  });
  expect(r.code, r.stderr).toBe(0);
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tiny = ['--model', 'transformer', '--n-layer', '1', '--n-head', '2', '--n-embd', '16'];
const loop = ['--block-size', '16', '--batch-size', '4', '--eval-every', '2', '--eval-iters', '2'];

function expectUsageError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0 && !l.startsWith('makemore: note:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('makemore train --shards', () => {
  it('trains on the shards, evaluates on their val split and resumes', async () => {
    const dir = join(work, 'shards');
    const first = await runCli(
      ['train', '--shards', 'shards', ...tiny, ...loop, '--steps', '4', '--out', 'run', '--json'],
      { cwd: work, timeoutMs: 240_000 },
    );
    expect(first.code, first.stderr).toBe(0);
    const events = jsonLines(first.stdout);
    const start = events.find((e) => e.type === 'start') as unknown as {
      spec: { data: Record<string, unknown>; model: { vocabSize: number } };
      dataset: string;
    };
    expect(start.dataset).toBe(dir);
    expect(start.spec.data).toMatchObject({
      dataset: dir,
      shards: dir,
      kind: 'text',
      tokenizer: { type: 'file', path: join(dir, 'index.json') },
    });
    expect(start.spec.model.vocabSize).toBe(new Set(text).size);
    const evals = events.filter((e) => e.type === 'eval') as unknown as { losses: Record<string, number> }[];
    expect(evals).toHaveLength(2);
    expect(Object.keys(evals[0]?.losses ?? {})).toEqual(['train', 'val']);
    const done = events.find((e) => e.type === 'done') as unknown as {
      step: number;
      losses: Record<string, number>;
    };
    expect(done.step).toBe(4);
    expect(done.losses.val).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(work, 'run', 'run.json'), 'utf8')).data.shards).toBe(dir);

    const resumed = await runCli(['train', '--resume', '--out', 'run', '--steps', '6', '--json'], {
      cwd: work,
      timeoutMs: 240_000,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const again = jsonLines(resumed.stdout);
    expect(again.find((e) => e.type === 'start')?.resumedFrom).toBe(4);
    expect(again.find((e) => e.type === 'done')?.step).toBe(6);

    const evaluated = await runCli(['eval', '--checkpoint', 'run', '--eval-iters', '4', '--json'], {
      cwd: work,
      timeoutMs: 240_000,
    });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const lines = jsonLines(evaluated.stdout).filter((e) => e.type === 'eval');
    expect(lines.map((e) => e.split)).toEqual(['train', 'val']);
    for (const e of lines) expect(e.loss).toBeGreaterThan(0);
  }, 600_000);

  it('refuses --shards with --dataset or --tokenizer, a missing folder and the bigram table', async () => {
    expectUsageError(
      await runCli(['train', '--shards', 'shards', '--dataset', 'names'], { cwd: work }),
      /--shards and --dataset do not go together/,
    );
    expectUsageError(
      await runCli(['train', '--shards', 'shards', '--tokenizer', 'bpe'], { cwd: work }),
      /--shards and --tokenizer do not go together/,
    );
    expectUsageError(
      await runCli(['train', '--shards', 'nowhere', ...tiny, '--steps', '1'], { cwd: work }),
      /--shards: no such folder .*nowhere; make one with makemore prepare/,
    );
    expectUsageError(
      await runCli(['train', '--shards', 'shards', '--model', 'bigram'], { cwd: work }),
      /the bigram count table is fitted from text in memory/,
    );
  }, 120_000);
});
