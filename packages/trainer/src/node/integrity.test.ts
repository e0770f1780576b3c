import '@tensorflow/tfjs-backend-cpu';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charTokenizer, TinyModel, WORDS } from '../../test/tiny-model';
import { createTrainingData } from '../data';
import { AdamW } from '../optim/adam';
import { train } from '../train';
import { CheckpointError, Checkpointer, sha256 } from './checkpointer';
import { MetricsWriteError, MetricsWriter, truncateMetrics } from './metrics-writer';
import { acquireRunLock, RUN_LOCK_FILE, RunLockedError } from './run-lock';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'trainer-integrity-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function trainedFolder(name: string, seed = 3): Promise<string> {
  const dir = join(root, name);
  const model = new TinyModel({ vocabSize: 27, blockSize: 3, inputKind: 'window', seed });
  const run = train({
    model,
    data: createTrainingData({
      kind: 'words',
      splits: { train: WORDS.slice(0, 24), dev: WORDS.slice(24) },
      tokenizer: charTokenizer,
      inputKind: 'window',
      blockSize: 3,
    }),
    optimizer: new AdamW(model.parameters(), { lr: 1e-2 }),
    steps: 4,
    batchSize: 8,
    evalEvery: 2,
    checkpoint: new Checkpointer(dir),
  });
  await run.result;
  model.dispose();
  return dir;
}

async function loadError(dir: string, slot: 'best' | 'last' = 'last'): Promise<Error> {
  try {
    const s = await new Checkpointer(dir).load(slot);
    tf.dispose([...Object.values(s.weights), ...Object.values(s.optimizer.tensors)]);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the load to fail');
}

describe('Checkpointer integrity', () => {
  it('records the sha256 and size of each tensor file in config.json', async () => {
    const dir = await trainedFolder('digests');
    const config = JSON.parse(await readFile(join(dir, 'last', 'config.json'), 'utf8'));
    for (const name of ['model.safetensors', 'optimizer.safetensors']) {
      const bytes = await readFile(join(dir, 'last', name));
      // node:crypto computed independently of the Checkpointer's helper.
      const { createHash } = await import('node:crypto');
      expect(config.files[name]).toEqual({
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes: bytes.byteLength,
      });
    }
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('refuses a flipped bit, a cut-short file and a file from another run, naming the file and the way out', async () => {
    const dir = await trainedFolder('tampered');
    const other = await trainedFolder('other', 4);
    const model = join(dir, 'last', 'model.safetensors');
    const good = await readFile(model);

    const flipped = Buffer.from(good);
    flipped[flipped.length - 3]! ^= 0x10;
    await writeFile(model, flipped);
    let error = await loadError(dir);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error.message).toContain(model);
    expect(error.message).toMatch(/does not match the sha256.*same size, different content/);
    expect(error.message).toMatch(/replaced it on purpose, delete its entry under "files"/);

    await writeFile(model, good.subarray(0, good.length - 8));
    error = await loadError(dir);
    expect(error.message).toMatch(new RegExp(`${good.length - 8} bytes, ${good.length} recorded`));

    // The other run has the same shapes but other values (another training, other optimizer moments).
    await writeFile(
      join(dir, 'last', 'optimizer.safetensors'),
      await readFile(join(other, 'last', 'optimizer.safetensors')),
    );
    await writeFile(model, good);
    error = await loadError(dir);
    expect(error.message).toContain(join(dir, 'last', 'optimizer.safetensors'));
  });

  it('loads a folder without recorded digests (hand-made or from PyTorch)', async () => {
    const dir = await trainedFolder('bare');
    const path = join(dir, 'last', 'config.json');
    const config = JSON.parse(await readFile(path, 'utf8'));
    delete config.files;
    await writeFile(path, JSON.stringify(config));
    const snapshot = await new Checkpointer(dir).load('last');
    expect(snapshot.step).toBe(4);
    expect('files' in snapshot).toBe(false);
    tf.dispose([...Object.values(snapshot.weights), ...Object.values(snapshot.optimizer.tensors)]);
  });

  it('refuses NaN weights naming the file and the tensor', async () => {
    const dir = await trainedFolder('nan');
    const path = join(dir, 'best', 'config.json');
    const config = JSON.parse(await readFile(path, 'utf8'));
    delete config.files;
    await writeFile(path, JSON.stringify(config));
    const { serializeSafetensors } = await import('@makemore/models');
    const snapshot = await new Checkpointer(dir).load('best');
    const poisoned = Object.fromEntries(
      Object.entries(snapshot.weights).map(([name, t]) => [name, tf.fill(t.shape, Number.NaN)]),
    );
    await writeFile(join(dir, 'best', 'model.safetensors'), serializeSafetensors(poisoned));
    const error = await loadError(dir, 'best');
    expect(error.message).toContain(join(dir, 'best', 'model.safetensors'));
    expect(error.message).toMatch(new RegExp(`tensor "${Object.keys(poisoned)[0]}" is NaN at element 0`));
    tf.dispose([...Object.values(snapshot.weights), ...Object.values(snapshot.optimizer.tensors)]);
    tf.dispose(Object.values(poisoned));
  });

  it('cleans the temp folders a killed save leaves, and a stale .old next to its slot', async () => {
    const dir = await trainedFolder('leftovers');
    await mkdir(join(dir, '.best.tmp-abc123'));
    await writeFile(join(dir, '.best.tmp-abc123', 'model.safetensors'), 'half');
    await mkdir(join(dir, '.last.tmp-x'));
    await mkdir(join(dir, '.last.old'));
    const removed = await new Checkpointer(dir).cleanStale();
    expect(removed.sort()).toEqual(['.best.tmp-abc123', '.last.old', '.last.tmp-x']);
    expect((await readdir(dir)).sort()).toEqual(['best', 'last']);
  });

  it('keeps .old when it is the only copy of its slot, and load says it used it', async () => {
    const dir = await trainedFolder('only-old');
    const { rename } = await import('node:fs/promises');
    await rename(join(dir, 'last'), join(dir, '.last.old'));
    const checkpointer = new Checkpointer(dir);
    expect(await checkpointer.cleanStale()).toEqual([]);
    const snapshot = await checkpointer.load('last');
    expect(checkpointer.loaded).toEqual({ slot: 'last', folder: join(dir, '.last.old') });
    tf.dispose([...Object.values(snapshot.weights), ...Object.values(snapshot.optimizer.tensors)]);
  });

  it('reports a failed save naming the folder and keeps the previous checkpoint', async () => {
    const dir = await trainedFolder('failed-save');
    const checkpointer = new Checkpointer(dir);
    const snapshot = await checkpointer.load('last');
    // A tensor the writer cannot serialise makes the save fail midway.
    const bad = { ...snapshot, weights: { ...snapshot.weights, s: tf.tensor(['x']) } };
    await expect(checkpointer.save(bad, 'last')).rejects.toThrow(
      /cannot save the 'last' checkpoint in .*is kept/,
    );
    expect((await readdir(dir)).sort()).toEqual(['best', 'last']);
    const again = await checkpointer.load('last');
    expect(again.step).toBe(4);
    tf.dispose([...Object.values(bad.weights), ...Object.values(snapshot.optimizer.tensors)]);
    tf.dispose([...Object.values(again.weights), ...Object.values(again.optimizer.tensors)]);
  });
});

describe('MetricsWriter failures', () => {
  it('turns a write error into a MetricsWriteError naming the file instead of crashing', async () => {
    // A folder where the log file should be: opening it for append fails with EISDIR, even as root.
    const path = join(root, 'metrics-is-dir.jsonl');
    await mkdir(path);
    const writer = new MetricsWriter(path);
    writer.write({ type: 'step', step: 1, loss: 1 } as never);
    const error = await writer.close().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MetricsWriteError);
    expect((error as MetricsWriteError).message).toContain(path);
    expect((error as MetricsWriteError).code).toBe('EISDIR');
    expect(writer.failure).toBe(error);
    writer.write({ type: 'step', step: 2, loss: 1 } as never);
  });

  it('refuses a log whose folder cannot be created, with a typed error', () => {
    const file = join(root, 'plain-file');
    return writeFile(file, 'x').then(() => {
      expect(() => new MetricsWriter(join(file, 'metrics.jsonl'))).toThrow(MetricsWriteError);
    });
  });
});

describe('truncateMetrics', () => {
  it('cuts the log back to a step and drops a half-written last line', async () => {
    const path = join(root, 'truncate.jsonl');
    const lines = [
      { type: 'step', step: 1 },
      { type: 'step', step: 2 },
      { type: 'eval', step: 2 },
      { type: 'step', step: 3 },
      { type: 'step', step: 4 },
    ].map((r) => JSON.stringify(r));
    await writeFile(path, `${lines.join('\n')}\n{"type":"step","st`);
    expect(await truncateMetrics(path, 2)).toEqual({ kept: 3, removed: 2, broken: 1 });
    expect(await readFile(path, 'utf8')).toBe(`${lines.slice(0, 3).join('\n')}\n`);
    expect(await truncateMetrics(path, 2)).toEqual({ kept: 3, removed: 0, broken: 0 });
    expect(await truncateMetrics(join(root, 'missing.jsonl'), 2)).toEqual({ kept: 0, removed: 0, broken: 0 });
  });
});

describe('acquireRunLock', () => {
  it('refuses a second holder naming the process, and frees the folder on release', async () => {
    const dir = join(root, 'locked');
    const first = await acquireRunLock(dir, { command: 'makemore train --out x' });
    expect(first.tookOver).toBeNull();
    const error = await acquireRunLock(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunLockedError);
    expect((error as Error).message).toContain(`process ${process.pid} on ${hostname()}`);
    expect((error as Error).message).toContain('makemore train --out x');
    first.release();
    const second = await acquireRunLock(dir);
    second.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over the lock of a dead process', async () => {
    const dir = join(root, 'stale');
    await mkdir(dir, { recursive: true });
    // A pid that just exited: a child process, waited for.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    const stale = { pid: deadPid, host: hostname(), startedAt: 'then', command: 'killed', token: 't' };
    await writeFile(join(dir, RUN_LOCK_FILE), JSON.stringify(stale));
    const lock = await acquireRunLock(dir);
    expect(lock.tookOver).toMatchObject({ pid: deadPid, command: 'killed' });
    expect(JSON.parse(await readFile(join(dir, RUN_LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('does not take over a lock held on another host', async () => {
    const dir = join(root, 'remote');
    await mkdir(dir, { recursive: true });
    const remote = {
      pid: 1,
      host: `${hostname()}-elsewhere`,
      startedAt: 'now',
      command: 'train',
      token: 't',
    };
    await writeFile(join(dir, RUN_LOCK_FILE), JSON.stringify(remote));
    await expect(acquireRunLock(dir)).rejects.toThrow(/in use by process 1 on .*-elsewhere.*delete/);
  });
});
