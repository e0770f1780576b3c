// End-to-end: `makemore sample` on a text checkpoint streams one JSON line per token with --json --stream,
// and the streamed sample is the one unstreamed sampling prints (same seed, same text).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, jsonLines, runCli } from './helpers';

let work: string;
beforeAll(async () => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'makemore-cli-stream-'));
  const args = [
    'train',
    '--dataset',
    'shakespeare',
    '--model',
    'transformer',
    '--n-layer',
    '1',
    '--n-head',
    '2',
  ];
  const r = await runCli(
    [
      ...args,
      '--n-embd',
      '16',
      '--block-size',
      '16',
      '--steps',
      '2',
      '--eval-iters',
      '1',
      '--out',
      'text',
      '-q',
    ],
    { cwd: work },
  );
  expect(r.code, r.stderr).toBe(0);
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('sample --json --stream', () => {
  it('emits a token line per drawn token, then the sample, equal to unstreamed sampling', async () => {
    const common = [
      'sample',
      '--checkpoint',
      'text',
      '--max-tokens',
      '40',
      '--seed',
      '5',
      '--prompt',
      'ROMEO:',
    ];
    const streamed = jsonLines((await runCli([...common, '--json', '--stream'], { cwd: work })).stdout);
    const tokens = streamed.filter((l) => l.type === 'token');
    expect(tokens).toHaveLength(40);
    for (const t of tokens)
      expect(t).toMatchObject({ index: 0, id: expect.any(Number), text: expect.any(String) });
    const sample = streamed.find((l) => l.type === 'sample');
    expect(sample?.text).toBe(`ROMEO:${tokens.map((t) => t.text).join('')}`);
    const plain = jsonLines((await runCli([...common, '--json'], { cwd: work })).stdout);
    expect(plain.filter((l) => l.type === 'token')).toHaveLength(0);
    expect(plain.find((l) => l.type === 'sample')?.text).toBe(sample?.text);
  }, 120_000);
});
