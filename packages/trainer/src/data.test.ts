import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { charTokenizer } from '../test/tiny-model';
import { createTrainingData } from './data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dataDir = process.env.MAKEMORE_DATA_DIR as string;

describe('words data for window models', () => {
  it("builds the lecture's context windows for 'emma'", () => {
    const data = createTrainingData({
      kind: 'words',
      splits: { train: ['emma'], dev: ['ava'] },
      tokenizer: charTokenizer,
      inputKind: 'window',
      blockSize: 3,
    });
    expect(data.size('train')).toBe(5);
    expect(data.evalSplit).toBe('dev');
    const [batch] = [...data.evalBatches('train', { batchSize: 100, iters: 'all' })];
    // ... → e, ..e → m, .em → m, emm → a, mma → .
    expect(batch!.x.arraySync()).toEqual([
      [0, 0, 0],
      [0, 0, 5],
      [0, 5, 13],
      [5, 13, 13],
      [13, 13, 1],
    ]);
    expect(batch!.y.arraySync()).toEqual([5, 13, 13, 1, 0]);
    expect(batch!.count).toBe(5);
    expect(batch!.x.dtype).toBe('int32');
  });

  it('gives 228,146 examples for all of names.txt at block 3', () => {
    const words = readFileSync(join(dataDir, 'names.txt'), 'utf8').split('\n').filter(Boolean);
    const data = createTrainingData({
      kind: 'words',
      splits: { train: words },
      tokenizer: charTokenizer,
      inputKind: 'window',
      blockSize: 3,
    });
    expect(data.size('train')).toBe(228_146);
  });

  it('draws batches from the rng alone', () => {
    const data = createTrainingData({
      kind: 'words',
      splits: { train: ['emma', 'olivia', 'ava'], dev: ['mia'] },
      tokenizer: charTokenizer,
      inputKind: 'window',
      blockSize: 2,
    });
    const a = data.batch('train', 8, new Rng(3));
    const b = data.batch('train', 8, new Rng(3));
    expect(a.x.shape).toEqual([8, 2]);
    expect(a.y.shape).toEqual([8]);
    expect(a.x.arraySync()).toEqual(b.x.arraySync());
    tf.dispose([a.x, a.y, b.x, b.y]);
    expect(() => data.batch('test', 8, new Rng(1))).toThrow(
      /unknown split 'test'; the splits are: train, dev/,
    );
    expect(() => data.batch('train', 0, new Rng(1))).toThrow(/batchSize/);
  });
});

describe('words data for sequence models', () => {
  it('pads rows as makemore.py: x = [0, w…], y = [w…, 0, −1…]', () => {
    const data = createTrainingData({
      kind: 'words',
      splits: { train: ['ab', 'c'], dev: ['a'], test: ['b'] },
      tokenizer: charTokenizer,
      inputKind: 'sequence',
      blockSize: 4,
    });
    const [batch] = [...data.evalBatches('train', { batchSize: 10, iters: 'all' })];
    expect(batch!.x.arraySync()).toEqual([
      [0, 1, 2, 0],
      [0, 3, 0, 0],
    ]);
    expect(batch!.y.arraySync()).toEqual([
      [1, 2, 0, -1],
      [3, 0, -1, -1],
    ]);
    expect(batch!.count).toBe(5);
    expect(data.splits).toEqual(['train', 'dev', 'test']);
  });

  it('names the word that does not fit the block', () => {
    expect(() =>
      createTrainingData({
        kind: 'words',
        splits: { train: ['isabella'] },
        tokenizer: charTokenizer,
        inputKind: 'sequence',
        blockSize: 5,
      }),
    ).toThrow(/word "isabella" has 8 tokens.*use blockSize >= 9/);
  });
});

describe('words data from one list', () => {
  it('splits 80/10/10 with a seed, reproducibly', () => {
    const words = Array.from({ length: 50 }, (_, i) => 'abcdefghij'.slice(0, 1 + (i % 10)));
    const make = (seed: number) =>
      createTrainingData({
        kind: 'words',
        words,
        seed,
        tokenizer: charTokenizer,
        inputKind: 'sequence',
        blockSize: 11,
      });
    const a = make(1);
    expect(a.splits).toEqual(['train', 'dev', 'test']);
    expect(a.describe()).toMatchObject({ words: { train: 40, dev: 5, test: 5 }, splitSeed: 1 });
    const rows = (d: ReturnType<typeof make>) =>
      [...d.evalBatches('dev', { batchSize: 99, iters: 'all' })][0]!.x.arraySync();
    expect(rows(make(1))).toEqual(rows(a));
    expect(rows(make(2))).not.toEqual(rows(a));
  });
});

describe('text data', () => {
  const tokens = Array.from({ length: 100 }, (_, i) => i);

  it('splits 90/10 and shifts targets by one for sequence models', () => {
    const data = createTrainingData({ kind: 'text', tokens, blockSize: 4 });
    expect(data.splits).toEqual(['train', 'val']);
    expect(data.evalSplit).toBe('val');
    const b = data.batch('train', 5, new Rng(1));
    const x = b.x.arraySync() as number[][];
    const y = b.y.arraySync() as number[][];
    for (let i = 0; i < 5; i++) {
      expect(y[i]).toEqual(x[i]!.map((v) => v + 1));
      expect(x[i]![3]! + 1).toBeLessThan(90);
    }
    const [first] = [...data.evalBatches('val', { batchSize: 2, iters: 'all' })];
    expect(first!.x.arraySync()).toEqual([
      [90, 91, 92, 93],
      [94, 95, 96, 97],
    ]);
  });

  it('gives window models the token after the window', () => {
    const data = createTrainingData({ kind: 'text', tokens, blockSize: 3, inputKind: 'window' });
    const b = data.batch('train', 4, new Rng(2));
    const x = b.x.arraySync() as number[][];
    expect(b.y.arraySync()).toEqual(x.map((row) => row[2]! + 1));
  });

  it('rejects a split shorter than a block', () => {
    expect(() => createTrainingData({ kind: 'text', tokens, blockSize: 10, split: 0.95 })).toThrow(
      /split 'val' has 5 tokens; it needs more than blockSize \(10\)/,
    );
    expect(() => createTrainingData({ kind: 'text', tokens, blockSize: 0 })).toThrow(/blockSize/);
  });
});
