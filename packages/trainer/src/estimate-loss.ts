/**
 * Loss per split in evaluation mode (dropout off, BatchNorm on running statistics), with no gradients.
 * With `iters: 'all'` every example of the split is seen once and the result is the exact mean loss per
 * counted target; with a number, that many random batches are averaged (nanoGPT's estimate_loss).
 */
import type { LanguageModel } from '@makemore/models';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingData } from './data';

/** Options for {@link estimateLoss}. */
export interface EstimateLossOptions {
  /** Which splits (default: all of the data's splits). */
  splits?: string[];
  /** `'all'` (default) or the number of random batches per split. */
  iters?: number | 'all';
  /** Examples per evaluation batch (default 512). */
  batchSize?: number;
  /** Seed for the random batches when iters is a number (default 1337); training randomness is untouched. */
  seed?: number;
}

/** Mean loss per split name. */
export async function estimateLoss(
  model: LanguageModel,
  data: TrainingData,
  options: EstimateLossOptions = {},
): Promise<Record<string, number>> {
  const splits = options.splits ?? data.splits;
  const iters = options.iters ?? 'all';
  const batchSize = options.batchSize ?? 512;
  const wasTraining = model.training;
  model.setTraining(false);
  const out: Record<string, number> = {};
  try {
    for (const [i, split] of splits.entries()) {
      const rng = new Rng((options.seed ?? 1337) + i);
      let total = 0;
      let count = 0;
      for (const batch of data.evalBatches(split, { batchSize, iters, rng })) {
        const loss = tf.tidy(() => model.loss(batch.x, batch.y, { ignoreIndex: data.ignoreIndex }));
        const [value] = await loss.data();
        tf.dispose([loss, batch.x, batch.y]);
        // Random batches count equally (as nanoGPT); a full pass weights by counted targets.
        const weight = iters === 'all' ? batch.count : 1;
        total += (value as number) * weight;
        count += weight;
      }
      out[split] = count > 0 ? total / count : Number.NaN;
    }
  } finally {
    model.setTraining(wasTraining);
  }
  return out;
}
