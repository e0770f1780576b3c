import { describe, expect, it } from 'vitest';
import { recipeSpec } from './recipes';
import { RunSpecError, resolveRunSpec } from './resolve';
import {
  AUTO_THREADS_MAX,
  AUTO_THREADS_MIN_MULTIPLY_ADDS,
  chooseThreads,
  estimatedMultiplyAdds,
} from './threads';

describe('estimatedMultiplyAdds', () => {
  it('is 3 × parameters × predictions, counted by hand for the lecture MLP', () => {
    // Block 3, embedding 10, hidden 200, vocab 65 (no tokenizer size in the spec): (65 + 1)·10 + 3·10·200
    // + 200 + 200·65 + 65 = 19,925 parameters; a window model predicts one token per row of 32.
    expect(estimatedMultiplyAdds(resolveRunSpec({}))).toBe(3 * 19_925 * 32);
  });

  it('counts every position of a sequence model, and the vocabulary a BPE spec names', () => {
    const spec = resolveRunSpec({
      data: { dataset: 'shakespeare', tokenizer: { type: 'bpe', vocabSize: 1000 } },
      model: { type: 'transformer', blockSize: 32, nLayer: 2, nEmbd: 64, nHead: 4, tieWeights: false },
      training: { batchSize: 8 },
    });
    // V·E + T·E + L·(12E² + 13E) + 2E + E·V, with V = 1000, T = 32, E = 64, L = 2 (models' estimateMemory).
    const params = 1000 * 64 + 32 * 64 + 2 * (12 * 64 * 64 + 13 * 64) + 2 * 64 + 64 * 1000;
    expect(estimatedMultiplyAdds(spec)).toBe(3 * params * 8 * 32);
  });
});

describe("chooseThreads: backend.threads 'auto'", () => {
  it("is the spec's default and stays 'auto' in the resolved spec (run.json)", () => {
    expect(resolveRunSpec({}).backend).toEqual({ name: 'auto', threads: 'auto' });
  });

  it('gives 1 thread to the small models, where a second thread was measured to slow steps', () => {
    for (const spec of [resolveRunSpec({}), recipeSpec('makemore-transformer'), recipeSpec('wavenet')]) {
      const choice = chooseThreads(spec, 2);
      expect(choice.multiplyAdds).toBeLessThan(AUTO_THREADS_MIN_MULTIPLY_ADDS);
      expect(choice).toMatchObject({ threads: 1, source: 'auto' });
      expect(choice.reason).toMatch(/^1 thread: .* multiply-adds per step, under the /);
    }
  });

  it('gives every core (at most the maximum) to the GPTs', () => {
    for (const name of ['nanogpt-baby', 'nanogpt-shakespeare-char']) {
      const spec = recipeSpec(name);
      expect(chooseThreads(spec, 2)).toMatchObject({ threads: 2, source: 'auto' });
      expect(chooseThreads(spec, 64).threads).toBe(AUTO_THREADS_MAX);
      expect(chooseThreads(spec, 1)).toMatchObject({
        threads: 1,
        reason: expect.stringMatching(/only one core/),
      });
      expect(chooseThreads(spec, 2).reason).toMatch(/^2 threads: .* at least the /);
    }
  });

  it('decides at the threshold: just under it 1 thread, at it more', () => {
    // A window MLP's estimate grows with the batch alone: find the batch sizes on both sides.
    const perRow = estimatedMultiplyAdds(resolveRunSpec({ training: { batchSize: 1 } }));
    const atLeast = Math.ceil(AUTO_THREADS_MIN_MULTIPLY_ADDS / perRow);
    const under = resolveRunSpec({ training: { batchSize: atLeast - 1 } });
    const over = resolveRunSpec({ training: { batchSize: atLeast } });
    expect(estimatedMultiplyAdds(under)).toBeLessThan(AUTO_THREADS_MIN_MULTIPLY_ADDS);
    expect(estimatedMultiplyAdds(over)).toBeGreaterThanOrEqual(AUTO_THREADS_MIN_MULTIPLY_ADDS);
    expect(chooseThreads(under, 4).threads).toBe(1);
    expect(chooseThreads(over, 4).threads).toBe(4);
  });

  it('keeps a number the spec names, whatever the model', () => {
    const small = resolveRunSpec({ backend: { threads: 3 } });
    expect(chooseThreads(small, 2)).toMatchObject({
      threads: 3,
      source: 'spec',
      reason: '3 threads, as asked',
    });
    const big = recipeSpec('nanogpt-baby', { backend: { threads: 1 } });
    expect(chooseThreads(big, 16)).toMatchObject({ threads: 1, source: 'spec' });
  });

  it('refuses anything but auto or a whole number >= 1, naming the field', () => {
    for (const threads of ['two', 0, 1.5, null]) {
      let error: unknown;
      try {
        resolveRunSpec({ backend: { threads } } as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RunSpecError);
      expect((error as Error).message).toMatch(/backend\.threads.*must be 'auto' or a whole number >= 1/);
    }
  });
});
