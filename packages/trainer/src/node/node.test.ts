import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charTokenizer, TinyModel, WORDS } from '../../test/tiny-model';
import { createTrainingData } from '../data';
import { AdamW } from '../optim/adam';
import { train } from '../train';
import { CheckpointError, Checkpointer } from './checkpointer';
import { MetricsWriter } from './metrics-writer';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'trainer-node-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const data = () =>
  createTrainingData({
    kind: 'words',
    splits: { train: WORDS.slice(0, 24), dev: WORDS.slice(24) },
    tokenizer: charTokenizer,
    inputKind: 'window',
    blockSize: 3,
  });
const tiny = (seed: number) => new TinyModel({ vocabSize: 27, blockSize: 3, inputKind: 'window', seed });

describe('Checkpointer', () => {
  it('round-trips a snapshot through best/ and last/ folders', async () => {
    const dir = join(root, 'roundtrip');
    const model = tiny(1);
    const run = train({
      model,
      data: data(),
      optimizer: new AdamW(model.parameters(), { lr: 1e-2 }),
      steps: 6,
      batchSize: 8,
      evalEvery: 3,
      checkpoint: new Checkpointer(dir),
      tokenizer: charTokenizer.toJSON(),
    });
    await run.result;
    expect((await readdir(dir)).sort()).toEqual(['best', 'last']);
    expect((await readdir(join(dir, 'last'))).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'optimizer.safetensors',
    ]);

    const loaded = await new Checkpointer(dir).load('last');
    expect(loaded.step).toBe(6);
    expect(loaded.model).toMatchObject({ type: 'mlp', vocabSize: 27, blockSize: 3 });
    expect(loaded.tokenizer).toEqual({ type: 'char', chars: '.abcdefghijklmnopqrstuvwxyz' });
    expect(loaded.trainer).toMatchObject({ steps: 6, batchSize: 8, seed: 42, evalEvery: 3 });
    expect(loaded.versions).toMatchObject({ '@makemore/trainer': '0.1.0', backend: 'cpu' });
    expect(loaded.optimizer.config.type).toBe('adamw');
    expect(loaded.optimizer.step).toBe(6);
    for (const [name, t] of Object.entries(model.stateDict())) {
      expect(Array.from(loaded.weights[name]!.dataSync())).toEqual(Array.from(t.dataSync()));
    }
    const state = new AdamW(model.parameters()).getState(); // empty: no steps taken
    expect(Object.keys(state.tensors)).toHaveLength(0);
    expect(Object.keys(loaded.optimizer.tensors).sort()).toEqual(
      [...model.parameters().keys()].flatMap((k) => [`exp_avg.${k}`, `exp_avg_sq.${k}`]).sort(),
    );
    const config = JSON.parse(await readFile(join(dir, 'last', 'config.json'), 'utf8'));
    expect(config).toMatchObject({ format: 'makemore-checkpoint', formatVersion: 1, step: 6 });
    expect(config.rngState).toHaveLength(4);
  });

  it('resumes from disk to the same loss curve as an uninterrupted run', async () => {
    const settings = { steps: 16, batchSize: 8, evalEvery: 4, seed: 3 };
    const a = tiny(5);
    const full: number[] = [];
    const runA = train({
      model: a,
      data: data(),
      optimizer: new AdamW(a.parameters(), { lr: 2e-2 }),
      ...settings,
    });
    runA.on('step', (e) => full.push(e.loss));
    await runA.result;

    const dir = join(root, 'resume');
    const b = tiny(5);
    const controller = new AbortController();
    const part: number[] = [];
    const runB = train({
      model: b,
      data: data(),
      optimizer: new AdamW(b.parameters(), { lr: 2e-2 }),
      checkpoint: new Checkpointer(dir),
      signal: controller.signal,
      ...settings,
    });
    runB.on('step', (e) => {
      part.push(e.loss);
      if (e.step === 9) controller.abort();
    });
    await runB.result;
    const snapshot = await new Checkpointer(dir).load('last');
    const c = tiny(77);
    const runC = train({
      model: c,
      data: data(),
      optimizer: new AdamW(c.parameters(), { lr: 2e-2 }),
      resume: snapshot,
      ...settings,
    });
    runC.on('step', (e) => part.push(e.loss));
    await runC.result;
    expect(part).toEqual(full);
  });

  it('recovers the previous checkpoint when a save died between its renames', async () => {
    const dir = join(root, 'recover');
    const model = tiny(2);
    await train({
      model,
      data: data(),
      optimizer: new AdamW(model.parameters()),
      steps: 2,
      batchSize: 4,
      checkpoint: new Checkpointer(dir),
    }).result;
    await rename(join(dir, 'last'), join(dir, '.last.old'));
    const ckpt = new Checkpointer(dir);
    expect(await ckpt.has('last')).toBe(true);
    expect((await ckpt.load('last')).step).toBe(2);
  });

  it('explains missing and corrupt checkpoints, naming the file', async () => {
    const dir = join(root, 'broken');
    await expect(new Checkpointer(dir).load('best')).rejects.toThrow(/no 'best' checkpoint in .*broken/);
    const model = tiny(3);
    await train({
      model,
      data: data(),
      optimizer: new AdamW(model.parameters()),
      steps: 1,
      batchSize: 4,
      checkpoint: new Checkpointer(dir),
    }).result;
    const ckpt = new Checkpointer(dir);
    await writeFile(join(dir, 'last', 'model.safetensors'), new Uint8Array([1, 2, 3]));
    await expect(ckpt.load('last')).rejects.toThrow(CheckpointError);
    await expect(ckpt.load('last')).rejects.toThrow(/last[/\\]model\.safetensors does not match the sha256/);
    // Without recorded digests (a hand-made folder) the parser reports the damage.
    const configPath = join(dir, 'last', 'config.json');
    const { files: _files, ...unchecked } = JSON.parse(await readFile(configPath, 'utf8'));
    await writeFile(configPath, JSON.stringify(unchecked));
    await expect(ckpt.load('last')).rejects.toThrow(/last[/\\]model\.safetensors is corrupt/);
    await writeFile(join(dir, 'best', 'config.json'), '{"model": {"type": "mlp"}}');
    await expect(ckpt.load('best')).rejects.toThrow(
      /best[/\\]config\.json is not a usable checkpoint[\s\S]*"step"/,
    );
    await writeFile(join(dir, 'best', 'config.json'), '{oops');
    await expect(ckpt.readConfig('best')).rejects.toThrow(/config\.json is not valid JSON/);
  });
});

describe('MetricsWriter', () => {
  it('writes one JSON line per step and per eval', async () => {
    const path = join(root, 'logs', 'metrics.jsonl');
    const model = tiny(4);
    const writer = new MetricsWriter(path);
    const run = train({
      model,
      data: data(),
      optimizer: new AdamW(model.parameters()),
      steps: 4,
      batchSize: 4,
      evalEvery: 2,
    });
    writer.attach(run);
    await run.result;
    await writer.close();
    const lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.type}@${l.step}`)).toEqual([
      'step@1',
      'step@2',
      'eval@2',
      'step@3',
      'step@4',
      'eval@4',
    ]);
    expect(Object.keys(lines[0]).sort()).toEqual([
      'elapsedMs',
      'gradNorm',
      'loss',
      'lr',
      'step',
      'tokensPerSec',
      'type',
    ]);
    expect(lines[0].lr).toBe(1e-3);
    expect(Object.keys(lines[2].losses)).toEqual(['train', 'dev']);
  });
});
