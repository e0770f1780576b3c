/**
 * The learning-rate sweep of the makemore lecture (part 2): take one step at each of `n` exponentially
 * spaced rates from `minLr` to `maxLr`, record the batch loss, and look for the rate where the loss
 * falls fastest before it blows up. The model's weights are restored afterwards unless asked otherwise.
 */
import type { LanguageModel } from '@makemore/models';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import type { TrainingData } from './data';
import type { Optimizer } from './optim/optimizer';
import { SGD } from './optim/sgd';
import { trainStep } from './train-step';

/** Options for {@link findLearningRate}. */
export interface LrFinderOptions {
  model: LanguageModel;
  data: TrainingData;
  /** Lowest rate tried (default 1e-3). */
  minLr?: number;
  /** Highest rate tried (default 1). */
  maxLr?: number;
  /** Number of rates, one step each (default 1000, as the lecture). */
  steps?: number;
  batchSize?: number;
  /** Builds the optimizer (default: plain SGD, as the lecture). */
  optimizer?: (params: Map<string, Variable>) => Optimizer;
  seed?: number;
  /** Stop once the smoothed loss exceeds this multiple of its minimum (default 4). */
  divergeFactor?: number;
  /** Put the weights back after the sweep (default true). */
  restore?: boolean;
}

/** The sweep's result. */
export interface LrFinderResult {
  /** Rates tried, ascending. */
  lrs: number[];
  /** Batch loss at each rate. */
  losses: number[];
  /** Exponentially smoothed losses (β = 0.9, bias-corrected), the curve to read. */
  smoothed: number[];
  /** The rate at the minimum of the smoothed curve: the lecture's choice. */
  suggested: number;
}

/** Runs the LR sweep. See {@link LrFinderOptions}. */
export async function findLearningRate(options: LrFinderOptions): Promise<LrFinderResult> {
  const { model, data } = options;
  const minLr = options.minLr ?? 1e-3;
  const maxLr = options.maxLr ?? 1;
  const n = options.steps ?? 1000;
  const batchSize = options.batchSize ?? 32;
  const divergeFactor = options.divergeFactor ?? 4;
  if (!(minLr > 0 && maxLr > minLr))
    throw new RangeError(`findLearningRate: need 0 < minLr < maxLr, got ${minLr}, ${maxLr}`);
  if (!Number.isInteger(n) || n < 2)
    throw new RangeError(`findLearningRate: steps must be an integer >= 2, got ${n}`);

  const params = model.parameters();
  const saved =
    options.restore === false
      ? null
      : tf.tidy(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.clone()])));
  const optimizer = options.optimizer ? options.optimizer(params) : new SGD(params, { lr: minLr });
  const rng = new Rng(options.seed ?? 42);
  const trainSplit = data.splits[0] as string;
  const lrs: number[] = [];
  const losses: number[] = [];
  const smoothed: number[] = [];
  const logMin = Math.log10(minLr);
  const logMax = Math.log10(maxLr);
  let avg = 0;
  let best = Number.POSITIVE_INFINITY;
  try {
    for (let i = 0; i < n; i++) {
      const lr = 10 ** (logMin + ((logMax - logMin) * i) / (n - 1));
      const batch = data.batch(trainSplit, batchSize, rng);
      let loss: number;
      try {
        ({ loss } = await trainStep(model, optimizer, batch, { lr, ignoreIndex: data.ignoreIndex }));
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
      if (!Number.isFinite(loss)) break;
      avg = 0.9 * avg + 0.1 * loss;
      const s = avg / (1 - 0.9 ** (i + 1));
      lrs.push(lr);
      losses.push(loss);
      smoothed.push(s);
      best = Math.min(best, s);
      if (s > divergeFactor * best) break;
    }
  } finally {
    optimizer.dispose();
    if (saved) {
      model.loadStateDict(saved);
      tf.dispose(Object.values(saved));
    }
  }
  if (lrs.length === 0)
    throw new Error('findLearningRate: the loss was not finite even at minLr; lower minLr');
  let argmin = 0;
  for (let i = 1; i < smoothed.length; i++)
    if ((smoothed[i] as number) < (smoothed[argmin] as number)) argmin = i;
  return { lrs, losses, smoothed, suggested: lrs[argmin] as number };
}
