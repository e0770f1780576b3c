// Helpers for the fault-injection suite: spawn the built CLI with a handle on the child (to kill -9
// it at a chosen moment), a seeded random generator for those moments, and checks that a folder's
// checkpoints are whole.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spawned } from '../helpers';

// Spawning the CLI is helpers.ts' spawnCli, shared with the end-to-end tests.
export { type Spawned, spawnCli } from '../helpers';

/** Resolves once `predicate(stdout)` holds (checked on every chunk), or rejects when the process ends first. */
export function waitForOutput(spawned: Spawned, predicate: (stdout: string) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (predicate(spawned.stdout())) return resolve();
    const onData = () => {
      if (predicate(spawned.stdout())) {
        spawned.child.stdout!.off('data', onData);
        resolve();
      }
    };
    spawned.child.stdout!.on('data', onData);
    spawned.done.then((r) =>
      reject(
        new Error(
          `process ended (code ${r.code}) before the expected output:\n${r.stdout.slice(-500)}\n${r.stderr}`,
        ),
      ),
    );
  });
}

/** mulberry32: a small seeded generator, so the kill moments are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Names in a run folder that a finished or interrupted save must not leave (temp folders). */
export function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => /\.tmp-/.test(name));
}

/**
 * Checks every present slot the way a reader independent of the Checkpointer would: config.json parses,
 * each tensor file's sha256 and size match what config.json records, and each file parses as
 * safetensors. Returns the step of each slot; throws naming the file on any damage.
 */
export async function loadSlots(dir: string): Promise<Record<string, number>> {
  const { parseSafetensors } = await import('@makemore/models');
  const steps: Record<string, number> = {};
  const names = readdirSync(dir);
  for (const slot of ['best', 'last'] as const) {
    const folder = names.includes(slot) ? slot : names.includes(`.${slot}.old`) ? `.${slot}.old` : null;
    if (!folder) continue;
    const config = JSON.parse(readFileSync(join(dir, folder, 'config.json'), 'utf8')) as {
      step: number;
      files: Record<string, { sha256: string; bytes: number }>;
    };
    for (const file of ['model.safetensors', 'optimizer.safetensors']) {
      const bytes = readFileSync(join(dir, folder, file));
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (digest !== config.files[file]?.sha256 || bytes.length !== config.files[file]?.bytes) {
        throw new Error(`${join(dir, folder, file)} does not match its recorded sha256`);
      }
      parseSafetensors(new Uint8Array(bytes));
    }
    steps[slot] = config.step;
  }
  return steps;
}

/** The step numbers of the `step` lines of a metrics log. */
export function metricSteps(dir: string, read: (path: string) => string): number[] {
  return read(join(dir, 'metrics.jsonl'))
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { type?: string; step?: number })
    .filter((r) => r.type === 'step')
    .map((r) => r.step as number);
}
