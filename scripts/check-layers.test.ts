import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without types
import { checkLayers } from './check-layers.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const planted: string[] = [];

afterEach(() => {
  for (const p of planted.splice(0)) rmSync(p, { force: true });
});

function plant(rel: string, text: string) {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  planted.push(p);
}

describe('package graph', () => {
  it('holds for the repository as it is', () => {
    expect(checkLayers()).toEqual([]);
  });

  it('fails when a lower package imports a higher one', () => {
    plant(
      'packages/tokenizers/src/__planted_upward.ts',
      "import { train } from '@makemore/trainer';\nexport { train };\n",
    );
    const problems: string[] = checkLayers();
    expect(problems.some((p) => p.includes('__planted_upward.ts imports @makemore/trainer'))).toBe(true);
  });

  it('fails when browser-safe code imports a Node built-in', () => {
    plant(
      'packages/datasets/src/__planted_fs.ts',
      "import { readFileSync } from 'node:fs';\nexport { readFileSync };\n",
    );
    const problems: string[] = checkLayers();
    expect(problems.some((p) => p.includes("__planted_fs.ts imports the Node built-in 'node:fs'"))).toBe(
      true,
    );
  });
});
