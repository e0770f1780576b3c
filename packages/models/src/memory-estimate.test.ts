import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './create-model';
import {
  checkMemoryFits,
  estimateMemory,
  formatBytes,
  MemoryLimitError,
  TYPED_ARRAY_BYTES,
  WASM_HEAP_BYTES,
  WASM_USABLE_BYTES,
} from './memory-estimate';
import type { ModelConfig } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('estimateMemory', () => {
  const configs: ModelConfig[] = [
    { type: 'bigram-nn', vocabSize: 27, blockSize: 16 },
    { type: 'mlp', vocabSize: 27, blockSize: 3 },
    { type: 'mlp', vocabSize: 27, blockSize: 8, inputKind: 'sequence', nEmbd: 16, nHidden: 32 },
    { type: 'rnn', vocabSize: 27, blockSize: 16, nEmbd: 16, nEmbd2: 24 },
    { type: 'gru', vocabSize: 27, blockSize: 16 },
    { type: 'lstm', vocabSize: 27, blockSize: 16, nEmbd: 8, nEmbd2: 12 },
    { type: 'bow', vocabSize: 27, blockSize: 16, nEmbd: 16, nEmbd2: 32 },
    { type: 'wavenet', vocabSize: 27, blockSize: 8 },
    { type: 'transformer', vocabSize: 27, blockSize: 16, nEmbd: 32, nLayer: 2, nHead: 4 },
    { type: 'transformer', vocabSize: 65, blockSize: 64 },
  ];
  for (const config of configs) {
    it(`counts the parameters of ${config.type} ${JSON.stringify(config)} within 10 % of the model's own count`, () => {
      const model = createModel(config);
      try {
        const actual = 'numParams' in model ? model.numParams() : 0;
        const estimate = estimateMemory(config, 32);
        expect(Math.abs(estimate.params - actual) / actual).toBeLessThan(0.1);
        expect(estimate.paramBytes).toBe(estimate.params * 4);
        expect(estimate.totalBytes).toBeGreaterThan(estimate.paramBytes * 2);
      } finally {
        if ('dispose' in model) model.dispose();
      }
    });
  }

  it('grows with the batch and counts optimizer state by optimizer', () => {
    const config: ModelConfig = { type: 'transformer', vocabSize: 27, blockSize: 16 };
    const small = estimateMemory(config, 8);
    const big = estimateMemory(config, 800);
    expect(big.activationBytes).toBeCloseTo(small.activationBytes * 100, -3);
    expect(big.paramBytes).toBe(small.paramBytes);
    expect(estimateMemory(config, 8, { optimizer: 'adamw' }).optimizerBytes).toBe(2 * small.paramBytes);
    expect(estimateMemory(config, 8, { optimizer: 'sgd' }).optimizerBytes).toBe(0);
  });
});

describe('checkMemoryFits', () => {
  const wasm = { totalBytes: WASM_HEAP_BYTES, totalLabel: 'the wasm heap' };

  it('matches the measured wasm runs: batch 3000 fits, 6000 does not', () => {
    // Measured (see the file header): names, block 16, nEmbd 64, 4 layers, 4 heads, AdamW.
    const gpt: ModelConfig = {
      type: 'transformer',
      vocabSize: 27,
      blockSize: 16,
      nEmbd: 64,
      nLayer: 4,
      nHead: 4,
    };
    const usable = { totalBytes: WASM_USABLE_BYTES, totalLabel: 'the wasm heap' };
    expect(() => checkMemoryFits(estimateMemory(gpt, 3000), usable)).not.toThrow();
    expect(() => checkMemoryFits(estimateMemory(gpt, 6000), usable)).toThrow(MemoryLimitError);
  });

  it('passes the presets and refuses a transformer with batch 100000 or 1e9, naming what to lower', () => {
    const gpt: ModelConfig = {
      type: 'transformer',
      vocabSize: 27,
      blockSize: 16,
      nEmbd: 64,
      nLayer: 4,
      nHead: 4,
    };
    expect(() => checkMemoryFits(estimateMemory(gpt, 32), wasm)).not.toThrow();
    expect(() =>
      checkMemoryFits(estimateMemory({ type: 'mlp', vocabSize: 27, blockSize: 3 }, 32), wasm),
    ).not.toThrow();
    for (const batch of [100_000, 1e9]) {
      let error: unknown;
      try {
        checkMemoryFits(estimateMemory(gpt, batch), wasm);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MemoryLimitError);
      expect((error as Error).message).toMatch(/do not fit/);
      expect((error as Error).message).toMatch(/batchSize/);
      expect((error as MemoryLimitError).estimate.knobs[0]).toBe('batchSize');
    }
  });

  it('refuses nEmbd 1e9 as one tensor larger than a typed array', () => {
    const estimate = estimateMemory({ type: 'mlp', vocabSize: 27, blockSize: 3, nEmbd: 1e9 }, 32);
    expect(estimate.largestTensorBytes).toBeGreaterThan(TYPED_ARRAY_BYTES);
    expect(() =>
      checkMemoryFits(estimate, { totalBytes: Number.POSITIVE_INFINITY, totalLabel: 'x' }),
    ).toThrow(/largest tensor .* more than the largest typed array/);
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('more than 1 PiB');
  });
});
