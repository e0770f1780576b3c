import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BigramCounts } from './bigram-counts';
import { BigramNN } from './bigram-nn';
import { generate } from './generate';
import {
  gradientCheck,
  maxAbsDiff,
  overfitBatch,
  randomTokens,
  tensorLeak,
  trainingLeak,
} from '../test/support/testing';
import { encodedNames } from '../test/support/names';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('BigramNN', () => {
  it('has makemore.py’s single parameter "logits" [V, V], zero-initialised by default', () => {
    const model = new BigramNN({ type: 'bigram-nn', vocabSize: 5, blockSize: 1 });
    expect([...model.parameters().keys()]).toEqual(['logits']);
    expect(model.numParams()).toBe(25);
    expect(Array.from(model.logits.dataSync()).every((v) => v === 0)).toBe(true);
    model.dispose();
  });

  it('one-hot and embedding encodings compute the same logits (row lookup)', () => {
    const a = new BigramNN({ type: 'bigram-nn', vocabSize: 6, blockSize: 3, init: 'normal', seed: 1 });
    const b = new BigramNN({
      type: 'bigram-nn',
      vocabSize: 6,
      blockSize: 3,
      init: 'normal',
      seed: 1,
      encoding: 'embedding',
    });
    const idx = randomTokens([2, 3], 6, 3);
    const ya = tf.tidy(() => a.forward(idx).arraySync()) as number[][][];
    const yb = tf.tidy(() => b.forward(idx).dataSync());
    const W = a.logits.arraySync() as number[][];
    const ids = idx.arraySync() as number[][];
    expect(ya[1]?.[2]).toEqual(W[ids[1]![2]!]);
    expect(maxAbsDiff(tf.tensor(ya).dataSync(), yb)).toBe(0);
    a.dispose();
    b.dispose();
  });

  it('passes the gradient check with and without the L2 penalty; the penalty adds l2·mean(W²)', () => {
    for (const l2 of [0, 0.1]) {
      const model = new BigramNN({
        type: 'bigram-nn',
        vocabSize: 5,
        blockSize: 4,
        init: 'normal',
        seed: 2,
        l2,
      });
      const idx = randomTokens([3, 4], 5, 1);
      const tgt = randomTokens([3, 4], 5, 2);
      const result = gradientCheck(model, idx, tgt);
      expect(result.failures).toEqual([]);
      expect(result.maxAnalytic.logits).toBeGreaterThan(1e-3);
      model.dispose();
    }
    const plain = new BigramNN({ type: 'bigram-nn', vocabSize: 4, blockSize: 1, init: 'normal', seed: 3 });
    const reg = new BigramNN({
      type: 'bigram-nn',
      vocabSize: 4,
      blockSize: 1,
      init: 'normal',
      seed: 3,
      l2: 0.5,
    });
    const idx = tf.tensor2d([[1], [2]], [2, 1], 'int32');
    const tgt = tf.tensor2d([[0], [3]], [2, 1], 'int32');
    const w = Array.from(plain.logits.dataSync());
    const meanSq = w.reduce((s, v) => s + v * v, 0) / w.length;
    const lp = tf.tidy(() => plain.loss(idx, tgt).dataSync()[0]!);
    const lr = tf.tidy(() => reg.loss(idx, tgt).dataSync()[0]!);
    expect(lr - lp).toBeCloseTo(0.5 * meanSq, 5);
    plain.dispose();
    reg.dispose();
  });

  it('overfits a batch, leaks nothing in training or generation', () => {
    const model = new BigramNN({ type: 'bigram-nn', vocabSize: 7, blockSize: 4 });
    const idx = randomTokens([2, 4], 7, 4);
    const tgt = tf.tidy(() => tf.mod(tf.add(idx, tf.scalar(2, 'int32')), tf.scalar(7, 'int32')));
    const { finalLoss } = overfitBatch(model, idx, tgt, { steps: 100, learningRate: 0.5 });
    expect(finalLoss).toBeLessThan(0.05);
    expect(trainingLeak(model, idx, tgt, 100)).toBe(0);
    expect(tensorLeak(() => generate(model, { maxNewTokens: 10, seed: 1 }))).toBe(0);
    model.dispose();
  });

  it('on names.txt: the count table loaded as logits reproduces BigramCounts’ NLL ≈ 2.454', () => {
    // Closed-form fit: the optimum of the (lightly regularised) BigramNN is log P from the smoothed counts.
    const names = encodedNames();
    const counts = new BigramCounts({ vocabSize: 27, smoothing: 1 }).fit(names);
    const model = new BigramNN({ type: 'bigram-nn', vocabSize: 27, blockSize: 1, encoding: 'embedding' });
    const logP = tf.tensor2d(Float32Array.from(counts.probabilities(), Math.log), [27, 27]);
    model.loadStateDict({ logits: logP });
    const countNll = counts.nll(names);
    expect(countNll).toBeGreaterThan(2.45);
    expect(countNll).toBeLessThan(2.46);
    // The tfjs loss on a 3000-name slice (kept small for speed) equals the table's NLL on that slice.
    const slice = names.slice(0, 3000);
    const { xs, ys } = pairs(slice);
    const idx = tf.tensor2d(xs, [1, xs.length], 'int32');
    const tgt = tf.tensor2d(ys, [1, ys.length], 'int32');
    const nnNll = tf.tidy(() => model.loss(idx, tgt).dataSync()[0]!);
    expect(Math.abs(nnNll - counts.nll(slice))).toBeLessThan(1e-4);
    tf.dispose([logP, idx, tgt]);
    model.dispose();
  });

  it('trained by gradient descent, approaches the count table’s maximum-likelihood NLL from above', () => {
    const names = encodedNames().slice(0, 250);
    const mle = new BigramCounts({ vocabSize: 27, smoothing: 0 }).fit(names).nll(names);
    const { xs, ys } = pairs(names);
    const model = new BigramNN({ type: 'bigram-nn', vocabSize: 27, blockSize: 1 });
    const idx = tf.tensor2d(xs, [1, xs.length], 'int32');
    const tgt = tf.tensor2d(ys, [1, ys.length], 'int32');
    const { initialLoss, finalLoss } = overfitBatch(model, idx, tgt, { steps: 40, learningRate: 0.5 });
    expect(initialLoss).toBeCloseTo(Math.log(27), 4);
    expect(finalLoss).toBeGreaterThanOrEqual(mle - 1e-3); // nothing beats the MLE on its own data
    expect(finalLoss - mle).toBeLessThan(0.08);
    tf.dispose([idx, tgt]);
    model.dispose();
  });
});

function pairs(names: number[][]): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const n of names) {
    for (let i = 0; i + 1 < n.length; i++) {
      xs.push(n[i]!);
      ys.push(n[i + 1]!);
    }
  }
  return { xs, ys };
}
