/**
 * Hugging Face GPT-2 weights → our Transformer, against logits of Hugging Face's own GPT2LMHeadModel
 * (fixtures/torch/hf-gpt2, made by scripts/make_torch_fixtures.py --hf): both the save_pretrained layout
 * and OpenAI's bare names with mask buffers.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors } from '../safetensors';
import { maxAbsDiff } from '../../test/support/testing';
import { Transformer } from '../transformer';
import { HfGpt2Error, type HfGpt2Config, hfGpt2FromSafetensors, hfGpt2ToTransformer } from './hf-gpt2';

const DIR = fileURLToPath(new URL('../../fixtures/torch/hf-gpt2/', import.meta.url));
const read = (name: string) => parseSafetensors(new Uint8Array(readFileSync(`${DIR}${name}`))).tensors;
const hfConfig = JSON.parse(readFileSync(`${DIR}config.json`, 'utf8')) as HfGpt2Config;
const want = JSON.parse(readFileSync(`${DIR}logits.json`, 'utf8')) as {
  idx: { shape: number[]; data: number[] };
  logits: { shape: number[]; data: number[] };
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function logits(file: string): Float32Array {
  const { config, weights } = hfGpt2ToTransformer(read(file), hfConfig);
  const model = new Transformer(config);
  const record = Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, tf.tensor(t.data, t.shape)]));
  try {
    model.loadStateDict(record);
    model.setTraining(false);
    return tf.tidy(
      () => model.forward(tf.tensor(want.idx.data, want.idx.shape, 'int32')).dataSync() as Float32Array,
    );
  } finally {
    tf.dispose(Object.values(record));
    model.dispose();
  }
}

describe('hfGpt2ToTransformer', () => {
  it('reads the config: tied, tanh GELU, sizes from the weights and n_head from config.json', () => {
    expect(hfGpt2ToTransformer(read('model.safetensors'), hfConfig).config).toEqual({
      type: 'transformer',
      nLayer: 2,
      nHead: 2,
      nEmbd: 8,
      blockSize: 8,
      vocabSize: 13,
      bias: true,
      dropout: 0,
      tieWeights: true,
      gelu: 'tanh',
      init: 'gpt2',
    });
  });

  it("gives Hugging Face's logits to 1e-4 (save_pretrained layout, Conv1D weights transposed)", () => {
    expect(maxAbsDiff(logits('model.safetensors'), Float32Array.from(want.logits.data))).toBeLessThan(1e-4);
  });

  it("gives the same logits from OpenAI's bare names, dropping the attn.bias mask buffers", () => {
    expect(maxAbsDiff(logits('bare.safetensors'), Float32Array.from(want.logits.data))).toBeLessThan(1e-4);
  });

  it('needs n_head for a width that is not an OpenAI size, and names config mismatches', () => {
    expect(() => hfGpt2ToTransformer(read('model.safetensors'))).toThrow(
      /n_embd 8 is not one of OpenAI's sizes/,
    );
    expect(() => hfGpt2ToTransformer(read('model.safetensors'), { ...hfConfig, n_layer: 3 })).toThrow(
      HfGpt2Error,
    );
    expect(() =>
      hfGpt2ToTransformer(read('model.safetensors'), { ...hfConfig, activation_function: 'relu' }),
    ).toThrow(/'relu' is not a GELU/);
    expect(() => hfGpt2ToTransformer({ 'x.weight': { shape: [2], data: new Float32Array(2) } })).toThrow(
      /not GPT-2 weights/,
    );
  });
});

describe('hfGpt2FromSafetensors', () => {
  it("reads a file's bytes as hfGpt2ToTransformer reads its parsed tensors, and names a file that is not GPT-2", () => {
    const bytes = new Uint8Array(readFileSync(`${DIR}model.safetensors`));
    const fromBytes = hfGpt2FromSafetensors(bytes, hfConfig);
    const fromTensors = hfGpt2ToTransformer(read('model.safetensors'), hfConfig);
    expect(fromBytes.config).toEqual(fromTensors.config);
    expect(Object.keys(fromBytes.weights).sort()).toEqual(Object.keys(fromTensors.weights).sort());
    for (const [name, t] of Object.entries(fromTensors.weights)) {
      expect(fromBytes.weights[name]?.shape).toEqual(t.shape);
      expect(Array.from(fromBytes.weights[name]?.data ?? [])).toEqual(Array.from(t.data));
    }
    expect(() =>
      hfGpt2FromSafetensors(
        serializeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Float32Array(2) } }),
      ),
    ).toThrow(HfGpt2Error);
  });
});
