import { describe, expect, it } from 'vitest';
import { FAMILY_DEFAULTS } from './defaults';
import { getRecipe, RECIPES, recipeSpec } from './recipes';
import { mergeSpec, RunSpecError, resolveRunSpec } from './resolve';
import type { RunSpecInput } from './spec';

const errorOf = (input: RunSpecInput): RunSpecError => {
  try {
    resolveRunSpec(input);
  } catch (error) {
    if (error instanceof RunSpecError) return error;
    throw error;
  }
  throw new Error('expected a RunSpecError');
};

describe('resolveRunSpec', () => {
  it('resolves every model family from its defaults alone', () => {
    for (const type of Object.keys(FAMILY_DEFAULTS) as (keyof typeof FAMILY_DEFAULTS)[]) {
      expect(() => resolveRunSpec({ model: { type } }), type).not.toThrow();
    }
    // bigram-nn's constant schedule must not keep the sequence models' cosine warmup.
    expect(resolveRunSpec({ model: { type: 'bigram-nn' } }).schedule).toEqual({ type: 'constant' });
  });

  it('gives the lecture MLP on names for an empty spec, with the schedule in absolute steps', () => {
    const spec = resolveRunSpec({});
    expect(spec.version).toBe(1);
    expect(spec.model).toMatchObject({
      type: 'mlp',
      blockSize: 3,
      nEmbd: 10,
      nHidden: 200,
      inputKind: 'window',
      seed: 42,
    });
    expect(spec.optimizer).toEqual({ type: 'sgd', lr: 0.1, weightDecay: 0, momentum: 0 });
    expect(spec.schedule).toEqual({ type: 'step', gamma: 0.1, milestones: [11250] });
    expect(spec.training).toEqual({ steps: 15000, batchSize: 32, gradAccum: 1, gradClip: 0, seed: 42 });
    expect(spec.data.split).toEqual({ rule: 'fractions', fractions: [0.8, 0.1, 0.1], seed: 42 });
    expect(spec.sample).toMatchObject({ n: 20, maxTokens: 64 });
  });

  it('equals the lecture-mlp recipe, field for field', () => {
    const { recipe: _r, ...fromRecipe } = recipeSpec('lecture-mlp');
    expect(fromRecipe).toEqual(resolveRunSpec({}));
  });

  it('derives schedule positions from the step count of a fresh spec', () => {
    const spec = resolveRunSpec({ model: { type: 'transformer' }, training: { steps: 4000 } });
    expect(spec.schedule).toEqual({ type: 'cosine', warmup: 100, decaySteps: 4000, minLr: 1e-4 });
    const short = resolveRunSpec({ model: { type: 'gru' }, training: { steps: 20 } });
    expect(short.schedule.warmup).toBe(19);
  });

  it.each([
    [{ modle: {} }, 'modle'],
    [{ model: { type: 'mlp', nLayers: 2 } }, 'model.nLayers'],
    [{ model: { type: 'mlp', nLayer: 2 } }, 'model.nLayer'],
    [{ model: { type: 'transformer', nEmbd: 100, nHead: 3 } }, 'model.nHead'],
    [{ model: { type: 'gpt' } }, 'model.type'],
    [{ optimizer: { type: 'sgd', betas: [0.9, 0.99] } }, 'optimizer.betas'],
    [{ optimizer: { type: 'adamw', momentum: 0.9 } }, 'optimizer.momentum'],
    [{ schedule: { type: 'step', minLr: 0.01 } }, 'schedule.minLr'],
    [{ model: { type: 'transformer' }, schedule: { type: 'cosine', warmup: 5000 } }, 'schedule.warmup'],
    [{ data: { tokenizer: { type: 'bpe', vocabSize: 512 } } }, 'data.tokenizer'],
    [{ data: { dataset: 'shakespeare', split: { rule: 'fractions' } } }, 'data.split.rule'],
    [{ data: { dataset: 'names', split: { fractions: [0.5, 0.1, 0.1] } } }, 'data.split.fractions'],
    [{ training: { steps: -5 } }, 'training.steps'],
    [{ training: { steps: 0 } }, 'training.steps'],
    [{ training: { batchSize: 1.5 } }, 'training.batchSize'],
    [{ model: { type: 'wavenet', blockSize: 6 } }, 'model.blockSize'],
    [{ version: 2 }, 'version'],
  ] as [RunSpecInput, string][])('rejects %j naming %s', (input, field) => {
    const error = errorOf(input);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('lets a new model type start its section afresh instead of inheriting the old fields', () => {
    const base = getRecipe('nanogpt-baby').spec;
    const spec = resolveRunSpec(mergeSpec(base, { model: { type: 'gru' } }));
    expect(spec.model).toMatchObject({ type: 'gru', nEmbd: 64, nEmbd2: 64 });
    expect(spec.model).not.toHaveProperty('nLayer');
  });
});

describe('recipes', () => {
  it('all resolve, with a source and a reference', () => {
    expect(RECIPES.map((r) => r.name)).toEqual([
      'bigram',
      'lecture-mlp',
      'lecture-batchnorm',
      'wavenet',
      'makemore-transformer',
      'nanogpt-baby',
      'nanogpt-shakespeare-char',
      'sotu-gpt',
    ]);
    for (const recipe of RECIPES) {
      expect(() => recipeSpec(recipe.name)).not.toThrow();
      expect(recipe.source.length).toBeGreaterThan(10);
      expect(recipe.reference.loss).toBeGreaterThan(1);
    }
  });

  it("nanogpt-baby is nanoGPT's CPU recipe (train_shakespeare_char.py + README overrides + train.py defaults)", () => {
    const spec = recipeSpec('nanogpt-baby');
    // Values from nanoGPT's config/train_shakespeare_char.py, its README's CPU command and train.py.
    expect(spec.model).toEqual({
      type: 'transformer',
      blockSize: 64,
      nLayer: 4,
      nHead: 4,
      nEmbd: 128,
      dropout: 0,
      bias: false,
      tieWeights: true,
      gelu: 'erf',
      init: 'gpt2',
      seed: 42,
    });
    expect(spec.optimizer).toEqual({
      type: 'adamw',
      lr: 1e-3,
      betas: [0.9, 0.99],
      eps: 1e-8,
      weightDecay: 0.1,
      decay: 'rank2',
    });
    expect(spec.schedule).toEqual({ type: 'cosine', warmup: 100, minLr: 1e-4, decaySteps: 2000 });
    expect(spec.training).toEqual({ steps: 2000, batchSize: 12, gradAccum: 1, gradClip: 1, seed: 42 });
    expect(spec.eval).toMatchObject({ every: 250, iters: 20 });
    expect(spec.data).toEqual({
      dataset: 'shakespeare',
      kind: 'auto',
      split: { rule: 'contiguous', fractions: [0.9, 0.1], seed: 42 },
      tokenizer: { type: 'char' },
    });
  });

  it('a resolved spec resolves to itself (what --print-config prints, --config reads back)', () => {
    for (const recipe of RECIPES) {
      const spec = recipeSpec(recipe.name);
      expect(resolveRunSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    }
  });
});
