import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU } from './gru';
import { LSTM } from './lstm';
import { learnableBatch, sequenceModelSuite } from '../test/support/sequence-suite';
import { RNN } from './rnn';
import { sequenceModelFactories } from './sequence-models';
import type { LanguageModel, ModelConfig } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = { vocabSize: 6, blockSize: 5, nEmbd: 4, nEmbd2: 6, seed: 7 };
const wide = { ...tiny, nEmbd: 8, nEmbd2: 16 };
const classes = { rnn: RNN, gru: GRU, lstm: LSTM } as const;

for (const [type, Model] of Object.entries(classes)) {
  sequenceModelSuite(type, {
    make: () => new Model({ type: type as ModelConfig['type'], ...tiny }),
    makeFit: () => new Model({ type: type as ModelConfig['type'], ...wide }),
    gradBatch: learnableBatch('sequence', 2, 5, 6, 1),
    fitBatch: learnableBatch('sequence', 4, 5, 6, 2),
    fitSteps: 30,
    fitLearningRate: 0.1,
  });
}

/** Logits as nested arrays. */
function logitsOf(model: LanguageModel, rows: number[][]): number[][][] {
  return tf.tidy(() => model.forward(tf.tensor2d(rows, undefined, 'int32')).arraySync() as number[][][]);
}

describe('recurrent models', () => {
  it('use makemore.py parameter names and shapes (LSTM adds start_c and four gates)', () => {
    const shapes = (m: LanguageModel) =>
      Object.fromEntries([...m.parameters()].map(([k, v]) => [k, v.shape]));
    const xh = [6, 10];
    const lin = (p: string) => ({ [`${p}.weight`]: xh, [`${p}.bias`]: [6] });
    const common = { 'wte.weight': [6, 4], 'lm_head.weight': [6, 6], 'lm_head.bias': [6] };
    const rnn = new RNN({ type: 'rnn', ...tiny });
    const gru = new GRU({ type: 'gru', ...tiny });
    const lstm = new LSTM({ type: 'lstm', ...tiny });
    expect(shapes(rnn)).toEqual({ start: [1, 6], ...common, ...lin('cell.xh_to_h') });
    expect(shapes(gru)).toEqual({
      start: [1, 6],
      ...common,
      ...lin('cell.xh_to_z'),
      ...lin('cell.xh_to_r'),
      ...lin('cell.xh_to_hbar'),
    });
    expect(shapes(lstm)).toEqual({
      start: [1, 6],
      start_c: [1, 6],
      ...common,
      ...lin('cell.xh_to_i'),
      ...lin('cell.xh_to_f'),
      ...lin('cell.xh_to_o'),
      ...lin('cell.xh_to_cbar'),
    });
    // makemore.py's registration order: start first, lm_head last.
    expect([...rnn.parameters().keys()]).toEqual([
      'start',
      'wte.weight',
      'cell.xh_to_h.weight',
      'cell.xh_to_h.bias',
      'lm_head.weight',
      'lm_head.bias',
    ]);
    expect(rnn.buffers().size).toBe(0);
    for (const m of [rnn, gru, lstm]) m.dispose();
  });

  it('are causal: a later token never changes earlier logits', () => {
    for (const Model of Object.values(classes)) {
      const model = new Model({ type: Model === RNN ? 'rnn' : Model === GRU ? 'gru' : 'lstm', ...tiny });
      const a = logitsOf(model, [[1, 2, 3, 4, 5]]);
      const b = logitsOf(model, [[1, 2, 3, 0, 0]]);
      for (let t = 0; t < 3; t++) expect(b[0]![t]).toEqual(a[0]![t]);
      expect(b[0]![3]).not.toEqual(a[0]![3]);
      model.dispose();
    }
  });

  it('accept any length up to blockSize and reject longer inputs with a clear error', () => {
    const model = new GRU({ type: 'gru', ...tiny });
    const short = logitsOf(model, [[2], [3]]);
    expect([short.length, short[0]!.length, short[0]![0]!.length]).toEqual([2, 1, 6]);
    // The first step depends only on the learned start state and the first token.
    expect(logitsOf(model, [[2, 1, 1, 1, 1]])[0]![0]).toEqual(short[0]![0]);
    const long = tf.zeros([1, 6], 'int32');
    expect(() => model.forward(long)).toThrow(/sequence length 6 must be between 1 and blockSize 5/);
    const floats = tf.zeros([1, 3]);
    expect(() => model.forward(floats)).toThrow(/int32/);
    tf.dispose([long, floats]);
    model.dispose();
  });

  it('start from the learned start state', () => {
    const model = new RNN({ type: 'rnn', ...tiny });
    const before = logitsOf(model, [[1]]);
    const start = model.parameters().get('start')!;
    tf.tidy(() => start.assign(tf.onesLike(start)));
    expect(logitsOf(model, [[1]])).not.toEqual(before);
    model.dispose();
  });

  it('are seeded: the same config gives the same weights, another seed different ones', () => {
    const a = new LSTM({ type: 'lstm', ...tiny });
    const b = new LSTM({ type: 'lstm', ...tiny });
    const c = new LSTM({ type: 'lstm', ...tiny, seed: 8 });
    const w = (m: LanguageModel) => Array.from(m.parameters().get('cell.xh_to_f.weight')!.dataSync());
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    for (const m of [a, b, c]) m.dispose();
  });

  it('fill in makemore.py defaults and reject bad configs by name', () => {
    const model = sequenceModelFactories.rnn!({ type: 'rnn', vocabSize: 27, blockSize: 16 });
    expect(model.config).toMatchObject({ nEmbd: 64, nEmbd2: 64 });
    expect(JSON.parse(JSON.stringify(model.config))).toEqual(model.config);
    model.dispose();
    expect(() => new RNN({ type: 'rnn', ...tiny, nEmbd2: 0 })).toThrow(/nEmbd2 must be a positive integer/);
    expect(() => new RNN({ type: 'gru', ...tiny })).toThrow(/type is "gru" but this class builds "rnn"/);
  });
});
