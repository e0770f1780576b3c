/**
 * A run folder: `run.json` (the resolved run spec) beside the trainer's `best/` and `last/` checkpoints
 * (or a bigram table) and `metrics.jsonl`. `--resume`, `sample` and `eval` read the spec back from here.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { RunSpec } from '@makemore/run';
import type { TrainingSnapshot } from '@makemore/trainer';
import { CliError, oneLine } from './errors';
import { runApi } from './run-spec';

/** The file in a run folder that holds its resolved spec. */
export const RUN_FILE = 'run.json';

/** The default run folder: out/<dataset>-<model type>. */
export function defaultOut(spec: RunSpec, cwd: string): string {
  const slug = /[/\\]/.test(spec.data.dataset)
    ? basename(spec.data.dataset).replace(/\.txt$/, '')
    : spec.data.dataset;
  return resolve(cwd, 'out', `${slug}-${spec.model.type}`);
}

/** Writes `run.json` atomically (a temporary file renamed into place). */
export async function writeRunFile(dir: string, spec: RunSpec): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${RUN_FILE}.tmp-${process.pid}`);
  await writeFile(tmp, `${JSON.stringify(spec, null, 2)}\n`);
  await rename(tmp, join(dir, RUN_FILE));
}

/** Reads `<dir>/run.json`, or undefined when there is none. */
export async function readRunFile(dir: string): Promise<RunSpec | undefined> {
  const file = join(dir, RUN_FILE);
  if (!existsSync(file)) return undefined;
  const run = await runApi();
  try {
    return run.resolveRunSpec(JSON.parse(await readFile(file, 'utf8')));
  } catch (error) {
    throw new CliError(`${file} is not a usable run spec: ${oneLine(error)}`, { cause: error });
  }
}

/** The spec a run folder follows: its run.json, or the one its checkpoint recorded. */
export async function savedSpec(dir: string, snapshot: Pick<TrainingSnapshot, 'trainer'>): Promise<RunSpec> {
  const fromFile = await readRunFile(dir);
  if (fromFile) return fromFile;
  const recorded = (await runApi()).specOfSnapshot(snapshot);
  if (!recorded) {
    throw new CliError(
      `${dir} has no ${RUN_FILE} and its checkpoint records no run spec (an older makemore wrote it); train it again to continue`,
    );
  }
  return recorded;
}
