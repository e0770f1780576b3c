import '@tensorflow/tfjs-backend-cpu';
import { datasetFromText } from '@makemore/datasets';
import { createModel, type LanguageModel, type ModelConfig } from '@makemore/models';
import { CharTokenizer } from '@makemore/tokenizers';
import { train } from '@makemore/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type InitSource, specForInit } from './init-from';
import { prepareRun } from './prepare';
import { resolveRunSpec } from './resolve';

// Two texts over the same characters: the weights learn on one and fine-tune on the other.
const first = 'the quick brown fox jumps over the lazy dog\n'.repeat(40);
const second = 'a lazy dog sleeps; the brown fox jumps over it quickly\n'.repeat(40);
const alphabet = CharTokenizer.fromText(first + second);

const sourceConfig: ModelConfig = {
  type: 'transformer',
  vocabSize: alphabet.vocabSize,
  blockSize: 16,
  nLayer: 2,
  nHead: 2,
  nEmbd: 16,
  dropout: 0,
  bias: false,
  tieWeights: true,
  gelu: 'erf',
  init: 'gpt2',
  seed: 7,
};

let source: LanguageModel;
let init: InitSource;

beforeAll(async () => {
  await tf.setBackend('cpu');
  source = createModel(sourceConfig) as LanguageModel;
  init = { from: 'runs/first', model: sourceConfig, tokenizer: alphabet, weights: source.stateDict() };
});

const ids = (text: string, n: number) => tf.tensor2d([alphabet.encode(text).slice(0, n)], [1, n], 'int32');

describe('specForInit', () => {
  it("takes the model and the tokenizer from the weights and keeps the caller's training fields", () => {
    const spec = resolveRunSpec(
      specForInit(
        { data: { dataset: 'notes.txt' }, optimizer: { type: 'adamw', lr: 3e-5 }, training: { steps: 20 } },
        init,
      ),
    );
    expect(spec.initFrom).toBe('runs/first');
    expect(spec.data.tokenizer).toEqual({ type: 'init' });
    expect(spec.model).toMatchObject({ type: 'transformer', nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 16 });
    expect(spec.model).toMatchObject({ bias: false, tieWeights: true, gelu: 'erf', init: 'gpt2' });
    expect(spec.optimizer.lr).toBe(3e-5);
    expect(spec.training.steps).toBe(20);
  });

  it("trains a large model as nanoGPT's finetune_shakespeare.py does, a small one as its family, unless told", () => {
    const large = resolveRunSpec(
      specForInit({ data: { dataset: 'notes.txt' } }, { ...init, params: 124_000_000 }),
    );
    expect(large.optimizer).toMatchObject({ type: 'adamw', lr: 3e-5, betas: [0.9, 0.95], weightDecay: 0.1 });
    expect(large.optimizer.decay).toBe('rank2');
    expect(large.schedule.type).toBe('constant');
    expect(large.training).toMatchObject({ steps: 20, batchSize: 1, gradAccum: 32, gradClip: 1 });
    expect(large.eval).toMatchObject({ every: 5, iters: 40 });
    // Counted from the config when not given: this 2-layer, 16-wide model is far below 10 M parameters.
    const small = resolveRunSpec(specForInit({ data: { dataset: 'notes.txt' } }, init));
    const fresh = resolveRunSpec({ data: { dataset: 'notes.txt' }, model: { type: 'transformer' } });
    expect(small.optimizer).toEqual(fresh.optimizer);
    expect(small.schedule).toEqual(fresh.schedule);
    const asked = resolveRunSpec(
      specForInit(
        { data: { dataset: 'notes.txt' }, optimizer: { lr: 1e-4 } },
        { ...init, params: 124_000_000 },
      ),
    );
    expect(asked.optimizer.lr).toBe(1e-4);
  });

  it('lets dropout and a shorter transformer block size differ, and records them', () => {
    const spec = resolveRunSpec(
      specForInit({ model: { type: 'transformer', blockSize: 8, dropout: 0.1 } }, init),
    );
    expect(spec.model.blockSize).toBe(8);
    expect(spec.model.dropout).toBe(0.1);
  });

  it('refuses a model field that contradicts the weights, naming it', () => {
    expect(() => specForInit({ model: { type: 'transformer', nLayer: 4 } }, init)).toThrow(
      /^model\.nLayer: 4 differs from the 2 of the weights in runs\/first/,
    );
    expect(() => specForInit({ model: { type: 'mlp' } }, init)).toThrow(/^model\.type: "mlp" differs/);
    expect(() => specForInit({ model: { type: 'transformer', blockSize: 32 } }, init)).toThrow(
      /^model\.blockSize: 32 is longer than the 16 positions/,
    );
    const mlp = {
      ...init,
      model: { type: 'mlp', vocabSize: 30, blockSize: 3, nEmbd: 10, nHidden: 20 },
    } as const;
    expect(() => specForInit({ model: { type: 'mlp', blockSize: 2 } }, mlp)).toThrow(
      /only a transformer's block size can be cut shorter/,
    );
  });

  it('refuses a tokenizer of its own, and an init tokenizer without weights', () => {
    expect(() => specForInit({ data: { tokenizer: { type: 'char' } } }, init)).toThrow(
      /^data\.tokenizer: a run that starts from runs\/first uses the tokenizer saved with those weights/,
    );
    expect(() =>
      resolveRunSpec({ initFrom: 'runs/first', data: { tokenizer: { type: 'bpe', vocabSize: 300 } } }),
    ).toThrow(
      /^data\.tokenizer: a run that starts from runs\/first uses the tokenizer saved with those weights/,
    );
    expect(() => resolveRunSpec({ data: { tokenizer: { type: 'init' } } })).toThrow(
      /^data\.tokenizer: 'init' is the tokenizer saved with initFrom's weights/,
    );
    expect(() => resolveRunSpec({ initFrom: '' })).toThrow(/^initFrom: must name the trained weights/);
  });
});

describe('prepareRun with init', () => {
  const dataset = datasetFromText(second, { name: 'second.txt', kind: 'text' });
  const data = { dataset: 'second.txt' };

  it('starts from the weights: the same logits as the source model, a shorter block cropping positions', () => {
    const spec = resolveRunSpec(specForInit({ data, model: { type: 'transformer', blockSize: 8 } }, init));
    const run = prepareRun(spec, dataset, { init });
    try {
      expect(run.tokenizer).toBe(alphabet);
      expect(run.spec.model.vocabSize).toBe(alphabet.vocabSize);
      const x = ids(second, 8);
      const got = run.model.forward(x);
      const want = source.forward(x);
      expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBeLessThan(1e-6);
      expect(run.model.stateDict()['transformer.wpe.weight']?.shape).toEqual([8, 16]);
      tf.dispose([x, got, want]);
    } finally {
      run.dispose();
    }
  });

  it('fine-tunes from step 0 with a fresh optimizer, leaving the source weights untouched', async () => {
    const before = source
      .stateDict()
      ['transformer.h.0.attn.c_attn.weight']?.dataSync()
      .slice() as Float32Array;
    const spec = resolveRunSpec(
      specForInit(
        {
          data,
          optimizer: { type: 'adamw', lr: 1e-2 },
          schedule: { type: 'constant' },
          training: { steps: 30, batchSize: 8 },
          eval: { every: 0 },
        },
        init,
      ),
    );
    const run = prepareRun(spec, dataset, { init });
    const losses: number[] = [];
    const job = train(run.trainOptions({ sampleEvery: 0 }));
    job.on('step', (e) => losses.push(e.loss));
    const result = await job.result;
    expect(result.step).toBe(30);
    expect(losses).toHaveLength(30);
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(
      losses.slice(0, 5).reduce((a, b) => a + b) / 5,
    );
    const after = source.stateDict()['transformer.h.0.attn.c_attn.weight']?.dataSync();
    expect(after).toEqual(before);
    const tuned = run.model.stateDict()['transformer.h.0.attn.c_attn.weight']?.dataSync();
    expect(tuned).not.toEqual(before);
    run.dispose();
  });

  it('keeps a padded output layer wider than the tokenizer, and refuses one narrower', () => {
    const wide = { ...sourceConfig, vocabSize: alphabet.vocabSize + 5 };
    const wideModel = createModel(wide) as LanguageModel;
    const padded: InitSource = { ...init, model: wide, weights: wideModel.stateDict() };
    const run = prepareRun(resolveRunSpec(specForInit({ data }, padded)), dataset, { init: padded });
    expect(run.spec.model.vocabSize).toBe(alphabet.vocabSize + 5);
    run.dispose();
    wideModel.dispose();
    const narrow = { ...init, model: { ...sourceConfig, vocabSize: alphabet.vocabSize - 1 } };
    expect(() =>
      prepareRun(resolveRunSpec(specForInit({ data }, narrow)), dataset, { init: narrow }),
    ).toThrow(/^model\.vocabSize: \d+ does not match the tokenizer's/);
  });

  it('refuses data with characters the tokenizer of the weights cannot encode, listing them', () => {
    const other = datasetFromText('Fine-tuning: ünïcode!', { name: 'other.txt', kind: 'text' });
    const spec = resolveRunSpec(specForInit({ data: { dataset: 'other.txt' } }, init));
    expect(() => prepareRun(spec, other, { init })).toThrow(
      /^data\.dataset: other\.txt has 6 characters that the tokenizer of runs\/first cannot encode: "F" \(U\+0046\), "-" \(U\+002D\), ":" \(U\+003A\), "ü" \(U\+00FC\)/,
    );
  });

  it('names initFrom when the weights do not fit, and refuses weights the spec does not start from', () => {
    const { 'transformer.ln_f.weight': _dropped, ...partial } = init.weights;
    const broken: InitSource = { ...init, weights: partial };
    expect(() =>
      prepareRun(resolveRunSpec(specForInit({ data }, broken)), dataset, { init: broken }),
    ).toThrow(
      /^initFrom: the weights in runs\/first do not fit the run's model: .*transformer\.ln_f\.weight/,
    );
    expect(() =>
      prepareRun(resolveRunSpec({ data, model: { type: 'transformer' } }), dataset, { init }),
    ).toThrow(/^initFrom: weights from runs\/first were given, but the spec does not start from them/);
  });
});
