/**
 * PyTorch parity: weights written by scripts/make_fixtures.py (PyTorch modules with makemore.py's
 * parameter names) load into the TensorFlow.js models and give the same logits and loss.
 *
 * The fixtures are committed, so this runs without torch. When python3 can import torch, the script is
 * also re-run into a temporary folder and the regenerated fixtures must match the committed ones.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, isLanguageModel } from './create-model';
import { parseSafetensors, tensorsFromSafetensors } from './safetensors';
import { maxAbsDiff } from '../test/support/testing';
import type { LanguageModel, ModelConfig } from './types';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../scripts/make_fixtures.py', import.meta.url));

interface JsonTensor {
  shape: number[];
  data: number[];
}

interface Fixture {
  name: string;
  config: ModelConfig;
  idx: JsonTensor;
  targets: JsonTensor;
  logits: JsonTensor;
  loss: number;
  numParams: number;
  train?: { logits: JsonTensor; loss: number; buffers: Record<string, JsonTensor> };
  /** Training-mode loss whose gradients NAME.grad.safetensors holds. */
  trainLoss: number;
}

/** The model names the fixtures cover, with the models that build them in this package. */
const FIXTURE_NAMES = ['bigram-nn', 'mlp', 'rnn', 'gru', 'lstm', 'bow', 'transformer', 'wavenet'];

function build(config: ModelConfig): LanguageModel {
  const model = createModel(config);
  if (!isLanguageModel(model)) throw new Error(`fixture type ${config.type} is not a tfjs model`);
  return model;
}

function readFixture(dir: string, name: string): Fixture {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Fixture;
}

/** A fixture file (`NAME.safetensors`, or `NAME.grad.safetensors` for the gradients) as tensors. */
function readWeights(dir: string, name: string, file = `${name}.safetensors`): Record<string, tf.Tensor> {
  const parsed = parseSafetensors(new Uint8Array(readFileSync(join(dir, file))));
  expect(parsed.metadata).toMatchObject({ format: 'pt', fixture: name });
  return tensorsFromSafetensors(parsed);
}

/** Autodiff gradients of the training-mode loss against PyTorch's; returns the worst difference. */
function expectGradientParity(dir: string, fx: Fixture): void {
  const model = build(fx.config);
  try {
    loadInto(model, dir, fx.name);
    model.setTraining(true);
    const idx = intTensor(fx.idx);
    const targets = intTensor(fx.targets);
    const params = model.parameters();
    const { value, grads } = tf.variableGrads(() => model.loss(idx, targets), [...params.values()]);
    expect(Math.abs((value.dataSync()[0] as number) - fx.trainLoss)).toBeLessThan(1e-4);
    const expected = readWeights(dir, fx.name, `${fx.name}.grad.safetensors`);
    expect(Object.keys(expected).sort()).toEqual([...params.keys()].sort());
    for (const [name, v] of params) {
      const want = expected[name]!;
      const got = grads[v.name]!;
      expect(got.shape, name).toEqual(want.shape);
      // Relative to the gradient's scale: sums over many positions carry float32 rounding.
      expect(scaledDiff(got, want, 1), name).toBeLessThan(1e-4);
    }
    tf.dispose([value, idx, targets, ...Object.values(grads), ...Object.values(expected)]);
  } finally {
    model.dispose();
  }
}

/** max |got − want| divided by the larger of `floor` and max |want|: float32 sums judged at their own scale. */
function scaledDiff(got: tf.Tensor, want: tf.Tensor, floor: number): number {
  const expected = want.dataSync();
  const scale = Array.from(expected as Float32Array).reduce((m, v) => Math.max(m, Math.abs(v)), floor);
  return maxAbsDiff(got.dataSync(), expected) / scale;
}

function loadInto(model: LanguageModel, dir: string, name: string): void {
  const weights = readWeights(dir, name);
  model.loadStateDict(weights);
  tf.dispose(Object.values(weights));
}

const intTensor = (t: JsonTensor) => tf.tensor(t.data, t.shape, 'int32');

/** Logits and loss of a fixture's model, evaluated in inference mode (and training mode for BatchNorm). */
function evaluate(dir: string, fx: Fixture) {
  const model = build(fx.config);
  try {
    loadInto(model, dir, fx.name);
    const idx = intTensor(fx.idx);
    const targets = intTensor(fx.targets);
    model.setTraining(false);
    const logits = model.forward(idx);
    const loss = model.loss(idx, targets);
    const result = {
      numParams: model.numParams(),
      shape: logits.shape,
      logits: logits.dataSync(),
      loss: loss.dataSync()[0] as number,
      train: undefined as
        | undefined
        | { logits: Float32Array; loss: number; buffers: Record<string, Float32Array> },
    };
    tf.dispose([logits, loss]);
    if (fx.train) {
      model.setTraining(true);
      const trainLogits = model.forward(idx);
      const buffers: Record<string, Float32Array> = {};
      for (const [k, v] of model.buffers()) buffers[k] = v.dataSync() as Float32Array;
      loadInto(model, dir, fx.name); // the forward above moved the running statistics
      const trainLoss = model.loss(idx, targets);
      result.train = {
        logits: trainLogits.dataSync() as Float32Array,
        loss: trainLoss.dataSync()[0] as number,
        buffers,
      };
      tf.dispose([trainLogits, trainLoss]);
    }
    tf.dispose([idx, targets]);
    return result;
  } finally {
    model.dispose();
  }
}

function expectParity(dir: string, name: string) {
  const fx = readFixture(dir, name);
  const got = evaluate(dir, fx);
  expect(got.numParams).toBe(fx.numParams);
  expect(got.shape).toEqual(fx.logits.shape);
  expect(maxAbsDiff(got.logits, fx.logits.data)).toBeLessThan(1e-4);
  expect(Math.abs(got.loss - fx.loss)).toBeLessThan(1e-4);
  if (fx.train) {
    expect(got.train).toBeDefined();
    expect(maxAbsDiff(got.train!.logits, fx.train.logits.data)).toBeLessThan(1e-4);
    expect(Math.abs(got.train!.loss - fx.train.loss)).toBeLessThan(1e-4);
    for (const [k, v] of Object.entries(fx.train.buffers)) {
      expect(got.train!.buffers[k], k).toBeDefined();
      expect(maxAbsDiff(got.train!.buffers[k]!, v.data), k).toBeLessThan(1e-4);
    }
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('PyTorch parity on the committed fixtures', () => {
  it('has a fixture for every model type that has weights', () => {
    for (const name of FIXTURE_NAMES) {
      expect(existsSync(join(FIXTURES, `${name}.json`)), name).toBe(true);
      expect(existsSync(join(FIXTURES, `${name}.safetensors`)), name).toBe(true);
      expect(existsSync(join(FIXTURES, `${name}.grad.safetensors`)), name).toBe(true);
    }
  });

  for (const name of FIXTURE_NAMES) {
    it(`${name}: same logits and loss as PyTorch`, () => {
      expectParity(FIXTURES, name);
    });
    it(`${name}: same gradients as PyTorch autograd`, () => {
      expectGradientParity(FIXTURES, readFixture(FIXTURES, name));
    });
  }

  it('parameter counts equal makemore.py for its default configs', () => {
    const { counts } = JSON.parse(readFileSync(join(FIXTURES, 'param-counts.json'), 'utf8')) as {
      counts: Record<string, { config: ModelConfig; numParams: number }>;
    };
    let checked = 0;
    for (const [name, { config, numParams }] of Object.entries(counts)) {
      const model = build(config);
      expect(model.numParams(), name).toBe(numParams);
      model.dispose();
      checked++;
    }
    expect(checked).toBe(FIXTURE_NAMES.length);
    expect(counts.transformer?.numParams).toBe(204544);
    expect(counts.wavenet?.numParams).toBe(76579);
  });
});

/** Deep equality that lets numbers differ by 1e-9 (relative). */
function expectClose(a: unknown, b: unknown, path: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    expect(Math.abs(a - b), path).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
  } else if (Array.isArray(a) && Array.isArray(b)) {
    expect(a.length, path).toBe(b.length);
    for (let i = 0; i < a.length; i++) expectClose(a[i], b[i], `${path}[${i}]`);
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(a).sort(), path).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(a)) expectClose((a as never)[k], (b as never)[k], `${path}.${k}`);
  } else {
    expect(a, path).toEqual(b);
  }
}

const hasTorch = spawnSync('python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

describe('scripts/make_fixtures.py', () => {
  let dir = '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    hasTorch
      ? 'regenerates the committed fixtures exactly (torch present)'
      : 'committed fixtures parse (torch absent)',
    () => {
      if (!hasTorch) {
        for (const name of FIXTURE_NAMES) {
          const fx = readFixture(FIXTURES, name);
          expect(fx.logits.data.length).toBe(fx.logits.shape.reduce((a, b) => a * b, 1));
          const weights = readWeights(FIXTURES, name);
          const grads = readWeights(FIXTURES, name, `${name}.grad.safetensors`);
          expect(Object.keys(weights).length).toBeGreaterThan(0);
          for (const [k, g] of Object.entries(grads)) expect(g.shape, k).toEqual(weights[k]?.shape);
          tf.dispose([...Object.values(weights), ...Object.values(grads)]);
        }
        return;
      }
      dir = mkdtempSync(join(tmpdir(), 'makemore-fixtures-'));
      const run = spawnSync('python3', [SCRIPT, '--out', dir], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const files = readdirSync(FIXTURES).sort();
      expect(readdirSync(dir).sort()).toEqual(files);
      for (const file of files) {
        const fresh = readFileSync(join(dir, file));
        const committed = readFileSync(join(FIXTURES, file));
        if (file.endsWith('.grad.safetensors')) {
          // Gradients are float32 sums whose order depends on torch's kernels and thread count: the same
          // names and shapes, values to float32 rounding.
          const name = file.slice(0, -'.grad.safetensors'.length);
          const a = readWeights(dir, name, file);
          const b = readWeights(FIXTURES, name, file);
          expect(Object.keys(a).sort(), file).toEqual(Object.keys(b).sort());
          for (const [k, t] of Object.entries(b)) {
            const got = a[k] as tf.Tensor;
            expect(got.shape, `${file}: ${k}`).toEqual(t.shape);
            expect(scaledDiff(got, t, 1e-3), `${file}: ${k}`).toBeLessThan(1e-5);
          }
          tf.dispose([...Object.values(a), ...Object.values(b)]);
        } else if (file.endsWith('.safetensors')) {
          // Weights come straight from torch's seeded generator: byte for byte.
          expect(fresh.equals(committed), file).toBe(true);
        } else {
          // Expected values went through float64 BLAS, whose last bits may vary between torch builds.
          expectClose(JSON.parse(fresh.toString('utf8')), JSON.parse(committed.toString('utf8')), file);
        }
      }
      for (const name of FIXTURE_NAMES) {
        expectParity(dir, name);
        expectGradientParity(dir, readFixture(dir, name));
      }
    },
  );
});
