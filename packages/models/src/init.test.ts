import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './create-model';
import { withoutInitialDraws } from './init';
import type { LanguageModel, ModelConfig } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config: ModelConfig = {
  type: 'transformer',
  vocabSize: 11,
  blockSize: 8,
  nLayer: 1,
  nHead: 2,
  nEmbd: 8,
  seed: 3,
};

/** The distinct values of every parameter of `model`. */
function distinct(model: LanguageModel): Set<number> {
  const seen = new Set<number>();
  for (const v of model.parameters().values()) for (const x of v.dataSync()) seen.add(x);
  return seen;
}

describe('withoutInitialDraws', () => {
  it('builds a model with no random draws (zeros, and the constant LayerNorm gains), then draws again', () => {
    const blank = withoutInitialDraws(() => createModel(config) as LanguageModel);
    expect([...distinct(blank)].sort()).toEqual([0, 1]);
    blank.dispose();
    const drawn = createModel(config) as LanguageModel;
    expect(distinct(drawn).size).toBeGreaterThan(100);
    drawn.dispose();
  });

  it('draws again after a build that throws', () => {
    expect(() =>
      withoutInitialDraws(() => {
        throw new Error('no model');
      }),
    ).toThrow('no model');
    const drawn = createModel(config) as LanguageModel;
    expect(distinct(drawn).size).toBeGreaterThan(100);
    drawn.dispose();
  });
});
