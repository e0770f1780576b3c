/**
 * Test harness shared by every model's tests: a finite-difference gradient check over all
 * parameters, an overfit-one-batch check, tensor-leak counting and running code on a named backend.
 *
 * The helpers are framework-free (they return measurements; the test asserts on them), and they are
 * not part of the package: they live in test/support, outside src/, and tests import them by path.
 */
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import type { LanguageModel } from '../../src/types';

/** One checked coordinate of {@link gradientCheck}. */
export interface GradientSample {
  name: string;
  index: number;
  analytic: number;
  numeric: number;
  /** |analytic − numeric|. */
  absError: number;
}

/** Result of {@link gradientCheck}. */
export interface GradientCheckResult {
  /** Every checked coordinate. */
  samples: GradientSample[];
  /** Coordinates with |analytic − numeric| > atol + rtol · |numeric|. Empty when the check passes. */
  failures: GradientSample[];
  /** Largest |analytic| seen per parameter (a check on zero gradients proves little). */
  maxAnalytic: Record<string, number>;
  /** Parameter names checked (all of them). */
  names: string[];
}

/** Options for {@link gradientCheck}. */
export interface GradientCheckOptions {
  /** Central-difference step (default 1e-2; the loss is float32, so smaller steps drown in rounding). */
  eps?: number;
  /** Random coordinates per parameter, besides its largest-gradient one (default 3). */
  samplesPerParameter?: number;
  /** Absolute tolerance (default 1e-3). */
  atol?: number;
  /** Relative tolerance (default 2e-2). */
  rtol?: number;
  /** ignoreIndex passed to the loss. */
  ignoreIndex?: number;
  /** Seed for picking coordinates. */
  seed?: number;
}

/**
 * Compares `model.loss` gradients from autodiff with central finite differences
 * (L(w + eps) − L(w − eps)) / 2eps, for the largest-gradient coordinate and a few random ones of EVERY
 * parameter. Put dropout at 0 first; the model's weights are restored afterwards.
 */
export function gradientCheck(
  model: LanguageModel,
  idx: tf.Tensor,
  targets: tf.Tensor,
  options: GradientCheckOptions = {},
): GradientCheckResult {
  const eps = options.eps ?? 1e-2;
  const atol = options.atol ?? 1e-3;
  const rtol = options.rtol ?? 2e-2;
  const perParam = options.samplesPerParameter ?? 3;
  const lossOptions = options.ignoreIndex === undefined ? {} : { ignoreIndex: options.ignoreIndex };
  const rng = new Rng(options.seed ?? 0);
  const params = model.parameters();
  const varList = [...params.values()];
  const { grads, value } = tf.variableGrads(() => model.loss(idx, targets, lossOptions), varList);
  value.dispose();
  const lossAt = () => tf.tidy(() => model.loss(idx, targets, lossOptions).dataSync()[0] as number);

  const samples: GradientSample[] = [];
  const maxAnalytic: Record<string, number> = {};
  for (const [name, variable] of params) {
    const gradTensor = grads[variable.name];
    if (gradTensor === undefined) throw new Error(`gradientCheck: no gradient for parameter "${name}"`);
    const g = gradTensor.dataSync();
    let argmax = 0;
    for (let i = 1; i < g.length; i++)
      if (Math.abs(g[i] as number) > Math.abs(g[argmax] as number)) argmax = i;
    maxAnalytic[name] = Math.abs(g[argmax] as number);
    const picks = new Set([argmax]);
    for (let k = 0; k < perParam && picks.size < g.length; k++) picks.add(rng.int(g.length));
    const original = Float32Array.from(variable.dataSync());
    const setValue = (values: Float32Array) =>
      tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
    for (const i of picks) {
      const w = original.slice();
      w[i] = (original[i] as number) + eps;
      setValue(w);
      const up = lossAt();
      w[i] = (original[i] as number) - eps;
      setValue(w);
      const down = lossAt();
      setValue(original);
      const numeric = (up - down) / (2 * eps);
      const analytic = g[i] as number;
      samples.push({ name, index: i, analytic, numeric, absError: Math.abs(analytic - numeric) });
    }
  }
  for (const t of Object.values(grads)) t.dispose();
  const failures = samples.filter((s) => s.absError > atol + rtol * Math.abs(s.numeric));
  return { samples, failures, maxAnalytic, names: [...params.keys()] };
}

/** Result of {@link overfitBatch}. */
export interface OverfitResult {
  initialLoss: number;
  finalLoss: number;
}

/**
 * Trains on one fixed batch with Adam and reports the loss before and after; a correct model drives
 * it towards zero. Disposes its optimizer.
 */
export function overfitBatch(
  model: LanguageModel,
  idx: tf.Tensor,
  targets: tf.Tensor,
  options: { steps?: number; learningRate?: number; ignoreIndex?: number } = {},
): OverfitResult {
  const steps = options.steps ?? 200;
  const lossOptions = options.ignoreIndex === undefined ? {} : { ignoreIndex: options.ignoreIndex };
  const optimizer = tf.train.adam(options.learningRate ?? 1e-2);
  const varList = [...model.parameters().values()];
  const initialLoss = tf.tidy(() => model.loss(idx, targets, lossOptions).dataSync()[0] as number);
  for (let s = 0; s < steps; s++) {
    optimizer.minimize(() => model.loss(idx, targets, lossOptions), false, varList);
  }
  const finalLoss = tf.tidy(() => model.loss(idx, targets, lossOptions).dataSync()[0] as number);
  optimizer.dispose();
  return { initialLoss, finalLoss };
}

/** Runs `fn` and returns how many more tensors are alive afterwards (0 means no leak). */
export function tensorLeak(fn: () => void): number {
  const before = tf.memory().numTensors;
  fn();
  return tf.memory().numTensors - before;
}

/**
 * Creates an SGD optimizer, takes one warm-up step (which allocates the optimizer's own state), then
 * counts tensors leaked over `steps` further training steps. Disposes the optimizer.
 */
export function trainingLeak(
  model: LanguageModel,
  idx: tf.Tensor,
  targets: tf.Tensor,
  steps = 100,
  learningRate = 0.01,
): number {
  const optimizer = tf.train.sgd(learningRate);
  const varList = [...model.parameters().values()];
  const step = () => optimizer.minimize(() => model.loss(idx, targets), false, varList);
  step();
  const leaked = tensorLeak(() => {
    for (let s = 0; s < steps; s++) step();
  });
  optimizer.dispose();
  return leaked;
}

/**
 * Runs `fn` with `backend` active and restores the previous backend afterwards. Tensors created
 * inside live on that backend; return plain numbers/arrays out of it.
 */
export async function onBackend<T>(backend: string, fn: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`onBackend: backend "${backend}" failed to initialise`);
  try {
    return await fn();
  } finally {
    if (previous) await tf.setBackend(previous);
  }
}

/** Seeded int32 tensor of token ids in [0, vocab) with the given shape (for tests). */
export function randomTokens(shape: number[], vocab: number, seed = 0): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.int(vocab);
  return tf.tensor(values, shape, 'int32');
}

/** Largest absolute difference between two equally sized arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
