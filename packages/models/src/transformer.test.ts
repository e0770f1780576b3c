import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from './generate';
import { StateDictError } from './state-dict';
import {
  gradientCheck,
  maxAbsDiff,
  overfitBatch,
  randomTokens,
  tensorLeak,
  trainingLeak,
} from '../test/support/testing';
import { Transformer, type TransformerConfig } from './transformer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny: TransformerConfig = {
  type: 'transformer',
  vocabSize: 5,
  blockSize: 4,
  nLayer: 2,
  nHead: 2,
  nEmbd: 8,
  seed: 3,
};

/** GPT-2 parameter count from the architecture, written out independently of the model code. */
function gptParamCount(V: number, T: number, E: number, L: number, bias: boolean, tied: boolean): number {
  const b = bias ? 1 : 0;
  const layerNorm = E + b * E;
  const perLayer =
    2 * layerNorm + // ln_1, ln_2
    (E * 3 * E + b * 3 * E) + // attn.c_attn
    (E * E + b * E) + // attn.c_proj
    (E * 4 * E + b * 4 * E) + // mlp.c_fc
    (4 * E * E + b * E); // mlp.c_proj
  return V * E + T * E + L * perLayer + layerNorm + (tied ? 0 : V * E);
}

describe('Transformer', () => {
  it('has makemore.py’s parameter names, shapes and count for its default config', () => {
    const model = new Transformer({ type: 'transformer', vocabSize: 27, blockSize: 16 });
    expect(model.numParams()).toBe(gptParamCount(27, 16, 64, 4, true, false));
    expect(model.numParams()).toBe(204544);
    const names = [...model.parameters().keys()];
    expect(names.slice(0, 14)).toEqual([
      'transformer.wte.weight',
      'transformer.wpe.weight',
      'transformer.h.0.ln_1.weight',
      'transformer.h.0.ln_1.bias',
      'transformer.h.0.attn.c_attn.weight',
      'transformer.h.0.attn.c_attn.bias',
      'transformer.h.0.attn.c_proj.weight',
      'transformer.h.0.attn.c_proj.bias',
      'transformer.h.0.ln_2.weight',
      'transformer.h.0.ln_2.bias',
      'transformer.h.0.mlp.c_fc.weight',
      'transformer.h.0.mlp.c_fc.bias',
      'transformer.h.0.mlp.c_proj.weight',
      'transformer.h.0.mlp.c_proj.bias',
    ]);
    expect(names.slice(-3)).toEqual(['transformer.ln_f.weight', 'transformer.ln_f.bias', 'lm_head.weight']);
    const p = model.parameters();
    expect(p.get('transformer.h.3.attn.c_attn.weight')?.shape).toEqual([192, 64]);
    expect(p.get('transformer.h.3.mlp.c_proj.weight')?.shape).toEqual([64, 256]);
    expect(p.get('lm_head.weight')?.shape).toEqual([27, 64]);
    model.dispose();
  });

  it('nanoGPT options: no bias, tied weights (lm_head.weight is an alias in the state dict)', () => {
    const model = new Transformer({ ...tiny, bias: false, tieWeights: true, gelu: 'erf', init: 'gpt2' });
    expect(model.numParams()).toBe(gptParamCount(5, 4, 8, 2, false, true));
    expect(model.parameters().has('lm_head.weight')).toBe(false);
    const sd = model.stateDict();
    expect(sd['lm_head.weight']).toBe(sd['transformer.wte.weight']);
    // A checkpoint that stores only one of the tied names loads either way.
    const other = new Transformer({
      ...tiny,
      bias: false,
      tieWeights: true,
      gelu: 'erf',
      init: 'gpt2',
      seed: 9,
    });
    const { 'transformer.wte.weight': wte, ...rest } = sd;
    other.loadStateDict({ ...rest, 'lm_head.weight': wte as tf.Tensor });
    const idx = randomTokens([2, 4], 5, 1);
    const a = tf.tidy(() => model.forward(idx).dataSync());
    const b = tf.tidy(() => other.forward(idx).dataSync());
    expect(maxAbsDiff(a, b)).toBe(0);
    model.dispose();
    other.dispose();
  });

  it('gpt2 init draws N(0, 0.02) and scales residual projections by 1/sqrt(2·nLayer)', () => {
    const model = new Transformer({
      type: 'transformer',
      vocabSize: 50,
      blockSize: 32,
      nLayer: 8,
      nEmbd: 64,
      init: 'gpt2',
    });
    const std = (name: string) => {
      const v = Array.from(model.parameters().get(name)!.dataSync());
      const m = v.reduce((s, x) => s + x, 0) / v.length;
      return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length);
    };
    expect(std('transformer.h.0.attn.c_attn.weight')).toBeCloseTo(0.02, 3);
    expect(std('transformer.h.0.mlp.c_proj.weight')).toBeCloseTo(0.02 / 4, 3);
    expect(
      Array.from(model.parameters().get('transformer.h.0.attn.c_attn.bias')!.dataSync()).every(
        (x) => x === 0,
      ),
    ).toBe(true);
    model.dispose();
  });

  it('is causal: a later token never changes earlier logits', () => {
    const model = new Transformer(tiny);
    const a = tf.tidy(() =>
      model.forward(tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32')).arraySync(),
    ) as number[][][];
    const b = tf.tidy(() =>
      model.forward(tf.tensor2d([[1, 2, 3, 0]], [1, 4], 'int32')).arraySync(),
    ) as number[][][];
    const c = tf.tidy(() =>
      model.forward(tf.tensor2d([[1, 2]], [1, 2], 'int32')).arraySync(),
    ) as number[][][];
    for (let t = 0; t < 3; t++) expect(maxAbsDiff(a[0]![t]!, b[0]![t]!)).toBeLessThan(1e-6);
    expect(maxAbsDiff(a[0]![3]!, b[0]![3]!)).toBeGreaterThan(1e-4);
    for (let t = 0; t < 2; t++) expect(maxAbsDiff(a[0]![t]!, c[0]![t]!)).toBeLessThan(1e-5);
    expect(() => model.forward(tf.zeros([1, 5], 'int32'))).toThrow(/exceeds blockSize 4/);
    model.dispose();
  });

  it('passes the gradient check (makemore and nanoGPT variants)', () => {
    for (const extra of [{}, { bias: false, tieWeights: true, gelu: 'erf' as const }]) {
      const model = new Transformer({ ...tiny, ...extra });
      const idx = randomTokens([2, 4], 5, 2);
      const tgt = randomTokens([2, 4], 5, 3);
      const result = gradientCheck(model, idx, tgt, { samplesPerParameter: 2 });
      expect(result.failures).toEqual([]);
      for (const n of result.names) expect(result.maxAnalytic[n]).toBeGreaterThan(1e-5);
      model.dispose();
    }
  });

  it('overfits a batch and leaks nothing in training or generation (past blockSize)', () => {
    const model = new Transformer({ ...tiny, dropout: 0.1 });
    const idx = randomTokens([2, 4], 5, 4);
    const tgt = randomTokens([2, 4], 5, 5);
    const { finalLoss } = overfitBatch(model, idx, tgt, { steps: 120, learningRate: 0.02 });
    expect(finalLoss).toBeLessThan(0.15);
    expect(trainingLeak(model, idx, tgt, 100)).toBe(0);
    let out: number[] = [];
    expect(tensorLeak(() => (out = generate(model, { maxNewTokens: 10, seed: 1 })))).toBe(0);
    expect(out).toHaveLength(10); // 10 > blockSize 4: the context was cropped every step
    model.dispose();
  });

  it('dropout is active only in training mode and is seeded', () => {
    const a = new Transformer({ ...tiny, dropout: 0.5 });
    const b = new Transformer({ ...tiny, dropout: 0.5 });
    const idx = randomTokens([2, 4], 5, 6);
    const ta = tf.tidy(() => a.forward(idx).dataSync());
    const tb = tf.tidy(() => b.forward(idx).dataSync());
    expect(maxAbsDiff(ta, tb)).toBe(0);
    a.setTraining(false);
    const e1 = tf.tidy(() => a.forward(idx).dataSync());
    const e2 = tf.tidy(() => a.forward(idx).dataSync());
    expect(maxAbsDiff(e1, e2)).toBe(0);
    expect(maxAbsDiff(ta, e1)).toBeGreaterThan(1e-3);
    a.dispose();
    b.dispose();
  });

  it('loads makemore-style state dicts with causal-mask buffers, and lists every mismatch otherwise', () => {
    const src = new Transformer(tiny);
    const dst = new Transformer({ ...tiny, seed: 11 });
    const masks = {
      'transformer.h.0.attn.bias': tf.ones([1, 1, 4, 4]),
      'transformer.h.1.attn.bias': tf.ones([1, 1, 4, 4]),
    };
    dst.loadStateDict({ ...src.stateDict(), ...masks });
    const idx = randomTokens([1, 4], 5, 7);
    expect(
      maxAbsDiff(
        tf.tidy(() => src.forward(idx).dataSync()),
        tf.tidy(() => dst.forward(idx).dataSync()),
      ),
    ).toBe(0);
    const wrong = new Transformer({ ...tiny, nEmbd: 12, nHead: 3, seed: 12 });
    const before = wrong.parameters().get('transformer.wte.weight')!.dataSync().slice();
    let err: StateDictError | undefined;
    try {
      wrong.loadStateDict(src.stateDict());
    } catch (e) {
      err = e as StateDictError;
    }
    expect(err).toBeInstanceOf(StateDictError);
    // every parameter has a different shape when nEmbd changes
    expect(err?.mismatches).toHaveLength(src.parameters().size);
    expect(err?.message).toMatch(
      /wrong shape for "transformer.wpe.weight": got \[4, 8\], expected \[4, 12\]/,
    );
    expect(wrong.parameters().get('transformer.wte.weight')!.dataSync()).toEqual(before);
    tf.dispose(Object.values(masks));
    src.dispose();
    dst.dispose();
    wrong.dispose();
  });

  it('rejects invalid configs with the field name', () => {
    expect(() => new Transformer({ ...tiny, nHead: 3 })).toThrow(/divisible by nHead/);
    expect(() => new Transformer({ ...tiny, dropout: 1 })).toThrow(/dropout/);
    expect(() => new Transformer({ ...tiny, vocabSize: 0 })).toThrow(/vocabSize must be a positive integer/);
  });
});
