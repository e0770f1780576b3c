import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { charTokenizer, TinyModel, WORDS } from '../test/tiny-model';
import { clipGradNorm, globalNorm } from './clip';
import { createTrainingData } from './data';
import { estimateLoss } from './estimate-loss';
import { findLearningRate } from './lr-finder';
import { Adam } from './optim/adam';
import { SGD } from './optim/sgd';
import { trainStep } from './train-step';
import { Rng } from '@makemore/random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const windowData = () =>
  createTrainingData({
    kind: 'words',
    splits: { train: WORDS.slice(0, 24), dev: WORDS.slice(24, 27), test: WORDS.slice(27) },
    tokenizer: charTokenizer,
    inputKind: 'window',
    blockSize: 3,
  });

describe('clipGradNorm', () => {
  it('scales gradients to the max norm and reports the norm before clipping', () => {
    const grads = new Map([
      ['a', tf.tensor([3, 0])],
      ['b', tf.tensor([[0, 4]])],
    ]);
    const { grads: clipped, norm } = clipGradNorm(grads, 1);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 6);
    expect(Array.from(clipped.get('a')!.dataSync())).toEqual([expect.closeTo(0.6, 6), 0]);
    expect(globalNorm(clipped).dataSync()[0]).toBeCloseTo(1, 5);
    const untouched = clipGradNorm(grads, 10).grads;
    expect(Array.from(untouched.get('b')!.dataSync())).toEqual([0, expect.closeTo(4, 5)]);
    expect(() => clipGradNorm(grads, 0)).toThrow(/maxNorm/);
  });
});

describe('trainStep', () => {
  it('returns loss and grad norm, lowers the loss, and leaks no tensors', async () => {
    const model = new TinyModel({ vocabSize: 27, blockSize: 3, inputKind: 'window' });
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const data = windowData();
    const batch = data.batch('train', 64, new Rng(0));
    const first = await trainStep(model, opt, batch); // creates the optimizer's buffers
    expect(first.loss).toBeGreaterThan(3);
    expect(first.gradNorm).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 30; i++) last = await trainStep(model, opt, batch, { gradClip: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(last.loss).toBeLessThan(first.loss - 0.5);
    tf.dispose([batch.x, batch.y]);
  });
});

describe('estimateLoss', () => {
  it('gives the exact mean over a split with iters = all, in eval mode', async () => {
    const model = new TinyModel({ vocabSize: 27, blockSize: 3, inputKind: 'window' });
    const data = windowData();
    const losses = await estimateLoss(model, data, { batchSize: 7 });
    expect(Object.keys(losses)).toEqual(['train', 'dev', 'test']);
    // Reference: the loss over the whole dev split in one batch.
    model.setTraining(false);
    const [all] = [...data.evalBatches('dev', { batchSize: 10_000, iters: 'all' })];
    const ref = model.loss(all!.x, all!.y).dataSync()[0]!;
    expect(losses.dev).toBeCloseTo(ref, 5);
    model.setTraining(true);
    const buffer = model.buffers().get('running_mean')!.dataSync().slice();
    await estimateLoss(model, data, { splits: ['dev'], iters: 3, batchSize: 4 });
    expect(model.training).toBe(true);
    // Eval mode: the running statistic is not updated.
    expect(model.buffers().get('running_mean')!.dataSync()).toEqual(buffer);
  });
});

describe('findLearningRate', () => {
  it('sweeps exponentially spaced rates and suggests one inside the valley', async () => {
    const model = new TinyModel({ vocabSize: 27, blockSize: 3, inputKind: 'window', nHidden: 32 });
    const data = windowData();
    const before = model.parameters().get('fc.weight')!.dataSync().slice();
    const result = await findLearningRate({ model, data, steps: 120, minLr: 1e-3, maxLr: 10, batchSize: 32 });
    expect(result.lrs[0]).toBeCloseTo(1e-3, 12);
    // Exponential spacing: equal ratios between neighbours.
    const r1 = result.lrs[1]! / result.lrs[0]!;
    const r2 = result.lrs[60]! / result.lrs[59]!;
    expect(r2).toBeCloseTo(r1, 9);
    // The loss must fall well below its starting value before the suggested rate.
    const i = result.lrs.indexOf(result.suggested);
    expect(result.smoothed[i]!).toBeLessThan(result.smoothed[0]! - 0.3);
    expect(result.suggested).toBeGreaterThan(1e-2);
    expect(result.suggested).toBeLessThan(10);
    // Weights are restored after the sweep.
    expect(model.parameters().get('fc.weight')!.dataSync()).toEqual(before);
  });

  it('stops when the loss diverges', async () => {
    const model = new TinyModel({ vocabSize: 27, blockSize: 3, inputKind: 'window' });
    const result = await findLearningRate({
      model,
      data: windowData(),
      steps: 200,
      minLr: 1e-2,
      maxLr: 1e4,
      optimizer: (p) => new SGD(p),
    });
    expect(result.lrs.length).toBeLessThan(200);
  });
});
