import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigramCounts } from './bigram-counts';
import { createModel, isLanguageModel } from './create-model';
import { loadModel, saveModel } from './node';
import { parseSafetensors } from './safetensors';
import { maxAbsDiff, randomTokens } from '../test/support/testing';
import type { LanguageModel } from './types';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'models-node-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('saveModel / loadModel', () => {
  it('round-trips a transformer: config.json, PyTorch names in model.safetensors, identical logits', async () => {
    const model = createModel({
      type: 'transformer',
      vocabSize: 7,
      blockSize: 4,
      nLayer: 1,
      nEmbd: 8,
      nHead: 2,
    });
    const dir = join(root, 'gpt');
    await saveModel(model, dir, { metadata: { step: 10 }, tokenizer: { type: 'char', chars: 'abc' } });
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config).toEqual({
      model: model.config,
      tokenizer: { type: 'char', chars: 'abc' },
      step: 10,
    });
    const st = parseSafetensors(await readFile(join(dir, 'model.safetensors')));
    expect(Object.keys(st.tensors)).toEqual([...model.parameters().keys()]);
    expect(st.tensors['transformer.h.0.attn.c_attn.weight']?.shape).toEqual([24, 8]);
    const loaded = await loadModel(dir);
    expect(loaded.tokenizer).toEqual({ type: 'char', chars: 'abc' });
    expect(loaded.metadata).toEqual({ step: 10 });
    const lm = loaded.model as LanguageModel;
    const idx = randomTokens([2, 4], 7, 1);
    expect(
      maxAbsDiff(
        tf.tidy(() => model.forward(idx).dataSync()),
        tf.tidy(() => lm.forward(idx).dataSync()),
      ),
    ).toBe(0);
    model.dispose();
    lm.dispose();
  });

  it('replaces an existing folder atomically and leaves no temporary folders', async () => {
    const dir = join(root, 'replace');
    const a = createModel({ type: 'bigram-nn', vocabSize: 3, blockSize: 1, init: 'normal', seed: 1 });
    const b = createModel({ type: 'bigram-nn', vocabSize: 3, blockSize: 1, init: 'normal', seed: 2 });
    await saveModel(a, dir);
    await saveModel(b, dir);
    const loaded = (await loadModel(dir)).model as LanguageModel;
    expect(Array.from(loaded.parameters().get('logits')!.dataSync())).toEqual(
      Array.from(b.parameters().get('logits')!.dataSync()),
    );
    expect((await readdir(root)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    await saveModel(a, join(root, 'nested', 'deeper', 'model'));
    expect(await readdir(join(root, 'nested', 'deeper', 'model'))).toEqual([
      'config.json',
      'model.safetensors',
    ]);
    for (const m of [a, b, loaded]) m.dispose();
  });

  it('saves BigramCounts as I64 counts', async () => {
    const dir = join(root, 'bigram');
    const counts = createModel({ type: 'bigram', vocabSize: 3, blockSize: 1, smoothing: 0.5 }).fit([
      [0, 1, 2, 0],
    ]);
    await saveModel(counts, dir);
    const st = parseSafetensors(await readFile(join(dir, 'model.safetensors')));
    expect(st.tensors.counts?.dtype).toBe('I64');
    const loaded = await loadModel(dir);
    expect(isLanguageModel(loaded.model)).toBe(false);
    expect(loaded.model).toBeInstanceOf(BigramCounts);
    expect(Array.from((loaded.model as BigramCounts).counts)).toEqual(Array.from(counts.counts));
    expect((loaded.model as BigramCounts).smoothing).toBe(0.5);
  });

  it('names the file and the problem when loading fails', async () => {
    await expect(loadModel(join(root, 'missing'))).rejects.toThrow(/cannot read .*missing\/config\.json/);
    const dir = join(root, 'broken');
    const model = createModel({ type: 'mlp', vocabSize: 5, blockSize: 2, nEmbd: 2, nHidden: 3 });
    await saveModel(model, dir);
    await writeFile(
      join(dir, 'config.json'),
      '{"model": {"type": "mlp", "vocabSize": 5, "blockSize": 2, "nEmbd": 3}}',
    );
    await expect(loadModel(dir)).rejects.toThrow(
      /broken\/model\.safetensors: [\s\S]*wrong shape for "wte.weight": got \[5, 2\], expected \[5, 3\]/,
    );
    await writeFile(join(dir, 'config.json'), '{"model": {"type": "mlp"');
    await expect(loadModel(dir)).rejects.toThrow(/cannot read .*config\.json/);
    await writeFile(join(dir, 'config.json'), '{"step": 1}');
    await expect(loadModel(dir)).rejects.toThrow(/no "model" object/);
    await writeFile(join(dir, 'model.safetensors'), 'garbage');
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model: model.config }));
    await expect(loadModel(dir)).rejects.toThrow(/model\.safetensors: Invalid safetensors data/);
    await expect(saveModel(model, dir, { metadata: { model: 1 } })).rejects.toThrow(/reserved key "model"/);
    model.dispose();
  });
});

describe('createModel', () => {
  it('dispatches on type and explains unknown types', () => {
    const m = createModel({ type: 'mlp', vocabSize: 5, blockSize: 2, nEmbd: 2, nHidden: 3 });
    expect(isLanguageModel(m)).toBe(true);
    expect(m.inputKind).toBe('window');
    m.dispose();
    expect(() => createModel({ type: 'nope' as 'mlp', vocabSize: 5, blockSize: 2 })).toThrow(
      /unknown or unavailable model type "nope"; available: bigram, bigram-nn, mlp/,
    );
    expect(() => createModel(null as never)).toThrow(/must be an object/);
  });
});
