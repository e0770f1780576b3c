import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { StateDictError } from '../state-dict';
import {
  gradientCheck,
  maxAbsDiff,
  overfitBatch,
  randomTokens,
  tensorLeak,
  trainingLeak,
} from '../../test/support/testing';
import type { InputKind, ModelConfig } from '../types';
import { gelu } from './activations';
import { BaseLanguageModel } from './base-model';
import { BatchNorm1d } from './batch-norm';
import { crossEntropy } from './cross-entropy';
import { Embedding } from './embedding';
import { LayerNorm, layerNorm } from './layer-norm';
import { Linear } from './linear';
import { Module, ModuleList } from './module';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A two-layer toy model built from the shared layers, to exercise the base class. */
class Toy extends BaseLanguageModel {
  readonly inputKind: InputKind = 'sequence';
  readonly wte: Embedding;
  readonly ln: LayerNorm;
  readonly bn: BatchNorm1d;
  readonly head: Linear;
  constructor(config: ModelConfig) {
    super(config);
    const rng = new Rng(config.seed ?? 0);
    this.wte = this.addModule('wte', new Embedding(config.vocabSize, 6, rng));
    this.ln = this.addModule('ln', new LayerNorm(6));
    this.bn = this.addModule('bn', new BatchNorm1d(6));
    this.head = this.addModule('head', new Linear(6, config.vocabSize, rng));
  }
  forward(idx: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.head.apply(tf.tanh(this.ln.apply(this.bn.apply(this.wte.apply(idx))))));
  }
}

const config: ModelConfig = { type: 'mlp', vocabSize: 7, blockSize: 4, seed: 3 };

describe('Linear', () => {
  it('stores weight [out, in], computes x Wᵀ + b and draws PyTorch-default init within ±1/sqrt(in)', () => {
    const lin = new Linear(4, 3, new Rng(1));
    expect(lin.weight.shape).toEqual([3, 4]);
    expect(lin.bias?.shape).toEqual([3]);
    const w = lin.weight.arraySync() as number[][];
    const b = lin.bias?.arraySync() as number[];
    for (const v of [...w.flat(), ...b]) expect(Math.abs(v)).toBeLessThanOrEqual(0.5);
    const x = [1, 2, 3, 4];
    const y = tf.tidy(() => lin.apply(tf.tensor3d([[x, x]])).arraySync()) as number[][][];
    expect(y[0]?.[1]?.length).toBe(3);
    for (let o = 0; o < 3; o++) {
      const expected = (w[o] as number[]).reduce((s, wi, i) => s + wi * (x[i] as number), b[o] as number);
      expect(y[0]?.[1]?.[o]).toBeCloseTo(expected, 5);
    }
    lin.dispose();
  });

  it('is seeded: the same seed gives the same weights', () => {
    const a = new Linear(5, 2, new Rng(9));
    const b = new Linear(5, 2, new Rng(9));
    expect(a.weight.dataSync()).toEqual(b.weight.dataSync());
    a.dispose();
    b.dispose();
  });
});

describe('LayerNorm and BatchNorm1d', () => {
  it('LayerNorm gives zero mean and unit variance per row', () => {
    const ln = new LayerNorm(4);
    const y = Array.from(tf.tidy(() => ln.apply(tf.tensor2d([[1, 2, 3, 10]])).dataSync()));
    const mean = y.reduce((s, v) => s + v, 0) / 4;
    const variance = y.reduce((s, v) => s + (v - mean) ** 2, 0) / 4;
    expect(mean).toBeCloseTo(0, 5);
    expect(variance).toBeCloseTo(1, 3);
    ln.dispose();
  });

  it('the fused LayerNorm gradient equals autodiff of the op-by-op formula (with and without bias)', () => {
    const x = tf.randomNormal([3, 2, 5], 0, 1, 'float32', 1);
    const w = tf.randomNormal([5], 1, 0.3, 'float32', 2);
    const b = tf.randomNormal([5], 0, 0.3, 'float32', 3);
    const dy = tf.randomNormal([3, 2, 5], 0, 1, 'float32', 4);
    const plain = (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => {
      const { mean, variance } = tf.moments(xi, -1, true);
      const y = tf.mul(tf.div(tf.sub(xi, mean), tf.sqrt(tf.add(variance, 1e-5))), wi);
      return bi ? tf.add(y, bi) : y;
    };
    const fusedGrads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => layerNorm(xi, wi, bi))(
      [x, w, b],
      dy,
    );
    const plainGrads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => plain(xi, wi, bi))(
      [x, w, b],
      dy,
    );
    fusedGrads.forEach((g, i) => {
      expect(maxAbsDiff(g.dataSync(), plainGrads[i]!.dataSync())).toBeLessThan(1e-5);
    });
    const noBias = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => layerNorm(xi, wi, null))([x, w], dy);
    const noBiasPlain = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => plain(xi, wi))([x, w], dy);
    noBias.forEach((g, i) => {
      expect(maxAbsDiff(g.dataSync(), noBiasPlain[i]!.dataSync())).toBeLessThan(1e-5);
    });
    tf.dispose([x, w, b, dy, ...fusedGrads, ...plainGrads, ...noBias, ...noBiasPlain]);
  });

  it('BatchNorm1d updates running stats with momentum and the unbiased variance, and uses them in eval', () => {
    const bn = new BatchNorm1d(1, { momentum: 0.5 });
    const x = tf.tensor2d([[1], [3]]);
    tf.tidy(() => bn.apply(x));
    // batch mean 2, unbiased variance 2
    expect(bn.runningMean.dataSync()[0]).toBeCloseTo(1, 6);
    expect(bn.runningVar.dataSync()[0]).toBeCloseTo(1.5, 6);
    bn.setTraining(false);
    const y = tf.tidy(() => bn.apply(tf.tensor2d([[1]])).dataSync()[0] as number);
    expect(y).toBeCloseTo(0, 4);
    expect(bn.namedBuffers().has('running_var')).toBe(true);
    x.dispose();
    bn.dispose();
  });
});

describe('gelu', () => {
  it('matches the formulas and their finite-difference derivatives (tanh and erf)', () => {
    const xs = [-3, -1.2, -0.3, 0, 0.4, 1.1, 2.5];
    const ref = {
      tanh: (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
      // Φ via the tanh form is not exact; use a high-precision erf series instead.
      erf: (x: number) => 0.5 * x * (1 + erfSeries(x / Math.SQRT2)),
    };
    for (const kind of ['tanh', 'erf'] as const) {
      const x = tf.tensor1d(xs);
      const y = tf.tidy(() => gelu(x, kind).dataSync());
      const g = tf.tidy(() =>
        tf
          .grad((v: tf.Tensor) => tf.sum(gelu(v, kind)))(x)
          .dataSync(),
      );
      xs.forEach((v, i) => {
        expect(y[i]).toBeCloseTo(ref[kind](v), 5);
        const h = 1e-4;
        expect(g[i]).toBeCloseTo((ref[kind](v + h) - ref[kind](v - h)) / (2 * h), 4);
      });
      x.dispose();
    }
  });
});

/** erf by its Maclaurin series (accurate to ~1e-12 for |z| < 3). */
function erfSeries(z: number): number {
  let sum = 0;
  let term = z;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-z * z) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('Module', () => {
  it('names nested variables with dots and ModuleList indices', () => {
    class Block extends Module {
      constructor(rng: Rng) {
        super();
        this.addModule('c_attn', new Linear(2, 6, rng));
      }
    }
    class Root extends Module {
      constructor() {
        super();
        const rng = new Rng(0);
        this.addModule('h', new ModuleList([new Block(rng), new Block(rng)]));
      }
    }
    const root = new Root();
    expect([...root.namedParameters('transformer.').keys()]).toEqual([
      'transformer.h.0.c_attn.weight',
      'transformer.h.0.c_attn.bias',
      'transformer.h.1.c_attn.weight',
      'transformer.h.1.c_attn.bias',
    ]);
    const before = tf.memory().numTensors;
    root.dispose();
    expect(tf.memory().numTensors).toBe(before - 4);
  });
});

describe('crossEntropy', () => {
  const logits = () => tf.tensor2d([0.1, 1.2, -0.3, 2.0, 0.5, 0.0, -1.0, 0.3, 0.7, 0.2, 0.9, -0.4], [4, 3]);
  const targets = () => tf.tensor1d([2, -1, 0, 1], 'int32');

  it('matches a hand computation and skips ignored targets', () => {
    const rows = logits().arraySync() as number[][];
    const t = [2, -1, 0, 1];
    let sum = 0;
    let n = 0;
    rows.forEach((r, i) => {
      const ti = t[i] as number;
      if (ti < 0) return;
      const lse = Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
      sum += lse - (r[ti] as number);
      n++;
    });
    for (const method of ['fused', 'one-hot', 'gather'] as const) {
      const v = tf.tidy(() => crossEntropy(logits(), targets(), { method }).dataSync()[0] as number);
      expect(v).toBeCloseTo(sum / n, 5);
    }
  });

  it('gives the same gradient with every method, and honours an in-range ignoreIndex', () => {
    const grads = (['fused', 'one-hot', 'gather'] as const).map((method) =>
      tf.tidy(() =>
        tf
          .grad((x: tf.Tensor) => crossEntropy(x, targets(), { method }))(logits())
          .dataSync(),
      ),
    );
    expect(maxAbsDiff(grads[0] as Float32Array, grads[1] as Float32Array)).toBeLessThan(1e-6);
    expect(maxAbsDiff(grads[0] as Float32Array, grads[2] as Float32Array)).toBeLessThan(1e-6);
    // The ignored row has zero gradient.
    expect(Array.from((grads[0] as Float32Array).slice(3, 6))).toEqual([0, 0, 0]);
    const withZero = tf.tidy(
      () => crossEntropy(logits(), tf.tensor1d([2, 0, 0, 1], 'int32'), { ignoreIndex: 0 }).dataSync()[0],
    );
    const dropTwo = tf.tidy(() => crossEntropy(logits(), tf.tensor1d([2, -1, -1, 1], 'int32')).dataSync()[0]);
    expect(withZero).toBeCloseTo(dropTwo as number, 6);
  });

  it('rejects mismatched shapes with a clear message', () => {
    expect(() => crossEntropy(tf.zeros([2, 3]), tf.zeros([3], 'int32'))).toThrow(
      /does not match logits shape/,
    );
  });
});

describe('BaseLanguageModel plumbing (through a toy model)', () => {
  it('passes the finite-difference gradient check on every parameter', () => {
    const model = new Toy(config);
    const idx = randomTokens([3, 4], 7, 1);
    const tgt = randomTokens([3, 4], 7, 2);
    const result = gradientCheck(model, idx, tgt);
    expect(result.names).toEqual([
      'wte.weight',
      'ln.weight',
      'ln.bias',
      'bn.weight',
      'bn.bias',
      'head.weight',
      'head.bias',
    ]);
    expect(result.failures).toEqual([]);
    for (const name of result.names) expect(result.maxAnalytic[name]).toBeGreaterThan(1e-4);
    model.dispose();
  });

  it('overfits one batch and leaks no tensors while training', () => {
    const model = new Toy(config);
    // A learnable batch: each target is a function of its input token.
    const idx = randomTokens([2, 4], 7, 5);
    const tgt = tf.tidy(() => tf.mod(tf.add(idx, tf.scalar(3, 'int32')), tf.scalar(7, 'int32')));
    const { initialLoss, finalLoss } = overfitBatch(model, idx, tgt, { steps: 150, learningRate: 0.05 });
    expect(initialLoss).toBeGreaterThan(1);
    expect(finalLoss).toBeLessThan(0.1);
    expect(trainingLeak(model, idx, tgt, 100)).toBe(0);
    model.dispose();
  });

  it('counts parameters, round-trips a state dict, and rejects a bad one listing every mismatch', () => {
    const a = new Toy(config);
    const b = new Toy({ ...config, seed: 99 });
    expect(a.numParams()).toBe(7 * 6 + 6 + 6 + 6 + 6 + 7 * 6 + 7);
    expect(Object.keys(a.stateDict())).toContain('bn.running_mean');
    b.loadStateDict(a.stateDict());
    const idx = randomTokens([2, 4], 7, 7);
    b.setTraining(false);
    a.setTraining(false);
    const ya = tf.tidy(() => a.forward(idx).dataSync());
    const yb = tf.tidy(() => b.forward(idx).dataSync());
    expect(maxAbsDiff(ya, yb)).toBe(0);

    const bad: Record<string, tf.Tensor> = { ...a.stateDict() };
    delete bad['ln.bias'];
    bad['head.weight'] = tf.zeros([6, 7]);
    bad['extra.weight'] = tf.zeros([1]);
    bad['h.0.attn.bias'] = tf.zeros([1, 1, 4, 4]); // a causal mask: ignored
    const c = new Toy({ ...config, seed: 5 });
    const before = c.stateDict()['wte.weight']?.dataSync().slice();
    let error: unknown;
    try {
      c.loadStateDict(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const mismatches = (error as StateDictError).mismatches;
    expect(mismatches).toHaveLength(3);
    expect(mismatches.join('\n')).toMatch(/missing "ln.bias"/);
    expect(mismatches.join('\n')).toMatch(/wrong shape for "head.weight": got \[6, 7\], expected \[7, 6\]/);
    expect(mismatches.join('\n')).toMatch(/unexpected "extra.weight"/);
    // nothing was loaded
    expect(c.stateDict()['wte.weight']?.dataSync()).toEqual(before);
    a.dispose();
    b.dispose();
    c.dispose();
  });

  it('forward leaks nothing', () => {
    const model = new Toy(config);
    const idx = randomTokens([2, 4], 7, 8);
    expect(tensorLeak(() => tf.tidy(() => model.forward(idx)).dispose())).toBe(0);
    model.dispose();
  });
});
