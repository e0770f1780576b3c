/**
 * Exactness of fast generation: for every model family, the cached / stepped decoders give the same
 * logits and the same tokens as recomputing the window. The reference here is written independently of
 * generate.ts's driver: a plain loop over `nextTokenLogits` (the model's forward pass over a cropped
 * context) with the window rule of each mode spelled out.
 */
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BigramCounts } from './bigram-counts';
import { createModel } from './create-model';
import { createDecoder } from './create-decoder';
import {
  type GenerateOptions,
  generate,
  generateBatch,
  generateStream,
  nextTokenLogits,
  type SamplableModel,
  samplingProbabilities,
} from './generate';
import { createTextStream } from './text-stream';
import { tensorLeak } from '../test/support/testing';
import type { LanguageModel, ModelConfig } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Generation by recomputation. `exact`: each prediction reads the last blockSize tokens (what generate
 * did before the cache). `shift`: a window start s that jumps to keep the last blockSize / 2 tokens
 * whenever the window would exceed blockSize; each prediction reads tokens s… recomputed from scratch.
 */
function reference(
  model: SamplableModel,
  options: GenerateOptions & { window: 'shift' | 'exact' },
): number[] {
  const rng = new Rng(options.seed ?? 42);
  if (!(model instanceof BigramCounts)) model.setTraining(false);
  const tokens = [...(options.context ?? [0])];
  const out: number[] = [];
  const sequence = !(model instanceof BigramCounts) && model.inputKind === 'sequence';
  const bs = model.blockSize;
  let start = Math.max(0, tokens.length - bs);
  let fresh = true;
  for (let i = 0; i < (options.maxNewTokens ?? 64); i++) {
    if (sequence && options.window === 'shift' && !fresh && tokens.length - start > bs) {
      start = tokens.length - Math.max(1, Math.floor(bs / 2));
    }
    fresh = false;
    const window = sequence && options.window === 'shift' ? tokens.slice(start) : tokens;
    const logits = nextTokenLogits(model, window);
    const next = rng.categorical(samplingProbabilities(logits, options.temperature ?? 1, options.topK));
    if (next === options.stopToken) break;
    tokens.push(next);
    out.push(next);
  }
  return out;
}

const V = 7;
const families: Record<string, ModelConfig> = {
  transformer: { type: 'transformer', vocabSize: V, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8, seed: 1 },
  'transformer (tied, gpt2 init, no bias)': {
    type: 'transformer',
    vocabSize: V,
    blockSize: 6,
    nLayer: 2,
    nHead: 2,
    nEmbd: 8,
    tieWeights: true,
    bias: false,
    init: 'gpt2',
    gelu: 'erf',
    seed: 2,
  },
  rnn: { type: 'rnn', vocabSize: V, blockSize: 8, nEmbd: 6, nEmbd2: 10, seed: 3 },
  gru: { type: 'gru', vocabSize: V, blockSize: 8, nEmbd: 6, nEmbd2: 10, seed: 4 },
  lstm: { type: 'lstm', vocabSize: V, blockSize: 8, nEmbd: 6, nEmbd2: 10, seed: 5 },
  bow: { type: 'bow', vocabSize: V, blockSize: 8, nEmbd: 6, nEmbd2: 10, seed: 6 },
  'mlp (window)': { type: 'mlp', vocabSize: V, blockSize: 3, nEmbd: 4, nHidden: 12, seed: 7 },
  'mlp (sequence)': {
    type: 'mlp',
    inputKind: 'sequence',
    vocabSize: V,
    blockSize: 4,
    nEmbd: 4,
    nEmbd2: 12,
    seed: 8,
  },
  wavenet: { type: 'wavenet', vocabSize: V, blockSize: 4, nEmbd: 4, nHidden: 8, seed: 9 },
  'bigram-nn': { type: 'bigram-nn', vocabSize: V, blockSize: 1, init: 'normal', seed: 10 },
};

/** A bigram count table fitted on a few seeded random sequences. */
function countTable(): BigramCounts {
  const rng = new Rng(11);
  const seqs = Array.from({ length: 20 }, () => Array.from({ length: 12 }, () => rng.int(V)));
  return new BigramCounts({ vocabSize: V, smoothing: 1 }).fit(seqs);
}

describe.each(Object.entries(families))('%s: cached generation equals recomputation', (_, config) => {
  const make = () => createModel(config) as LanguageModel;

  it('gives the same logits at every step as the forward pass over each row, for a batch of 3', () => {
    const model = make();
    model.setTraining(false);
    const decoder = createDecoder(model);
    let rows = [
      [0, 1],
      [3, 2],
      [6, 6],
    ].map((r) => r.slice(-model.blockSize));
    const check = (logits: tf.Tensor | Float64Array) => {
      const values = logits instanceof Float64Array ? logits : logits.dataSync();
      expect(values.length).toBe(rows.length * V);
      rows.forEach((row, b) => {
        const expected = nextTokenLogits(model, row);
        for (let i = 0; i < V; i++) expect(values[b * V + i]).toBeCloseTo(expected[i] as number, 4);
      });
      if (!(logits instanceof Float64Array)) logits.dispose();
    };
    check(decoder.prefill(rows));
    const steps = Math.min(model.blockSize, 6) - 3; // leaves room for the step after keepRows
    for (let s = 0; s < steps; s++) {
      const tokens = [s % V, (2 * s + 1) % V, (3 * s + 2) % V];
      rows = rows.map((r, b) => [...r, tokens[b] as number]);
      check(decoder.step(tokens));
    }
    decoder.keepRows([0, 2]);
    rows = [rows[0] as number[], rows[2] as number[]];
    rows = rows.map((r, b) => [...r, b + 1]);
    check(decoder.step([1, 2]));
    rows = [[4], [5]];
    check(decoder.prefill(rows));
    decoder.dispose();
    model.dispose();
  });

  it('draws the same tokens within one block, past blockSize in both modes, with a prompt, temperature and top-k', () => {
    const model = make();
    const bs = model.blockSize;
    const cases: (GenerateOptions & { window: 'shift' | 'exact' })[] = [
      { window: 'exact', maxNewTokens: Math.max(1, bs - 2), seed: 1 },
      { window: 'exact', maxNewTokens: 3 * bs + 2, seed: 2 },
      { window: 'shift', maxNewTokens: 3 * bs + 2, seed: 3 },
      { window: 'shift', context: [1, 2, 3, 4, 5], maxNewTokens: 2 * bs, temperature: 0.7, topK: 3, seed: 4 },
      { window: 'exact', context: [5, 4, 3, 2, 1, 0, 1, 2, 3, 4], maxNewTokens: bs + 3, topK: 2, seed: 5 },
      { window: 'shift', context: [], maxNewTokens: 2 * bs, seed: 6 },
    ];
    for (const options of cases) {
      const expected = reference(model, options);
      expect(generate(model, options)).toEqual(expected);
      expect(generate(model, { ...options, cache: false })).toEqual(expected);
      expect([...generateStream(model, options)]).toEqual(expected);
    }
    model.dispose();
  });

  it('samples a batch row by row as one generator would, dropping finished rows, and leaks nothing', () => {
    const model = make();
    const options = { n: 6, maxNewTokens: 2 * model.blockSize + 3, stopToken: 0, seed: 12, context: [0] };
    let rows: number[][] = [];
    expect(tensorLeak(() => (rows = generateBatch(model, options)))).toBe(0);
    expect(rows).toHaveLength(6);
    expect(generateBatch(model, { ...options, cache: false })).toEqual(rows);
    expect(generateBatch(model, { ...options, n: 1 })).toEqual([generate(model, options)]);
    for (const row of rows) expect(row).not.toContain(0);
    model.dispose();
  });
});

describe('bigram counts', () => {
  it('generate matches the recomputing reference, in a batch too', () => {
    const table = countTable();
    const options = { window: 'exact' as const, maxNewTokens: 20, seed: 9, temperature: 0.8 };
    expect(generate(table, options)).toEqual(reference(table, options));
    const rows = generateBatch(table, { n: 4, maxNewTokens: 10, stopToken: 0, seed: 3 });
    expect(rows).toHaveLength(4);
  });
});

describe('batched sampling', () => {
  it('stops rows that draw the stop token early, while the others go on', () => {
    const model = createModel(families.transformer as ModelConfig) as LanguageModel;
    const rows = generateBatch(model, { n: 12, maxNewTokens: 20, stopToken: 0, seed: 1 });
    const lengths = new Set(rows.map((r) => r.length));
    expect(lengths.size).toBeGreaterThan(1);
    expect(Math.max(...rows.map((r) => r.length))).toBeLessThanOrEqual(20);
    model.dispose();
  });

  it('validates n, window and the sampling options', () => {
    const model = createModel(families.rnn as ModelConfig) as LanguageModel;
    expect(() => generateBatch(model, { n: 0 })).toThrow(/n must be a positive integer/);
    expect(() => generate(model, { window: 'slide' as 'shift' })).toThrow(
      /window must be 'shift' or 'exact'/,
    );
    expect(() => generate(model, { temperature: -1 })).toThrow(/temperature/);
    model.dispose();
  });
});

describe('streaming', () => {
  it('iterates asynchronously with the same tokens, and an abort signal stops it', async () => {
    const model = createModel(families.transformer as ModelConfig) as LanguageModel;
    const options = { maxNewTokens: 30, seed: 8 };
    const streamed: number[] = [];
    for await (const id of generateStream(model, options)) streamed.push(id);
    expect(streamed).toEqual(generate(model, options));
    const controller = new AbortController();
    const partial: number[] = [];
    for await (const id of generateStream(model, { ...options, signal: controller.signal })) {
      partial.push(id);
      if (partial.length === 5) controller.abort();
    }
    expect(partial).toEqual(streamed.slice(0, 5));
    model.dispose();
  });
});

describe('createTextStream', () => {
  it('holds back a split UTF-8 character until the token that completes it, and never emits U+FFFD for it', () => {
    // A byte-level "tokenizer": each id is one byte of UTF-8.
    const bytes = Array.from(new TextEncoder().encode('ab😀c é'));
    const decode = (ids: number[]) => new TextDecoder().decode(Uint8Array.from(ids));
    const stream = createTextStream(decode);
    const chunks = bytes.map((b) => stream.push([b]));
    expect(chunks.join('') + stream.end()).toBe('ab😀c é');
    expect(chunks.join('')).not.toContain('\uFFFD');
    expect(chunks.slice(2, 6)).toEqual(['', '', '', '😀']);
  });

  it('emits an unfinished character as U+FFFD at the end, and starts afresh', () => {
    const decode = (ids: number[]) => new TextDecoder().decode(Uint8Array.from(ids));
    const stream = createTextStream(decode);
    expect(stream.push([0x61, 0xf0, 0x9f])).toBe('a');
    expect(stream.end()).toBe('\uFFFD');
    expect(stream.push([0x62])).toBe('b');
  });
});
