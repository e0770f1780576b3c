import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BigramCounts } from './bigram-counts';
import { BigramNN } from './bigram-nn';
import {
  generate,
  generateStream,
  generateStreamAsync,
  nextTokenLogits,
  samplingProbabilities,
} from './generate';
import { MLP } from './mlp';
import { Transformer } from './transformer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('samplingProbabilities', () => {
  it('applies temperature and top-k, and temperature 0 is argmax', () => {
    const logits = [Math.log(1), Math.log(2), Math.log(4), Math.log(1)];
    expect(Array.from(samplingProbabilities(logits))).toEqual(
      [1 / 8, 2 / 8, 4 / 8, 1 / 8].map((p) => expect.closeTo(p, 12)),
    );
    const hot = samplingProbabilities(logits, 0.5); // squares the odds: 1, 4, 16, 1
    expect(hot[2]).toBeCloseTo(16 / 22, 12);
    const top2 = samplingProbabilities(logits, 1, 2);
    expect(Array.from(top2)).toEqual([0, expect.closeTo(1 / 3, 12), expect.closeTo(2 / 3, 12), 0]);
    expect(Array.from(samplingProbabilities(logits, 0))).toEqual([0, 0, 1, 0]);
    expect(() => samplingProbabilities(logits, -1)).toThrow(/temperature/);
  });
});

describe('generate', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const model = new Transformer({
      type: 'transformer',
      vocabSize: 6,
      blockSize: 4,
      nLayer: 1,
      nEmbd: 8,
      nHead: 2,
    });
    const a = generate(model, { maxNewTokens: 12, seed: 5 });
    expect(generate(model, { maxNewTokens: 12, seed: 5 })).toEqual(a);
    expect(generate(model, { maxNewTokens: 12, seed: 6 })).not.toEqual(a);
    expect([...generateStream(model, { maxNewTokens: 12, seed: 5 })]).toEqual(a);
    model.dispose();
  });

  it('crops the context to blockSize: a long context gives the same next-token logits as its tail', () => {
    const model = new Transformer({
      type: 'transformer',
      vocabSize: 6,
      blockSize: 3,
      nLayer: 1,
      nEmbd: 8,
      nHead: 2,
    });
    const long = nextTokenLogits(model, [1, 2, 3, 4, 5, 1, 2]);
    const tail = nextTokenLogits(model, [5, 1, 2]);
    expect(Array.from(long)).toEqual(Array.from(tail));
    model.dispose();
  });

  it('left-pads window models with token 0', () => {
    const model = new MLP({ type: 'mlp', vocabSize: 6, blockSize: 3, nEmbd: 2, nHidden: 4 });
    expect(Array.from(nextTokenLogits(model, [4]))).toEqual(Array.from(nextTokenLogits(model, [0, 0, 4])));
    model.dispose();
  });

  it('stops at stopToken without emitting it, and topK 1 equals greedy decoding', () => {
    const model = new BigramNN({ type: 'bigram-nn', vocabSize: 4, blockSize: 1, init: 'normal', seed: 2 });
    const greedy = generate(model, { maxNewTokens: 6, temperature: 0 });
    expect(generate(model, { maxNewTokens: 6, topK: 1, seed: 99 })).toEqual(greedy);
    // A table where 0 → 2 → 3 → 0 deterministically.
    const counts = new BigramCounts({ vocabSize: 4, smoothing: 0 }).fit([[0, 2, 3, 0]]);
    expect(generate(counts, { stopToken: 0, maxNewTokens: 10 })).toEqual([2, 3]);
    expect(generate(counts, { maxNewTokens: 4 })).toEqual([2, 3, 0, 2]);
    model.dispose();
  });

  it('restores training mode and validates options', async () => {
    const model = new MLP({ type: 'mlp', vocabSize: 5, blockSize: 2, nEmbd: 2, nHidden: 4, batchNorm: true });
    expect(model.training).toBe(true);
    generate(model, { maxNewTokens: 3 }); // BatchNorm on one example works: inference mode is used
    expect(model.training).toBe(true);
    const streamed: number[] = [];
    for await (const t of generateStreamAsync(model, { maxNewTokens: 5, seed: 3 })) streamed.push(t);
    expect(streamed).toEqual(generate(model, { maxNewTokens: 5, seed: 3 }));
    expect(() => generate(model, { context: [9] })).toThrow(/outside the vocabulary \[0, 5\)/);
    expect(() => generate(model, { maxNewTokens: -1 })).toThrow(/maxNewTokens/);
    model.dispose();
  });
});
