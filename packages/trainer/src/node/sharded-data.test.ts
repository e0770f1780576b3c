import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareTokenShards } from '@makemore/datasets/node';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainingData } from '../data';
import { openTokenShards } from './sharded-data';

let root: string;
const text = Array.from({ length: 300 }, (_, i) => `row ${i} ${'xyz'.repeat(i % 4)}\n`).join('');
const chars = [...new Set(text)].sort();
const tokenizer = {
  vocabSize: chars.length,
  encode: (s: string) => [...s].map((c) => chars.indexOf(c)),
  decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => chars[i]).join(''),
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'trainer-shards-'));
  writeFileSync(join(root, 'corpus.txt'), text);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('openTokenShards', () => {
  it('draws the same batches as the in-memory stream when each split is one shard', async () => {
    const dir = join(root, 'one');
    const index = await prepareTokenShards({ input: join(root, 'corpus.txt'), outDir: dir, tokenizer });
    const cut = Buffer.from(text).subarray(0, index.split.atByte).toString('utf8').length;
    const memory = createTrainingData({
      kind: 'text',
      splits: {
        train: Int32Array.from(tokenizer.encode(text.slice(0, cut))),
        val: Int32Array.from(tokenizer.encode(text.slice(cut))),
      },
      inputKind: 'sequence',
      blockSize: 8,
    });
    const shards = openTokenShards(dir, { inputKind: 'sequence', blockSize: 8 });
    try {
      expect(shards.size('train')).toBe(memory.size('train'));
      expect(shards.size('val')).toBe(memory.size('val'));
      for (const split of ['train', 'val']) {
        const a = shards.batch(split, 5, new Rng(3));
        const b = memory.batch(split, 5, new Rng(3));
        expect(Array.from(a.x.dataSync())).toEqual(Array.from(b.x.dataSync()));
        expect(Array.from(a.y.dataSync())).toEqual(Array.from(b.y.dataSync()));
        tf.dispose([a.x, a.y, b.x, b.y]);
      }
      const all = [...shards.evalBatches('val', { batchSize: 4, iters: 'all' })];
      const want = [...memory.evalBatches('val', { batchSize: 4, iters: 'all' })];
      expect(all.map((b) => Array.from(b.y.dataSync()))).toEqual(want.map((b) => Array.from(b.y.dataSync())));
      tf.dispose(all.flatMap((b) => [b.x, b.y]).concat(want.flatMap((b) => [b.x, b.y])));
    } finally {
      shards.close();
    }
  });

  it('reads windows inside one shard file each, for window models too', async () => {
    const dir = join(root, 'many');
    const index = await prepareTokenShards({
      input: join(root, 'corpus.txt'),
      outDir: dir,
      tokenizer,
      shardTokens: 500,
      chunkBytes: 100,
    });
    expect(index.splits.train.length).toBeGreaterThan(3);
    const shards = openTokenShards(dir, { inputKind: 'window', blockSize: 6 });
    try {
      expect(shards.size('train')).toBe(index.splits.train.reduce((s, x) => s + x.tokens - 6, 0));
      const { x, y } = shards.batch('train', 64, new Rng(1));
      const xs = x.arraySync() as number[][];
      const ys = y.arraySync() as number[];
      // Each example is 7 consecutive ids of the text: the window and the id after it.
      for (const [i, row] of xs.entries())
        expect(text).toContain(tokenizer.decode([...row, ys[i] as number]));
      tf.dispose([x, y]);
    } finally {
      shards.close();
    }
  });
});
