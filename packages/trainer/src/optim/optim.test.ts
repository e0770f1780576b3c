import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, AdamW, isWeightMatrix } from './adam';
import { createOptimizer } from './create';
import { SGD } from './sgd';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const vars = (spec: Record<string, number[][] | number[]>) =>
  new Map<string, Variable>(Object.entries(spec).map(([k, v]) => [k, tf.variable(tf.tensor(v))]));
const grads = (spec: Record<string, number[][] | number[]>) =>
  new Map(Object.entries(spec).map(([k, v]) => [k, tf.tensor(v)]));
const values = (v: Variable) => Array.from(v.dataSync());

describe('SGD', () => {
  it('takes plain steps θ ← θ − lr·g', () => {
    const p = vars({ w: [1, 2] });
    const opt = new SGD(p, { lr: 0.5 });
    opt.step(grads({ w: [2, -4] }));
    expect(values(p.get('w')!)).toEqual([0, 4]);
    expect(opt.stepCount).toBe(1);
  });

  it('accumulates momentum b ← μb + g', () => {
    const p = vars({ w: [0] });
    const opt = new SGD(p, { lr: 1, momentum: 0.5 });
    opt.step(grads({ w: [1] })); // b = 1, w = -1
    opt.step(grads({ w: [1] })); // b = 1.5, w = -2.5
    expect(values(p.get('w')!)[0]).toBeCloseTo(-2.5, 6);
  });

  it('rejects a momentum outside [0, 1)', () => {
    expect(() => new SGD(vars({ w: [0] }), { momentum: 1 })).toThrow(/momentum/);
  });
});

describe('AdamW', () => {
  it('matches a step computed by hand', () => {
    // One weight matrix (decayed) and one bias (not decayed).
    const p = vars({ 'fc.weight': [[1, -2]], 'fc.bias': [0.5] });
    const opt = new AdamW(p, { lr: 0.1, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.5 });
    const g1 = { 'fc.weight': [[0.2, -0.4]], 'fc.bias': [1] };
    opt.step(grads(g1));
    // Step 1: m = 0.1g, v = 0.01g²; m̂ = g, v̂ = g², so the Adam step is lr·g/(|g| + ε) ≈ lr·sign(g).
    // Weight: θ·(1 − 0.1·0.5) − 0.1·sign(g): 1·0.95 − 0.1 = 0.85, −2·0.95 + 0.1 = −1.8.
    // Bias: no decay: 0.5 − 0.1 = 0.4.
    expect(values(p.get('fc.weight')!)[0]).toBeCloseTo(0.85, 6);
    expect(values(p.get('fc.weight')!)[1]).toBeCloseTo(-1.8, 6);
    expect(values(p.get('fc.bias')!)[0]).toBeCloseTo(0.4, 6);
    // Step 2 on the bias with g = −1: m = 0.9·0.1 − 0.1 = −0.01, v = 0.99·0.01 + 0.01 = 0.0199.
    // m̂ = −0.01/0.19, v̂ = 0.0199/0.0199 = 1, so θ = 0.4 − 0.1·(−0.01/0.19)/1.
    opt.step(grads({ 'fc.bias': [-1] }));
    expect(values(p.get('fc.bias')!)[0]).toBeCloseTo(0.4 + 0.001 / 0.19, 6);
    // The weight got no gradient on step 2 and is left alone (no decay either).
    expect(values(p.get('fc.weight')!)[0]).toBeCloseTo(0.85, 6);
    expect(opt.stepCount).toBe(2);
  });

  it('decays weight matrices only: not biases, embeddings or norm gains', () => {
    const p = vars({
      'transformer.wte.weight': [[1]],
      'transformer.wpe.weight': [[1]],
      'transformer.h.0.ln_1.weight': [1],
      'transformer.h.0.attn.c_attn.weight': [[1]],
      'transformer.h.0.attn.c_attn.bias': [1],
      'lm_head.weight': [[1]],
      C: [[1]],
      bngain: [[1]],
    });
    const opt = new AdamW(p);
    expect(opt.decayedParameters().sort()).toEqual(['lm_head.weight', 'transformer.h.0.attn.c_attn.weight']);
    const custom = new AdamW(p, { decay: (name) => name === 'C' });
    expect(custom.decayedParameters()).toEqual(['C']);
    expect(isWeightMatrix('mlp.c_fc.weight', p.get('lm_head.weight')!)).toBe(true);
  });

  it('equals Adam when weight decay is 0', () => {
    const a = vars({ w: [[1, 2]] });
    const b = vars({ w: [[1, 2]] });
    const adam = new Adam(a, { lr: 0.01 });
    const adamw = new AdamW(b, { lr: 0.01, weightDecay: 0 });
    for (const g of [[[0.1, 0.3]], [[-0.2, 0.5]], [[0.7, -0.1]]]) {
      adam.step(grads({ w: g }));
      adamw.step(grads({ w: g }));
    }
    expect(values(a.get('w')!)).toEqual(values(b.get('w')!));
  });
});

describe('optimizer state', () => {
  it('saves and loads so the continuation is identical', () => {
    const seq = [
      [0.3, -0.2],
      [0.1, 0.4],
      [-0.5, 0.2],
      [0.05, 0.05],
    ];
    const make = () => vars({ 'fc.weight': [[1, 2]] });
    const full = make();
    const optFull = new AdamW(full, { lr: 0.05, weightDecay: 0.1 });
    for (const g of seq) optFull.step(grads({ 'fc.weight': [g] }));

    const first = make();
    const opt1 = new AdamW(first, { lr: 0.05, weightDecay: 0.1 });
    for (const g of seq.slice(0, 2)) opt1.step(grads({ 'fc.weight': [g] }));
    const state = opt1.getState();
    expect(Object.keys(state.tensors).sort()).toEqual(['exp_avg.fc.weight', 'exp_avg_sq.fc.weight']);
    expect(state.step).toBe(2);
    const opt2 = createOptimizer(first, JSON.parse(JSON.stringify(state.config)));
    opt2.setState(state);
    for (const g of seq.slice(2)) opt2.step(grads({ 'fc.weight': [g] }));
    expect(values(first.get('fc.weight')!)).toEqual(values(full.get('fc.weight')!));
  });

  it('updates all parameters at once exactly as it updates them one tensor at a time', () => {
    const rand = (seed: number, shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed + 1); // seed 0 means unseeded
    const shapes: Record<string, number[]> = {
      'h.0.fc.weight': [3, 4],
      'h.0.fc.bias': [3],
      'wte.weight': [5, 4],
      'h.1.proj.weight': [4, 3],
    };
    const names = Object.keys(shapes);
    const make = () =>
      new Map(names.map((n, i) => [n, tf.variable(rand(i, shapes[n] as number[]))] as const));
    const gradsAt = (step: number) =>
      new Map(names.map((n, i) => [n, rand(100 * step + i, shapes[n] as number[])] as const));
    for (const Kind of [AdamW, Adam]) {
      const options = { lr: 0.01, weightDecay: 0.1, betas: [0.9, 0.99] as [number, number] };
      const together = make();
      const opt = new Kind(together, options);
      // The reference: one optimizer per tensor, which always takes the tensor-by-tensor path.
      const alone = make();
      const single = names.map((n) => new Kind(new Map([[n, alone.get(n) as Variable]]), options));
      let wteBefore: number[] = [];
      for (let step = 0; step < 7; step++) {
        const g = gradsAt(step);
        // A state round trip splits and re-joins the moments; the last step misses a gradient, so it
        // takes the tensor path and leaves that parameter alone.
        if (step === 3) opt.setState(opt.getState());
        if (step === 6) {
          g.delete('wte.weight');
          wteBefore = values(together.get('wte.weight') as Variable);
        }
        opt.step(g);
        names.forEach((n, i) => {
          const gi = g.get(n);
          if (gi) (single[i] as Adam).step(new Map([[n, gi]]));
        });
        tf.dispose([...g.values()]);
      }
      for (const n of names)
        expect(values(together.get(n) as Variable)).toEqual(values(alone.get(n) as Variable));
      expect(values(together.get('wte.weight') as Variable)).toEqual(wteBefore);
      const state = opt.getState();
      names.forEach((n, i) => {
        const ref = (single[i] as Adam).getState().tensors;
        expect(Array.from(state.tensors[`exp_avg_sq.${n}`]?.dataSync() ?? [])).toEqual(
          Array.from(ref[`exp_avg_sq.${n}`]?.dataSync() ?? [NaN]),
        );
      });
    }
  });

  it('refuses state for another optimizer or with wrong shapes, listing each problem', () => {
    const p = vars({ w: [[1, 2]] });
    const sgd = new SGD(p, { momentum: 0.9 });
    sgd.step(grads({ w: [[1, 1]] }));
    const adam = new Adam(p);
    expect(() => adam.setState(sgd.getState())).toThrow(/'sgd', not 'adam'/);
    const bad = {
      config: adam.config(),
      step: 1,
      tensors: { 'exp_avg.w': tf.zeros([3]), 'exp_avg.nope': tf.zeros([1]) },
    };
    expect(() => adam.setState(bad)).toThrow(/shape \[3\][\s\S]*'exp_avg.nope' names no parameter/);
    expect(() => createOptimizer(p, { type: 'lion' as never, lr: 1 })).toThrow(
      /unknown optimizer type 'lion'/,
    );
  });

  it('leaks no tensors per step', () => {
    const p = vars({
      'a.weight': [
        [1, 2],
        [3, 4],
      ],
      'a.bias': [1, 2],
    });
    for (const opt of [new SGD(p, { momentum: 0.9, weightDecay: 0.1 }), new Adam(p), new AdamW(p)]) {
      opt.step(
        grads({
          'a.weight': [
            [1, 1],
            [1, 1],
          ],
          'a.bias': [1, 1],
        }),
      );
      const g = grads({
        'a.weight': [
          [1, 1],
          [1, 1],
        ],
        'a.bias': [1, 1],
      });
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) opt.step(g);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...g.values()]);
      opt.dispose();
    }
  });
});
