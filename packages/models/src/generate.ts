/**
 * Sampling text from any model: autoregressive generation, one token at a time.
 *
 * Each step reads the model's next-token distribution for the current context, reshapes it with
 * `temperature` and `topK`, and draws from it with a seeded `@makemore/random` generator, so a seed
 * gives the same tokens everywhere. The context is cropped to the model's `blockSize` before every
 * step (window models are left-padded with the boundary token 0), so generation can run past the
 * block size. The model is switched to inference mode while sampling and restored afterwards.
 */
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { BigramCounts } from './bigram-counts';
import type { LanguageModel } from './types';

/** Anything {@link generate} can sample from. */
export type SamplableModel = LanguageModel | BigramCounts;

/** Options for {@link generate} and the streaming variants. */
export interface GenerateOptions {
  /** Starting tokens (default `[0]`, the boundary token that begins a word). */
  context?: readonly number[];
  /** How many tokens to draw at most (default 64). */
  maxNewTokens?: number;
  /** Divides the logits; < 1 sharpens, > 1 flattens, 0 always takes the most likely token (default 1). */
  temperature?: number;
  /** Sample only among the k most likely tokens (default: all). */
  topK?: number;
  /** Seed of the sampling generator (default 42). Ignored when `rng` is given. */
  seed?: number;
  /** A generator to draw from instead of a fresh seeded one (its state advances). */
  rng?: Rng;
  /** Stop when this token is drawn; it is not included in the output (default: none). */
  stopToken?: number;
}

/** Generates tokens and returns the new ones (the context is not included). Deterministic per seed. */
export function generate(model: SamplableModel, options: GenerateOptions = {}): number[] {
  return [...generateStream(model, options)];
}

/** Like {@link generate}, but yields each token as soon as it is drawn. */
export function* generateStream(
  model: SamplableModel,
  options: GenerateOptions = {},
): Generator<number, void> {
  const run = startRun(model, options);
  try {
    for (let i = 0; i < run.maxNewTokens; i++) {
      const next = run.sample(nextTokenLogits(model, run.context));
      if (next === options.stopToken) return;
      run.context.push(next);
      yield next;
    }
  } finally {
    run.restore();
  }
}

/**
 * Async streaming for the browser: reads logits with `await data()`, so a GPU backend does not block
 * the page between tokens.
 */
export async function* generateStreamAsync(
  model: SamplableModel,
  options: GenerateOptions = {},
): AsyncGenerator<number, void> {
  const run = startRun(model, options);
  try {
    for (let i = 0; i < run.maxNewTokens; i++) {
      let logits: Float64Array;
      if (model instanceof BigramCounts) logits = nextTokenLogits(model, run.context);
      else {
        const t = tf.tidy(() => lastLogitsTensor(model, run.context));
        const data = await t.data();
        t.dispose();
        logits = Float64Array.from(data);
      }
      const next = run.sample(logits);
      if (next === options.stopToken) return;
      run.context.push(next);
      yield next;
    }
  } finally {
    run.restore();
  }
}

/**
 * The model's next-token logits (log-probabilities for BigramCounts) given a context, after cropping
 * it to `blockSize` (and left-padding window models with token 0).
 */
export function nextTokenLogits(model: SamplableModel, context: readonly number[]): Float64Array {
  if (model instanceof BigramCounts) {
    const prev = context.length > 0 ? (context[context.length - 1] as number) : 0;
    return model.rowProbabilities(prev).map(Math.log);
  }
  const t = tf.tidy(() => lastLogitsTensor(model, context));
  const values = Float64Array.from(t.dataSync());
  t.dispose();
  return values;
}

/** Turns logits into probabilities with temperature and top-k (float64; 0 outside the top k). */
export function samplingProbabilities(
  logits: ArrayLike<number>,
  temperature = 1,
  topK?: number,
): Float64Array {
  const n = logits.length;
  const probs = new Float64Array(n);
  let cutoff = Number.NEGATIVE_INFINITY;
  if (topK !== undefined && topK < n) {
    if (!Number.isInteger(topK) || topK < 1)
      throw new RangeError(`topK must be a positive integer, got ${topK}`);
    cutoff = Array.from(logits)
      .sort((a, b) => b - a)
      .at(topK - 1) as number;
  }
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < n; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
    probs[best] = 1;
    return probs;
  }
  if (!(temperature > 0)) throw new RangeError(`temperature must be >= 0, got ${temperature}`);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if ((logits[i] as number) >= cutoff) max = Math.max(max, logits[i] as number);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const l = logits[i] as number;
    const p = l >= cutoff && l > Number.NEGATIVE_INFINITY ? Math.exp((l - max) / temperature) : 0;
    probs[i] = p;
    total += p;
  }
  for (let i = 0; i < n; i++) probs[i] = (probs[i] as number) / total;
  return probs;
}

function lastLogitsTensor(model: LanguageModel, context: readonly number[]): tf.Tensor {
  const bs = model.blockSize;
  let window = context.slice(-bs);
  if (model.inputKind === 'window') {
    window = [...new Array<number>(bs - window.length).fill(0), ...window];
    return tf.reshape(model.forward(tf.tensor2d(window, [1, bs], 'int32')), [-1]);
  }
  if (window.length === 0) window = [0];
  const logits = model.forward(tf.tensor2d(window, [1, window.length], 'int32')); // [1, T, V]
  const V = logits.shape[2] as number;
  return tf.reshape(tf.slice(logits, [0, window.length - 1, 0], [1, 1, V]), [-1]);
}

function startRun(model: SamplableModel, options: GenerateOptions) {
  const maxNewTokens = options.maxNewTokens ?? 64;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new RangeError(`maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
  }
  const context = [...(options.context ?? [0])];
  for (const t of context) {
    if (!Number.isInteger(t) || t < 0 || t >= model.vocabSize) {
      throw new RangeError(`context token ${t} is outside the vocabulary [0, ${model.vocabSize})`);
    }
  }
  const rng = options.rng ?? new Rng(options.seed ?? 42);
  const temperature = options.temperature ?? 1;
  const lm = model instanceof BigramCounts ? null : model;
  const wasTraining = lm?.training ?? false;
  lm?.setTraining(false);
  return {
    maxNewTokens,
    context,
    sample: (logits: ArrayLike<number>) =>
      rng.categorical(samplingProbabilities(logits, temperature, options.topK)),
    restore: () => lm?.setTraining(wasTraining),
  };
}
