import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { BoW } from './bow';
import { learnableBatch, sequenceModelSuite } from '../test/support/sequence-suite';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = { type: 'bow' as const, vocabSize: 6, blockSize: 5, nEmbd: 4, nEmbd2: 6, seed: 3 };

sequenceModelSuite('bow', {
  make: () => new BoW(tiny),
  makeFit: () => new BoW({ ...tiny, nEmbd: 16, nEmbd2: 32 }),
  gradBatch: learnableBatch('sequence', 2, 5, 6, 1),
  fitBatch: learnableBatch('sequence', 4, 5, 6, 2),
  fitSteps: 30,
  fitLearningRate: 0.1,
});

describe('BoW', () => {
  it('averages each position with every earlier one', () => {
    const model = new BoW(tiny);
    const x = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
        [5, 12],
      ],
    ]);
    const y = model.contextBlock.cbow.apply(x);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 2, 3, 3, 6]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('uses makemore.py names, with the causal mask saved as the buffer context_block.cbow.bias', () => {
    const model = new BoW(tiny);
    const shapes = Object.fromEntries([...model.parameters()].map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      'wte.weight': [6, 4],
      'wpe.weight': [5, 4],
      'context_block.mlp.c_fc.weight': [6, 4],
      'context_block.mlp.c_fc.bias': [6],
      'context_block.mlp.c_proj.weight': [4, 6],
      'context_block.mlp.c_proj.bias': [4],
      'lm_head.weight': [6, 4],
      'lm_head.bias': [6],
    });
    const mask = model.buffers().get('context_block.cbow.bias')!;
    expect(mask.shape).toEqual([1, 5, 5]);
    expect(mask.trainable).toBe(false);
    expect((mask.arraySync() as number[][][])[0]![1]).toEqual([1, 1, 0, 0, 0]);
    expect(Object.keys(model.stateDict())).toContain('context_block.cbow.bias');
    model.dispose();
  });

  it('is causal and reads positions: a later token never changes earlier logits', () => {
    const model = new BoW(tiny);
    const run = (row: number[]) =>
      tf.tidy(() => model.forward(tf.tensor2d([row], undefined, 'int32')).arraySync() as number[][][]);
    const a = run([1, 2, 3, 4, 5]);
    const b = run([1, 2, 3, 0, 0]);
    for (let t = 0; t < 3; t++) expect(b[0]![t]).toEqual(a[0]![t]);
    expect(b[0]![4]).not.toEqual(a[0]![4]);
    // The same token at two positions gives different logits (position embeddings).
    const c = run([2, 2]);
    expect(c[0]![0]).not.toEqual(c[0]![1]);
    model.dispose();
  });

  it('rejects inputs longer than blockSize and configs of another type', () => {
    const model = new BoW(tiny);
    const long = tf.zeros([2, 6], 'int32');
    expect(() => model.forward(long)).toThrow(/blockSize 5/);
    long.dispose();
    model.dispose();
    expect(() => new BoW({ ...tiny, type: 'rnn' })).toThrow(/builds "bow"/);
    expect(() => new BoW({ ...tiny, nEmbd: 2.5 })).toThrow(/nEmbd must be a positive integer/);
  });
});
