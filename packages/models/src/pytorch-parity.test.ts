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
import { sequenceModelFactories } from './sequence-models';
import { maxAbsDiff } from './testing';
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
}

/** The model names the fixtures cover, with the models that build them in this package. */
const FIXTURE_NAMES = ['bigram-nn', 'mlp', 'rnn', 'gru', 'lstm', 'bow', 'transformer', 'wavenet'];

function build(config: ModelConfig): LanguageModel {
  const factory = sequenceModelFactories[config.type];
  if (!factory) throw new Error(`no model for fixture type ${config.type}`);
  return factory(config);
}

const buildable = (name: string) =>
  sequenceModelFactories[name as keyof typeof sequenceModelFactories] !== undefined;

function readFixture(dir: string, name: string): Fixture {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Fixture;
}

/** Minimal safetensors reader for the F32/I64 tensors the fixtures hold. */
function readWeights(dir: string, name: string): Record<string, tf.Tensor> {
  const bytes = readFileSync(join(dir, `${name}.safetensors`));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLen;
  const out: Record<string, tf.Tensor> = {};
  for (const [key, info] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const [begin, end] = info.data_offsets;
    const n = info.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const at = base + begin + i * (info.dtype === 'I64' ? 8 : 4);
      values[i] = info.dtype === 'I64' ? Number(view.getBigInt64(at, true)) : view.getFloat32(at, true);
    }
    expect(end - begin).toBe(n * (info.dtype === 'I64' ? 8 : 4));
    out[key] = tf.tensor(values, info.shape);
  }
  return out;
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
    }
  });

  for (const name of FIXTURE_NAMES.filter(buildable)) {
    it(`${name}: same logits and loss as PyTorch`, () => {
      expectParity(FIXTURES, name);
    });
  }

  it('parameter counts equal makemore.py for its default configs', () => {
    const { counts } = JSON.parse(readFileSync(join(FIXTURES, 'param-counts.json'), 'utf8')) as {
      counts: Record<string, { config: ModelConfig; numParams: number }>;
    };
    let checked = 0;
    for (const [name, { config, numParams }] of Object.entries(counts)) {
      if (!buildable(name)) continue;
      const model = build(config);
      expect(model.numParams(), name).toBe(numParams);
      model.dispose();
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
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
          expect(Object.keys(weights).length).toBeGreaterThan(0);
          tf.dispose(Object.values(weights));
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
        if (file.endsWith('.safetensors')) {
          // Weights come straight from torch's seeded generator: byte for byte.
          expect(fresh.equals(committed), file).toBe(true);
        } else {
          // Expected values went through float64 BLAS, whose last bits may vary between torch builds.
          expectClose(JSON.parse(fresh.toString('utf8')), JSON.parse(committed.toString('utf8')), file);
        }
      }
      for (const name of FIXTURE_NAMES.filter(buildable)) expectParity(dir, name);
    },
  );
});
