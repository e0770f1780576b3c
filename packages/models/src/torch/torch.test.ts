/**
 * The torch checkpoint reader and writer against files PyTorch wrote (fixtures/torch, made by
 * scripts/make_torch_fixtures.py from nanoGPT's unmodified model.py): values of every kind, nanoGPT's
 * ckpt.pt with logits to 1e-5, the `_orig_mod.` prefix, a refused code-running pickle, and our writer's
 * output read back.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../../test/support/testing';
import { Transformer } from '../transformer';
import { readTorchCheckpoint, TorchCheckpointError, TorchTensor, writeTorchCheckpoint } from './checkpoint';
import { buildNanoGptCheckpoint, parseNanoGptCheckpoint, type NanoGptCheckpoint } from './nanogpt';
import { charMetaPickle, encodeNanoGptBin, nanoGptReadme } from './nanogpt-data';
import { PickleError, PyFloat, PyTuple, pickle, unpickle } from './pickle';
import { crc32, readZip, writeZip } from './zip';

const FIXTURES = fileURLToPath(new URL('../../fixtures/torch/', import.meta.url));
const fixture = (name: string) => new Uint8Array(readFileSync(`${FIXTURES}${name}`));
const json = (name: string) => JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8'));

interface JsonTensor {
  dtype?: string;
  shape: number[];
  data: number[];
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function logitsOf(ckpt: NanoGptCheckpoint, idx: JsonTensor): Float32Array {
  const model = new Transformer(ckpt.config);
  const weights = Object.fromEntries(
    Object.entries(ckpt.weights).map(([k, t]) => [k, tf.tensor(t.data, [...t.shape], 'float32')]),
  );
  try {
    model.loadStateDict(weights);
    model.setTraining(false);
    return tf.tidy(() => model.forward(tf.tensor(idx.data, idx.shape, 'int32')).dataSync() as Float32Array);
  } finally {
    tf.dispose(Object.values(weights));
    model.dispose();
  }
}

describe('readTorchCheckpoint on files torch.save wrote', () => {
  it('reads plain values, every dtype, strided and offset views', () => {
    const got = readTorchCheckpoint(fixture('values.pt')) as Record<string, unknown>;
    const want = json('values.json') as Record<string, unknown>;
    for (const key of ['ints', 'floats', 'text', 'flags', 'tuple', 'nested'])
      expect(got[key], key).toEqual(want[key]);
    expect(got.int_keys).toEqual(
      new Map([
        [0, 'a'],
        [1, 'b'],
        [64, 'c'],
      ]),
    );
    for (const key of [
      'f32',
      'transposed',
      'offset_view',
      'scalar',
      'f64',
      'f16',
      'bf16',
      'i64',
      'i32',
      'u8',
      'bool',
    ]) {
      const t = got[key] as TorchTensor;
      const w = want[key] as JsonTensor;
      expect(t, key).toBeInstanceOf(TorchTensor);
      expect(t.dtype, key).toBe(w.dtype);
      expect([...t.shape], key).toEqual(w.shape);
      expect(Array.from(t.data), key).toEqual(w.data);
    }
  });

  it('loads nanoGPT ckpt.pt: config, weights with logits equal to PyTorch, optimizer, counters', () => {
    const want = json('nanogpt.json');
    const ckpt = parseNanoGptCheckpoint(readTorchCheckpoint(fixture('nanogpt-ckpt.pt')));
    expect(ckpt.config).toEqual({
      type: 'transformer',
      nLayer: 2,
      nHead: 2,
      nEmbd: 8,
      blockSize: 8,
      vocabSize: 11,
      bias: true,
      dropout: 0,
      tieWeights: true,
      gelu: 'erf',
      init: 'gpt2',
    });
    expect(ckpt.iterNum).toBe(2);
    expect(ckpt.bestValLoss).toBe(want.best_val_loss);
    expect(ckpt.trainConfig).toMatchObject({ dataset: 'tiny', learning_rate: 1e-3, compile: false });
    expect(maxAbsDiff(logitsOf(ckpt, want.idx), Float32Array.from(want.logits.data))).toBeLessThan(1e-5);
    const opt = ckpt.optimizer!;
    expect(opt).toMatchObject({ lr: 1e-3, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1, step: 2 });
    expect(opt.decayed).toContain('transformer.wte.weight');
    expect(opt.decayed).not.toContain('transformer.h.0.ln_1.weight');
    expect(Object.keys(opt.tensors)).toHaveLength(2 * Object.keys(ckpt.weights).length);
    expect(Array.from(opt.tensors['exp_avg.transformer.wte.weight']!.data)).toEqual(
      Array.from(Float32Array.from(want.exp_avg_wte)),
    );
  });

  it("strips torch.compile's _orig_mod. prefix (bias=False model)", () => {
    const want = json('nanogpt.json');
    const ckpt = parseNanoGptCheckpoint(readTorchCheckpoint(fixture('nanogpt-compiled.pt')));
    expect(ckpt.config.bias).toBe(false);
    expect(Object.keys(ckpt.weights).every((k) => k.startsWith('transformer.'))).toBe(true);
    expect(ckpt.bestValLoss).toBeNull();
    expect(ckpt.optimizer).toBeUndefined();
    expect(maxAbsDiff(logitsOf(ckpt, want.idx), Float32Array.from(want.logits_compiled.data))).toBeLessThan(
      1e-5,
    );
  });

  it('refuses a pickle that would call os.system, naming it, and runs nothing', () => {
    expect(() => readTorchCheckpoint(fixture('evil.pt'))).toThrow(TorchCheckpointError);
    expect(() => readTorchCheckpoint(fixture('evil.pt'))).toThrow(
      /refusing to load the Python global posix\.system/,
    );
  });

  it('reads a meta.pkl that Python pickle.dump wrote (protocol 4 and 5 opcodes: FRAME, MEMOIZE)', () => {
    const meta = unpickle(fixture('meta.pkl')) as {
      vocab_size: number;
      itos: Map<number, string>;
      stoi: Record<string, number>;
    };
    expect(meta.itos.size).toBe(meta.vocab_size);
    for (const [i, s] of meta.itos) expect(meta.stoi[s]).toBe(i);
  });

  it('names the problem in a file that is not a checkpoint', () => {
    expect(() => readTorchCheckpoint(new Uint8Array([1, 2, 3]))).toThrow(/not a PyTorch checkpoint/);
    const noPickle = writeZip([{ name: 'x/other', data: new Uint8Array(4) }]);
    expect(() => readTorchCheckpoint(noPickle)).toThrow(/no <folder>\/data\.pkl/);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x4b]))).toThrow(PickleError);
  });
});

describe('writeTorchCheckpoint', () => {
  it('round-trips values and tensors through our reader', () => {
    const value = {
      a: [1, -1, 300, 70000, -(2 ** 31), 2 ** 40, 0.25, new PyFloat(2), 'é🙂', null, true, false],
      t: new PyTuple([1, 'x']),
      m: new Map<unknown, unknown>([
        [3, 'three'],
        ['k', new Uint8Array([0, 255])],
      ]),
      w: TorchTensor.float32([2, 3], [1, 2, 3, 4, 5, 6]),
      i: new TorchTensor('int64', [2], Int32Array.from([-7, 7])),
      s: TorchTensor.float32([], [1.5]),
    };
    const back = readTorchCheckpoint(writeTorchCheckpoint(value)) as Record<string, unknown>;
    expect(back.a).toEqual([1, -1, 300, 70000, -(2 ** 31), 2 ** 40, 0.25, 2, 'é🙂', null, true, false]);
    expect(back.t).toEqual([1, 'x']);
    expect(back.m).toEqual(
      new Map<unknown, unknown>([
        [3, 'three'],
        ['k', new Uint8Array([0, 255])],
      ]),
    );
    expect(back.w).toEqual(value.w);
    expect(back.i).toEqual(value.i);
    expect((back.s as TorchTensor).item()).toBe(1.5);
  });

  it('rebuilds nanoGPT ckpt.pt from what it read, and reads it back identically', () => {
    const ckpt = parseNanoGptCheckpoint(readTorchCheckpoint(fixture('nanogpt-ckpt.pt')));
    const { checkpoint, warnings } = buildNanoGptCheckpoint({
      config: ckpt.config,
      weights: Object.fromEntries(
        Object.entries(ckpt.weights).map(([k, t]) => [k, { shape: t.shape, data: t.data as Float32Array }]),
      ),
      iterNum: ckpt.iterNum,
      bestValLoss: ckpt.bestValLoss,
      optimizer: ckpt.optimizer!,
      trainConfig: ckpt.trainConfig,
    });
    expect(warnings).toEqual([]);
    const again = parseNanoGptCheckpoint(
      readTorchCheckpoint(writeTorchCheckpoint(checkpoint, { archiveName: 'ckpt' })),
    );
    expect(again.config).toEqual(ckpt.config);
    expect(again.weights).toEqual(ckpt.weights);
    expect(again.optimizer).toEqual(ckpt.optimizer);
    expect(again.trainConfig).toEqual(ckpt.trainConfig);
    expect([again.iterNum, again.bestValLoss]).toEqual([ckpt.iterNum, ckpt.bestValLoss]);
  });

  it('refuses an untied model, which nanoGPT cannot represent', () => {
    expect(() =>
      buildNanoGptCheckpoint({
        config: { type: 'transformer', vocabSize: 5, blockSize: 4 },
        weights: {},
        iterNum: 0,
        bestValLoss: null,
      }),
    ).toThrow(/ties lm_head\.weight/);
  });
});

describe('the zip container', () => {
  it('aligns every entry to 64 bytes, records CRC-32s, and reads back', () => {
    const entries = [
      { name: 'a/data.pkl', data: new TextEncoder().encode('hello') },
      { name: 'a/data/0', data: new Uint8Array(100).fill(7) },
      { name: `a/long-name-${'x'.repeat(61)}`, data: new Uint8Array(3) },
    ];
    const bytes = writeZip(entries);
    const back = readZip(bytes);
    expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    for (const [i, e] of back.entries()) {
      expect(Array.from(e.data)).toEqual(Array.from(entries[i]!.data));
      expect(e.data.byteOffset % 64).toBe(0);
    }
    // The central directory's CRC of entry 0 (offset 16 of its header) is the CRC of its data.
    const central = new DataView(bytes.buffer).getUint32(bytes.length - 22 + 16, true);
    expect(new DataView(bytes.buffer).getUint32(central + 16, true)).toBe(crc32(entries[0]!.data));
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the standard check value
  });

  it('refuses compressed entries with a clear message', () => {
    const bytes = writeZip([{ name: 'a/data.pkl', data: new Uint8Array(4) }]);
    const view = new DataView(bytes.buffer);
    const central = view.getUint32(bytes.length - 22 + 16, true);
    view.setUint16(central + 10, 8, true); // deflate
    expect(() => readZip(bytes)).toThrow(/compressed \(method 8\)/);
  });
});

describe('nanoGPT data export', () => {
  it('writes uint16 little-endian ids and refuses what does not fit', () => {
    expect(Array.from(encodeNanoGptBin([1, 258, 65535]))).toEqual([1, 0, 2, 1, 255, 255]);
    expect(() => encodeNanoGptBin([65536])).toThrow(/does not fit in uint16/);
    expect(() => encodeNanoGptBin([1], 100_277)).toThrow(/100277 tokens does not fit/);
  });

  it('writes meta.pkl that reads back as the dict prepare.py writes', () => {
    const itos = ['\n', ' ', 'a', 'é'];
    const meta = unpickle(charMetaPickle(itos)) as Record<string, unknown>;
    expect(meta.vocab_size).toBe(4);
    expect(meta.itos).toEqual(new Map(itos.map((s, i) => [i, s])));
    expect(meta.stoi).toEqual(Object.fromEntries(itos.map((s, i) => [s, i])));
    // The same dict as Python's own pickle of the fixture's vocabulary.
    const python = unpickle(fixture('meta.pkl')) as { itos: Map<number, string> };
    const ours = unpickle(charMetaPickle([...python.itos.values()]));
    expect(ours).toEqual(python);
  });

  it('tells the user the train.py and torchrun commands', () => {
    const text = nanoGptReadme({
      dataset: 'shakespeare_char',
      source: 'tiny Shakespeare',
      tokenizer: 'char',
      vocabSize: 65,
      trainTokens: 10,
      valTokens: 2,
      split: '90/10',
      hasMeta: true,
    });
    expect(text).toContain('python train.py --dataset=shakespeare_char');
    expect(text).toContain('torchrun --standalone --nproc_per_node=8 train.py --dataset=shakespeare_char');
  });
});

it('pickle refuses values with no Python counterpart', () => {
  expect(() => pickle({ f: () => 1 })).toThrow(/cannot pickle value\.f/);
});
