import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, datasetFromText, datasetFromWords } from '@makemore/datasets';
import { train } from '@makemore/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareRun, prepareSource } from './prepare';
import { recipeSpec } from './recipes';
import { resolveRunSpec } from './resolve';

const dataDir = process.env.MAKEMORE_DATA_DIR as string;
const lines = readFileSync(join(dataDir, 'names.txt'), 'utf8').split('\n');
const names: Dataset = datasetFromWords(lines, { name: 'names' });
const shakespeareText = readFileSync(join(dataDir, 'shakespeare.txt'), 'utf8');
const shakespeare: Dataset = datasetFromText(shakespeareText, { name: 'shakespeare', kind: 'text' });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function losses(
  spec: ReturnType<typeof resolveRunSpec>,
  dataset: Dataset,
  steps: number,
): Promise<number[]> {
  const run = prepareRun(spec, dataset);
  const out: number[] = [];
  const job = train(run.trainOptions({ steps, evalEvery: 0, sampleEvery: 0 }));
  job.on('step', (e) => out.push(e.loss));
  await job.result;
  run.dispose();
  return out;
}

describe('prepareSource', () => {
  it("splits names 80/10/10 with the lecture's boundary token and settles vocab and block size", () => {
    const source = prepareSource(resolveRunSpec({ model: { type: 'transformer' } }), names);
    expect(source.splitSizes).toEqual({ train: 25626, dev: 3203, test: 3204 });
    expect(source.tokenizer.vocabSize).toBe(27);
    expect(source.tokenizer.decode([0])).toBe('.');
    expect(source.spec.model.vocabSize).toBe(27);
    expect(source.spec.model.blockSize).toBe(16); // the longest name has 15 letters
    expect(source.spec.data.kind).toBe('words');
  });

  it("uses makemore.py's split for its transformer recipe, and nanoGPT's 90/10 for Shakespeare", () => {
    expect(prepareSource(recipeSpec('makemore-transformer'), names).splitSizes).toEqual({
      train: 31033,
      test: 1000,
    });
    const text = prepareSource(recipeSpec('nanogpt-baby'), shakespeare);
    // nanoGPT's prepare.py: n = len(data); train = data[:int(n*0.9)] → 1,003,854 and 111,540 characters.
    expect(text.splitSizes).toEqual({ train: 1003854, val: 111540 });
    expect(text.tokenizer.vocabSize).toBe(65);
  });

  it('refuses a vocab size that contradicts the tokenizer, naming the field', () => {
    expect(() => prepareSource(resolveRunSpec({ model: { type: 'mlp', vocabSize: 30 } }), names)).toThrow(
      /^model\.vocabSize: 30 does not match the tokenizer's 27 tokens/,
    );
  });
});

describe('prepareRun', () => {
  it('gives the same losses for the same spec, and different ones for another seed', async () => {
    const spec = resolveRunSpec({ model: { type: 'mlp' }, training: { steps: 5, seed: 7 } });
    const a = await losses(spec, names, 5);
    const b = await losses(spec, names, 5);
    expect(a).toHaveLength(5);
    expect(b).toEqual(a);
    const c = await losses(
      resolveRunSpec({ model: { type: 'mlp' }, training: { steps: 5, seed: 8 } }),
      names,
      5,
    );
    expect(c).not.toEqual(a);
  });

  it('builds the baby GPT with nanoGPT parameter count and decays every rank-2 tensor', () => {
    const run = prepareRun(recipeSpec('nanogpt-baby'), shakespeare);
    // nanoGPT prints "number of parameters: 0.80M" for this shape; with position embeddings 804,096.
    expect(run.model.numParams()).toBe(804096);
    const decayed = (run.optimizer.config() as { decayed?: string[] }).decayed ?? [];
    expect(decayed).toContain('transformer.wte.weight');
    expect(decayed).toContain('transformer.wpe.weight');
    expect(decayed.some((n) => n.includes('ln_'))).toBe(false);
    run.dispose();
  });

  it('samples names from the boundary token and text from a newline', () => {
    const run = prepareRun(resolveRunSpec({ model: { type: 'mlp' }, sample: { n: 3 } }), names);
    const words = run.sample(1);
    expect(words).toHaveLength(3);
    for (const w of words) expect(w).toMatch(/^[a-z]*$/);
    run.dispose();
  });

  it('accumulates gradients over micro-batches when training.gradAccum > 1', async () => {
    const spec = resolveRunSpec({ model: { type: 'mlp' }, training: { steps: 2, gradAccum: 3 } });
    const run = prepareRun(spec, names);
    expect(run.trainOptions().gradAccum).toBe(3);
    const result = await train(run.trainOptions({ evalEvery: 0 })).result;
    expect(result.step).toBe(2);
    run.dispose();
  });
});
