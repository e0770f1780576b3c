/**
 * cpu vs wasm agreement for the tfjs models of this package: the same seeded model on each backend
 * gives the same logits and the same loss curve over a few Adam steps. wasm is loaded and repaired
 * (UnsortedSegmentSum, FusedMatMul, BatchMatMul, OneHot) by @makemore/backend.
 */
import '@tensorflow/tfjs-backend-cpu';
import { useBestBackend } from '@makemore/backend/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './create-model';
import { maxAbsDiff, onBackend, randomTokens } from './testing';
import type { LanguageModel, ModelConfig } from './types';

beforeAll(async () => {
  await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
  await tf.setBackend('cpu');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const cases: [string, ModelConfig, number[]][] = [
  ['bigram-nn one-hot', { type: 'bigram-nn', vocabSize: 6, blockSize: 4, init: 'normal', seed: 1 }, [3, 4]],
  [
    'bigram-nn embedding',
    { type: 'bigram-nn', vocabSize: 6, blockSize: 4, init: 'normal', encoding: 'embedding' },
    [3, 4],
  ],
  [
    'mlp window + batchNorm',
    { type: 'mlp', vocabSize: 6, blockSize: 3, nEmbd: 4, nHidden: 16, batchNorm: true },
    [8, 3],
  ],
  [
    'mlp sequence',
    { type: 'mlp', inputKind: 'sequence', vocabSize: 6, blockSize: 4, nEmbd: 4, nEmbd2: 16 },
    [3, 4],
  ],
  ['transformer', { type: 'transformer', vocabSize: 6, blockSize: 4, nLayer: 2, nHead: 2, nEmbd: 8 }, [3, 4]],
  [
    'transformer nanoGPT-style',
    {
      type: 'transformer',
      vocabSize: 6,
      blockSize: 4,
      nLayer: 1,
      nHead: 2,
      nEmbd: 8,
      bias: false,
      tieWeights: true,
      gelu: 'erf',
      init: 'gpt2',
    },
    [3, 4],
  ],
];

describe('cpu and wasm agree', () => {
  for (const [name, config, shape] of cases) {
    it(`${name}: forward pass and 5 Adam steps`, async () => {
      const run = (backend: string) =>
        onBackend(backend, () => {
          const model = createModel(config) as LanguageModel;
          const idx = randomTokens(shape, config.vocabSize, 1);
          const tgt = randomTokens(model.inputKind === 'window' ? [shape[0]!] : shape, config.vocabSize, 2);
          const logits = tf.tidy(() => model.forward(idx).dataSync());
          const optimizer = tf.train.adam(0.01);
          const losses: number[] = [];
          const vars = [...model.parameters().values()];
          for (let s = 0; s < 5; s++) {
            const loss = optimizer.minimize(() => model.loss(idx, tgt), true, vars);
            losses.push(loss!.dataSync()[0]!);
            loss!.dispose();
          }
          optimizer.dispose();
          tf.dispose([idx, tgt]);
          model.dispose();
          return { logits, losses };
        });
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      expect(maxAbsDiff(wasm.logits, cpu.logits)).toBeLessThan(1e-4);
      expect(maxAbsDiff(wasm.losses, cpu.losses)).toBeLessThan(1e-4);
      expect(cpu.losses[4]).toBeLessThan(cpu.losses[0]!);
    });
  }
});
