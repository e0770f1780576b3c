import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from './generate';
import { MLP, type MLPConfig } from './mlp';
import {
  gradientCheck,
  maxAbsDiff,
  overfitBatch,
  randomTokens,
  tensorLeak,
  trainingLeak,
} from '../test/support/testing';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const windowConfig: MLPConfig = { type: 'mlp', vocabSize: 7, blockSize: 3, nEmbd: 4, nHidden: 10, seed: 1 };
const sequenceConfig: MLPConfig = {
  type: 'mlp',
  inputKind: 'sequence',
  vocabSize: 7,
  blockSize: 3,
  nEmbd: 4,
  nEmbd2: 10,
  seed: 2,
};

describe('MLP (lecture window variant)', () => {
  it('has the lecture shapes: C [27, 10], 200 hidden, logits [B, V]', () => {
    const model = new MLP({ type: 'mlp', vocabSize: 27, blockSize: 3 });
    const shapes = Object.fromEntries([...model.parameters()].map(([n, v]) => [n, v.shape]));
    expect(shapes).toEqual({
      'wte.weight': [27, 10],
      'mlp.0.weight': [200, 30],
      'mlp.0.bias': [200],
      'mlp.2.weight': [27, 200],
      'mlp.2.bias': [27],
    });
    // The lecture's parameter count: 27·10 + 30·200 + 200 + 200·27 + 27 = 11,897.
    expect(model.numParams()).toBe(11897);
    const y = tf.tidy(() => model.forward(tf.zeros([5, 3], 'int32')).shape);
    expect(y).toEqual([5, 27]);
    expect(() => model.forward(tf.zeros([5, 4], 'int32'))).toThrow(/expects idx \[B, 3\]/);
    model.dispose();
  });

  it('lecture init starts near the uniform loss ln(V)', () => {
    const idx = randomTokens([64, 3], 27, 8);
    const tgt = randomTokens([64], 27, 9);
    const lecture = new MLP({ type: 'mlp', vocabSize: 27, blockSize: 3, init: 'lecture' });
    const loss = tf.tidy(() => lecture.loss(idx, tgt).dataSync()[0]!);
    expect(Math.abs(loss - Math.log(27))).toBeLessThan(0.05);
    expect(() => new MLP({ type: 'mlp', vocabSize: 27, blockSize: 3, init: 'xavier' as 'lecture' })).toThrow(
      /init must be/,
    );
    lecture.dispose();
  });

  it('passes the gradient check, with and without BatchNorm', () => {
    for (const batchNorm of [false, true]) {
      const model = new MLP({ ...windowConfig, batchNorm });
      const idx = randomTokens([6, 3], 7, 1);
      const tgt = randomTokens([6], 7, 2);
      const result = gradientCheck(model, idx, tgt);
      expect(result.failures).toEqual([]);
      for (const n of result.names) expect(result.maxAnalytic[n]).toBeGreaterThan(1e-4);
      if (batchNorm) expect(result.names).toContain('mlp.1.weight');
      model.dispose();
    }
  });

  it('with BatchNorm: the first Linear has no bias, running stats are buffers, eval mode uses them', () => {
    const model = new MLP({ ...windowConfig, batchNorm: true });
    expect(model.parameters().has('mlp.0.bias')).toBe(false);
    expect([...model.buffers().keys()]).toEqual(['mlp.1.running_mean', 'mlp.1.running_var']);
    const idx = randomTokens([8, 3], 7, 3);
    tf.tidy(() => model.forward(idx)); // training mode: updates running stats
    expect(Array.from(model.buffers().get('mlp.1.running_mean')!.dataSync()).some((v) => v !== 0)).toBe(true);
    model.setTraining(false);
    // In eval mode each example is independent of the rest of the batch.
    const one = tf.tidy(() => model.forward(tf.slice(idx, [0, 0], [1, 3])).dataSync());
    const all = tf.tidy(() => model.forward(idx).dataSync());
    expect(maxAbsDiff(one, all.slice(0, 7))).toBeLessThan(1e-6);
    model.dispose();
  });

  it('overfits a batch and leaks nothing in training or generation', () => {
    const model = new MLP({ ...windowConfig, batchNorm: true });
    const idx = randomTokens([8, 3], 7, 4);
    const tgt = randomTokens([8], 7, 5);
    const { finalLoss } = overfitBatch(model, idx, tgt, { steps: 150, learningRate: 0.05 });
    expect(finalLoss).toBeLessThan(0.05);
    expect(trainingLeak(model, idx, tgt, 100)).toBe(0);
    expect(tensorLeak(() => generate(model, { maxNewTokens: 8, seed: 3 }))).toBe(0);
    model.dispose();
  });
});

describe('MLP (makemore.py sequence variant)', () => {
  it('uses makemore.py names and shapes, with the extra blank token row', () => {
    const model = new MLP({ type: 'mlp', inputKind: 'sequence', vocabSize: 27, blockSize: 16 });
    const shapes = Object.fromEntries([...model.parameters()].map(([n, v]) => [n, v.shape]));
    expect(shapes).toEqual({
      'wte.weight': [28, 64],
      'mlp.0.weight': [64, 16 * 64],
      'mlp.0.bias': [64],
      'mlp.2.weight': [27, 64],
      'mlp.2.bias': [27],
    });
    model.dispose();
  });

  it('reads tokens t, t-1, …, with the blank token before the start', () => {
    const model = new MLP(sequenceConfig);
    const wte = model.wte.weight.arraySync() as number[][];
    const w0 = model.mlp.at(0) as unknown as { weight: tf.Variable; bias: tf.Variable };
    const W = w0.weight.arraySync() as number[][];
    const b = w0.bias.arraySync() as number[];
    const W2 = (model.mlp.at(2) as unknown as { weight: tf.Variable }).weight.arraySync() as number[][];
    const b2 = (model.mlp.at(2) as unknown as { bias: tf.Variable }).bias.arraySync() as number[];
    const seq = [3, 5, 1, 6];
    const logits = tf.tidy(() =>
      model.forward(tf.tensor2d([seq], [1, 4], 'int32')).arraySync(),
    ) as number[][][];
    // Recompute position 1 by hand: context (newest first) = [5, 3, blank=7].
    const ctx = [5, 3, 7].flatMap((t) => wte[t] as number[]);
    const h = W.map((row, i) =>
      Math.tanh(row.reduce((s, w, j) => s + w * (ctx[j] as number), b[i] as number)),
    );
    const expected = W2.map((row, i) => row.reduce((s, w, j) => s + w * (h[j] as number), b2[i] as number));
    expect(maxAbsDiff(logits[0]?.[1] as number[], expected)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('passes the gradient check, overfits, ignores -1 targets, and leaks nothing', () => {
    const model = new MLP(sequenceConfig);
    const idx = randomTokens([3, 5], 7, 6);
    const tgtValues = randomTokens([3, 5], 7, 7).arraySync() as number[][];
    tgtValues[2]![4] = -1;
    const tgt = tf.tensor2d(tgtValues, [3, 5], 'int32');
    const result = gradientCheck(model, idx, tgt);
    expect(result.failures).toEqual([]);
    const { finalLoss } = overfitBatch(model, idx, tgt, { steps: 150, learningRate: 0.03 });
    expect(finalLoss).toBeLessThan(0.05);
    expect(trainingLeak(model, idx, tgt, 100)).toBe(0);
    expect(tensorLeak(() => generate(model, { maxNewTokens: 6, seed: 1 }))).toBe(0);
    model.dispose();
  });
});

describe('MLP hand-written backward pass', () => {
  const gradsOf = (model: MLP, idx: tf.Tensor, tgt: tf.Tensor, ignoreIndex?: number) => {
    const params = [...model.parameters().values()];
    const { value, grads } = tf.variableGrads(
      () => model.loss(idx, tgt, ignoreIndex === undefined ? {} : { ignoreIndex }),
      params,
    );
    const out = {
      loss: value.dataSync()[0] as number,
      grads: params.map((p) => Array.from(grads[p.name]?.dataSync() ?? [])),
    };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };

  it('gives autodiff’s loss and gradients, for windows and sequences, with ignored targets', () => {
    const cases = [
      { model: new MLP(windowConfig), idx: randomTokens([8, 3], 7, 11), tgt: randomTokens([8], 7, 12) },
      { model: new MLP(sequenceConfig), idx: randomTokens([3, 5], 7, 13), tgt: randomTokens([3, 5], 7, 14) },
    ];
    for (const { model, idx, tgt } of cases) {
      for (const ignoreIndex of [undefined, 2]) {
        model.crossEntropyMethod = 'fused'; // the hand-written op
        const fused = gradsOf(model, idx, tgt, ignoreIndex);
        model.crossEntropyMethod = 'one-hot'; // autodiff through every layer
        const auto = gradsOf(model, idx, tgt, ignoreIndex);
        expect(Math.abs(fused.loss - auto.loss)).toBeLessThan(1e-6);
        fused.grads.forEach((g, i) => {
          expect(g.length).toBeGreaterThan(0);
          expect(maxAbsDiff(g, auto.grads[i] as number[])).toBeLessThan(1e-6);
        });
      }
      model.dispose();
    }
  });
});
