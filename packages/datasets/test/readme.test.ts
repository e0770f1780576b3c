// Keeps the README true: its first example runs as written and gives the numbers it claims.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DATA_DIR } from './helpers.js';

it('runs the README example', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toContain("from '@makemore/datasets/node'");
  const dir = mkdtempSync(join(tmpdir(), 'makemore-readme-'));
  const file = join(dir, 'example.ts');
  writeFileSync(file, `${code}\nexport { train, dev, test, n, x, y, counts, tokens, ids, batch };\n`);
  const before = process.env.MAKEMORE_DATA_DIR;
  process.env.MAKEMORE_DATA_DIR = DATA_DIR;
  try {
    const m = await import(/* @vite-ignore */ file);
    expect([m.train.length, m.dev.length, m.test.length]).toEqual([25626, 3203, 3204]);
    expect(m.n).toBe(228146);
    expect(m.x.length).toBe(228146 * 3);
    expect(m.counts[0 * 27 + 1]).toBe(4410);
    expect(m.tokens[1]).toBe('a');
    expect(m.ids).toBeInstanceOf(Uint16Array);
    expect(m.ids.length).toBe(1115394);
    expect(m.batch.x.length).toBe(64 * 256);
  } finally {
    if (before === undefined) delete process.env.MAKEMORE_DATA_DIR;
    else process.env.MAKEMORE_DATA_DIR = before;
    rmSync(dir, { recursive: true, force: true });
  }
});
