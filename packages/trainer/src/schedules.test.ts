import { describe, expect, it } from 'vitest';
import { constant, cosineWithWarmup, stepDecay } from './schedules';

describe('schedules', () => {
  it('constant returns its rate at every step', () => {
    const s = constant(3e-4);
    expect([0, 1, 1e6].map(s)).toEqual([3e-4, 3e-4, 3e-4]);
    expect(() => constant(-1)).toThrow(/lr must be/);
  });

  it("stepDecay defaults to the lecture's 0.1 → 0.01 at step 100k", () => {
    const s = stepDecay();
    expect(s(0)).toBe(0.1);
    expect(s(99_999)).toBe(0.1);
    expect(s(100_000)).toBe(0.01);
    expect(s(199_999)).toBe(0.01);
  });

  it('stepDecay takes several boundaries and checks them', () => {
    const s = stepDecay({ values: [1, 0.5, 0.25], boundaries: [10, 20] });
    expect([0, 9, 10, 19, 20, 1000].map(s)).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
    expect(() => stepDecay({ values: [1], boundaries: [10] })).toThrow(/one more value/);
    expect(() => stepDecay({ values: [1, 2, 3], boundaries: [10, 5] })).toThrow(/ascend/);
  });

  it("cosineWithWarmup gives nanoGPT's baby-GPT values", () => {
    // maxLr 1e-3, minLr 1e-4, warmup 100, decay over 2000 steps.
    const s = cosineWithWarmup({ maxLr: 1e-3, minLr: 1e-4, warmupSteps: 100, decaySteps: 2000 });
    // Warmup as train.py's get_lr: learning_rate · (it + 1) / (warmup_iters + 1).
    expect(s(0)).toBeCloseTo(1e-3 / 101, 15);
    expect(s(49)).toBeCloseTo((1e-3 * 50) / 101, 15);
    expect(s(99)).toBeCloseTo((1e-3 * 100) / 101, 15);
    expect(s(100)).toBeCloseTo(1e-3, 15); // cos(0) = 1
    expect(s(1050)).toBeCloseTo(5.5e-4, 15); // half way: minLr + ½(max − min)
    expect(s(2000)).toBeCloseTo(1e-4, 15); // cos(π) = −1
    expect(s(5000)).toBe(1e-4);
    // A quarter of the way: ½(1 + cos(π/4)) = 0.853553390593…
    expect(s(575)).toBeCloseTo(1e-4 + 0.8535533905932737 * 9e-4, 15);
  });

  it('cosineWithWarmup rejects impossible settings', () => {
    expect(() => cosineWithWarmup({ maxLr: 1, minLr: 2, decaySteps: 10 })).toThrow(/minLr/);
    expect(() => cosineWithWarmup({ maxLr: 1, warmupSteps: 10, decaySteps: 10 })).toThrow(/decaySteps/);
    expect(cosineWithWarmup({ maxLr: 1, decaySteps: 10 })(10)).toBeCloseTo(0.1, 15);
  });
});
