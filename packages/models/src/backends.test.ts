/**
 * cpu vs wasm agreement for the tfjs models of this package: the same seeded model on each backend
 * gives the same logits and the same loss curve over a few Adam steps. wasm is loaded and repaired
 * (UnsortedSegmentSum, FusedMatMul, BatchMatMul, OneHot) by @makemore/backend.
 */
import '@tensorflow/tfjs-backend-cpu';
import { useBestBackend, useWasmGemm } from '@makemore/backend/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecoder } from './create-decoder';
import { createModel } from './create-model';
import { generate, nextTokenLogits } from './generate';
import { maxAbsDiff, onBackend, randomTokens } from '../test/support/testing';
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

describe('cached generation on wasm (weights packed once, the fused attention step)', () => {
  const configs: ModelConfig[] = [
    { type: 'transformer', vocabSize: 11, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 12, seed: 3 },
    // tied head, no biases; a width and vocabulary that are not multiples of 8 (packed tiles are 8 wide)
    {
      type: 'transformer',
      vocabSize: 13,
      blockSize: 9,
      nLayer: 1,
      nHead: 3,
      nEmbd: 18,
      bias: false,
      tieWeights: true,
      gelu: 'erf',
      seed: 4,
    },
  ];
  for (const gemm of [true, false]) {
    it(`gives each row's forward logits up to a full cache, after dropping a row, and the reference's tokens${gemm ? '' : ' (JavaScript fallback)'}`, async () => {
      await onBackend('wasm', async () => {
        expect(tf.getKernel('MakemorePackedMatMul', 'wasm')).toBeDefined();
        expect(tf.getKernel('MakemoreAttentionStep', 'wasm')).toBeDefined();
        const was = useWasmGemm();
        useWasmGemm(gemm);
        try {
          for (const config of configs) {
            const model = createModel(config) as LanguageModel;
            model.setTraining(false);
            const decoder = createDecoder(model);
            let rows = [
              [1, 2],
              [3, 4],
            ];
            const expectRowLogits = (logits: tf.Tensor2D) => {
              const values = logits.dataSync();
              logits.dispose();
              rows.forEach((row, b) => {
                const expected = nextTokenLogits(model, row);
                const got = values.slice(b * config.vocabSize, (b + 1) * config.vocabSize);
                expect(maxAbsDiff(got, expected)).toBeLessThan(1e-4);
              });
            };
            tf.dispose(decoder.prefill(rows) as tf.Tensor);
            // Steps until the cache is full, the last one row short of it after dropping row 0.
            for (let s = 0; rows[0]!.length < model.blockSize; s++) {
              if (rows[0]!.length === model.blockSize - 1) {
                decoder.keepRows([1]);
                rows = [rows[1]!];
              }
              rows = rows.map((r, b) => [...r, (s + 3 * b) % config.vocabSize]);
              expectRowLogits(decoder.step(rows.map((r) => r.at(-1)!)) as tf.Tensor2D);
            }
            decoder.dispose();
            for (const window of ['exact', 'shift'] as const) {
              const options = { maxNewTokens: 3 * model.blockSize, seed: 5, window, context: [1, 2] };
              expect(generate(model, options)).toEqual(generate(model, { ...options, cache: false }));
            }
            model.dispose();
          }
        } finally {
          useWasmGemm(was);
        }
      });
    });
  }

  it('runs a cached step as five kernels per layer, one of them MakemoreAttentionStep', async () => {
    await onBackend('wasm', async () => {
      const model = createModel({ ...configs[0]!, nLayer: 3 } as ModelConfig) as LanguageModel;
      model.setTraining(false);
      const decoder = createDecoder(model);
      tf.dispose(decoder.prefill([[1, 2, 3]]) as tf.Tensor);
      tf.dispose(decoder.step([4]) as tf.Tensor);
      const profile = await tf.profile(() => tf.dispose(decoder.step([5]) as tf.Tensor));
      const names = profile.kernels.map((k) => k.name);
      expect(names.filter((n) => n === 'MakemoreAttentionStep')).toHaveLength(3);
      // Per layer 5; the embeddings (gather, slice, add) and ln_f → head (1) once.
      expect(names.length).toBe(5 * 3 + 4);
      expect(names).not.toContain('Concat');
      decoder.dispose();
      model.dispose();
    });
  });
});
