/**
 * The correctness battery every sequence model's test file runs (RNN, GRU, LSTM, BoW, WaveNet):
 * finite-difference gradients, overfitting one batch, no tensor leaks over training and generation,
 * and cpu/wasm agreement on the forward pass and on training. Test-only (imports vitest).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { useBestBackend } from '@makemore/backend/node';
import { Rng } from '@makemore/random';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/generate';
import { gradientCheck, maxAbsDiff, onBackend, overfitBatch, tensorLeak, trainingLeak } from './testing';
import type { LanguageModel } from '../../src/types';

/** A batch: `idx` and `targets` as plain arrays with their shapes. */
export interface Batch {
  idx: number[];
  idxShape: number[];
  targets: number[];
  targetShape: number[];
}

/**
 * A batch whose targets are a fixed function of the tokens seen so far, so a model that reads its
 * context can fit it exactly. Sequence models: targets `[B, T]`; window models: `[B]` (one per window).
 */
export function learnableBatch(
  kind: 'sequence' | 'window',
  batch: number,
  time: number,
  vocab: number,
  seed = 0,
): Batch {
  const rng = new Rng(seed);
  const idx: number[] = [];
  const targets: number[] = [];
  for (let b = 0; b < batch; b++) {
    const row = Array.from({ length: time }, () => rng.int(vocab));
    idx.push(...row);
    const next = (t: number) => ((row[t] as number) + 2 * (t > 0 ? (row[t - 1] as number) : 1)) % vocab;
    if (kind === 'sequence') for (let t = 0; t < time; t++) targets.push(next(t));
    else targets.push(next(time - 1));
  }
  return {
    idx,
    idxShape: [batch, time],
    targets,
    targetShape: kind === 'sequence' ? [batch, time] : [batch],
  };
}

function tensors(b: Batch): [tf.Tensor, tf.Tensor] {
  return [tf.tensor(b.idx, b.idxShape, 'int32'), tf.tensor(b.targets, b.targetShape, 'int32')];
}

/** Options of {@link sequenceModelSuite}. */
export interface SuiteOptions {
  /** Builds a fresh model on the current backend (seeded, so two calls give equal weights). */
  make: () => LanguageModel;
  /** A roomier model for the overfitting test (default: `make`). */
  makeFit?: () => LanguageModel;
  /** A tiny batch for the gradient check. */
  gradBatch: Batch;
  /** A batch the model must fit to near-zero loss, and the Adam steps it may take. */
  fitBatch: Batch;
  fitSteps: number;
  /** Adam learning rate for the overfitting test (default 3e-2). */
  fitLearningRate?: number;
  /** Largest acceptable loss after fitting. */
  fitLoss?: number;
}

/** Registers the battery of tests for one model under `describe(name)`. */
export function sequenceModelSuite(name: string, options: SuiteOptions): void {
  describe(`${name}: correctness battery`, () => {
    beforeAll(async () => {
      await tf.setBackend('cpu');
    });

    it('autodiff gradients match central finite differences for every parameter', () => {
      const model = options.make();
      const [idx, targets] = tensors(options.gradBatch);
      // float64 would be nicer; in float32, eps = 1e-2 balances truncation and rounding error.
      const result = gradientCheck(model, idx, targets, { samplesPerParameter: 3, seed: 1 });
      expect(result.names).toEqual([...model.parameters().keys()]);
      expect(result.failures).toEqual([]);
      for (const n of result.names) expect(result.maxAnalytic[n], n).toBeGreaterThan(1e-6);
      tf.dispose([idx, targets]);
      model.dispose();
    });

    it('overfits one small batch to near-zero loss', () => {
      const model = (options.makeFit ?? options.make)();
      const [idx, targets] = tensors(options.fitBatch);
      const { initialLoss, finalLoss } = overfitBatch(model, idx, targets, {
        steps: options.fitSteps,
        learningRate: options.fitLearningRate ?? 3e-2,
      });
      expect(initialLoss).toBeGreaterThan(1);
      expect(finalLoss).toBeLessThan(options.fitLoss ?? 0.05);
      tf.dispose([idx, targets]);
      model.dispose();
    });

    it('leaks no tensors over 100 training steps or while generating', () => {
      const model = options.make();
      const [idx, targets] = tensors(options.gradBatch);
      expect(trainingLeak(model, idx, targets, 100, 0.05)).toBe(0);
      let tokens: number[] = [];
      const leaked = tensorLeak(() => {
        tokens = generate(model, { context: [0], maxNewTokens: 2 * model.blockSize, seed: 3 });
      });
      expect(leaked).toBe(0);
      expect(tokens).toHaveLength(2 * model.blockSize);
      expect(tokens.every((t) => Number.isInteger(t) && t >= 0 && t < model.vocabSize)).toBe(true);
      // Seeded sampling is deterministic.
      expect(generate(model, { context: [0], maxNewTokens: 2 * model.blockSize, seed: 3 })).toEqual(tokens);
      tf.dispose([idx, targets]);
      model.dispose();
    });

    it('cpu and wasm agree on the forward pass and on training', async () => {
      const previous = tf.getBackend();
      await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
      await tf.setBackend(previous);
      const run = (backend: string) =>
        onBackend(backend, () => {
          const model = options.make();
          const [idx, targets] = tensors(options.gradBatch);
          const logits = tf.tidy(() => model.forward(idx).dataSync());
          const optimizer = tf.train.adam(1e-2);
          const vars = [...model.parameters().values()];
          const losses: number[] = [];
          for (let s = 0; s < 5; s++) {
            const loss = optimizer.minimize(() => model.loss(idx, targets), true, vars) as tf.Scalar;
            losses.push(loss.dataSync()[0] as number);
            loss.dispose();
          }
          optimizer.dispose();
          tf.dispose([idx, targets]);
          model.dispose();
          return { logits: Float32Array.from(logits), losses };
        });
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      expect(maxAbsDiff(wasm.logits, cpu.logits)).toBeLessThan(1e-4);
      expect(maxAbsDiff(wasm.losses, cpu.losses)).toBeLessThan(1e-4);
      // Training moved the loss, so the comparison covered the backward pass too.
      expect(cpu.losses[4]).toBeLessThan(cpu.losses[0] as number);
    });
  });
}
