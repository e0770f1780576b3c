/** Loads the benchmark corpora from MAKEMORE_DATA_DIR (e.g. ../shared/datasets beside the repository). */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const dataDir = process.env.MAKEMORE_DATA_DIR ?? '';
if (!dataDir)
  throw new Error('set MAKEMORE_DATA_DIR to the folder of the dataset files (e.g. ../shared/datasets)');

/** Tiny Shakespeare (1.1 MB). */
export function shakespeare(): string {
  return readFileSync(join(dataDir, 'shakespeare.txt'), 'utf8');
}

/** Every State of the Union address, files in sorted order, joined with no separator (10.6 MB). */
export function stateOfTheUnion(): string {
  const dir = join(dataDir, 'state_of_the_union');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
}

/** UTF-8 size in MB (10^6 bytes). */
export function megabytes(text: string): number {
  return Buffer.byteLength(text, 'utf8') / 1e6;
}
