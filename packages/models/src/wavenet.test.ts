import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { learnableBatch, sequenceModelSuite } from '../test/support/sequence-suite';
import { sequenceModelFactories } from './sequence-models';
import { WaveNet } from './wavenet';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = { type: 'wavenet' as const, vocabSize: 6, blockSize: 4, nEmbd: 3, nHidden: 5, seed: 5 };

sequenceModelSuite('wavenet', {
  make: () => new WaveNet(tiny),
  makeFit: () => new WaveNet({ ...tiny, nEmbd: 8, nHidden: 24 }),
  gradBatch: learnableBatch('window', 4, 4, 6, 1),
  fitBatch: learnableBatch('window', 8, 4, 6, 2),
  fitSteps: 30,
  fitLearningRate: 0.1,
});

describe('WaveNet', () => {
  it("has the lecture's 76,579 parameters and the documented names", () => {
    const model = sequenceModelFactories.wavenet!({ type: 'wavenet', vocabSize: 27, blockSize: 8 });
    expect(model.numParams()).toBe(76579);
    expect(model.inputKind).toBe('window');
    expect(model.config).toMatchObject({ nEmbd: 24, nHidden: 128, batchNorm: true });
    const shapes = Object.fromEntries([...model.parameters()].map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      'wte.weight': [27, 24],
      'h.0.fc.weight': [128, 48],
      'h.0.bn.weight': [128],
      'h.0.bn.bias': [128],
      'h.1.fc.weight': [128, 256],
      'h.1.bn.weight': [128],
      'h.1.bn.bias': [128],
      'h.2.fc.weight': [128, 256],
      'h.2.bn.weight': [128],
      'h.2.bn.bias': [128],
      'lm_head.weight': [27, 128],
      'lm_head.bias': [27],
    });
    expect([...model.buffers().keys()]).toEqual([
      'h.0.bn.running_mean',
      'h.0.bn.running_var',
      'h.1.bn.running_mean',
      'h.1.bn.running_var',
      'h.2.bn.running_mean',
      'h.2.bn.running_var',
    ]);
    model.dispose();
  });

  it('starts near uniform predictions (loss ≈ ln V), as the lecture initialises it', () => {
    const model = new WaveNet({ type: 'wavenet', vocabSize: 27, blockSize: 8 });
    const batch = learnableBatch('window', 32, 8, 27, 4);
    const idx = tf.tensor(batch.idx, batch.idxShape, 'int32');
    const targets = tf.tensor(batch.targets, batch.targetShape, 'int32');
    const loss = tf.tidy(() => model.loss(idx, targets).dataSync()[0] as number);
    expect(Math.abs(loss - Math.log(27))).toBeLessThan(0.15);
    tf.dispose([idx, targets]);
    model.dispose();
  });

  it('fuses neighbours: the first level sees pairs (0,1), (2,3), ..., so swapping within a pair matters', () => {
    const model = new WaveNet(tiny);
    model.setTraining(false);
    const run = (row: number[]) =>
      tf.tidy(() => Array.from(model.forward(tf.tensor2d([row], undefined, 'int32')).dataSync()));
    const a = run([1, 2, 3, 4]);
    expect(run([2, 1, 3, 4])).not.toEqual(a);
    expect(run([1, 2, 3, 4])).toEqual(a);
    model.dispose();
  });

  it('normalises over batch and time in training mode and uses running statistics in inference', () => {
    const model = new WaveNet(tiny);
    const batch = learnableBatch('window', 6, 4, 6, 9);
    const idx = tf.tensor(batch.idx, batch.idxShape, 'int32');
    const mean = model.buffers().get('h.0.bn.running_mean')!;
    expect(Array.from(mean.dataSync())).toEqual([0, 0, 0, 0, 0]);
    // Level 0's pre-BatchNorm activations [6, 2, 5]: statistics over all 12 rows.
    const pre = tf.tidy(() => {
      const x = model.wte.apply(idx);
      return model.h.at(0).fc.apply(tf.reshape(x, [6, 2, 6]));
    });
    const expectedMean = tf.tidy(() => tf.mul(tf.mean(pre, [0, 1]), 0.1).dataSync());
    model.setTraining(true);
    const train = tf.tidy(() => model.forward(idx).dataSync());
    for (let c = 0; c < 5; c++) expect(mean.dataSync()[c]).toBeCloseTo(expectedMean[c] as number, 5);
    model.setTraining(false);
    const infer = tf.tidy(() => model.forward(idx).dataSync());
    expect(Array.from(infer)).not.toEqual(Array.from(train));
    tf.dispose([idx, pre]);
    model.dispose();
  });

  it('works without BatchNorm (biased Linear layers instead)', () => {
    const model = new WaveNet({ ...tiny, batchNorm: false });
    expect(model.parameters().has('h.0.fc.bias')).toBe(true);
    expect(model.parameters().has('h.0.bn.weight')).toBe(false);
    expect(model.buffers().size).toBe(0);
    model.dispose();
  });

  it('rejects bad block sizes, windows and input kinds with clear errors', () => {
    expect(() => new WaveNet({ ...tiny, blockSize: 6 })).toThrow(/power of two/);
    expect(() => new WaveNet({ ...tiny, inputKind: 'sequence' })).toThrow(/inputKind must be "window"/);
    const model = new WaveNet(tiny);
    const short = tf.zeros([2, 3], 'int32');
    expect(() => model.forward(short)).toThrow(/expected windows of shape \[batch, 4\], got \[2,3\]/);
    short.dispose();
    model.dispose();
  });
});
