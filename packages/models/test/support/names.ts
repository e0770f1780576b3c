/**
 * Test data: names.txt encoded as makemore does (`.` = 0 marks both ends, a–z = 1–26), read from
 * `$MAKEMORE_DATA_DIR` (vitest.shared.ts points it at ../shared/datasets beside the repository). Node-only; used by tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The folder holding names.txt. */
export function dataDir(): string {
  return process.env.MAKEMORE_DATA_DIR as string;
}

/** Every name as `[0, ...letters, 0]` token ids, in file order. */
export function encodedNames(): number[][] {
  const text = readFileSync(join(dataDir(), 'names.txt'), 'utf8');
  return text
    .split('\n')
    .map((w) => w.trim())
    .filter((w) => w.length > 0)
    .map((w) => [0, ...Array.from(w, (c) => c.charCodeAt(0) - 96), 0]);
}
