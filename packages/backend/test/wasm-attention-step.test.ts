/**
 * The cached attention step of src/wasm/attention-step.ts (`MakemoreAttentionStep`): one query per row
 * against a key/value cache. Its y equals the unfused path (split qkv, append k and v to the cache with
 * concat, softmax(q·Kᵀ·scale)·V, as `@makemore/models` composes it) on the cpu backend, through our gemm
 * and through the JavaScript fallback; it writes exactly row `position` of each head's keys and values
 * and leaves every other cache row as it was.
 */
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FUSED_KERNELS } from '../src/fused-kernels';
import { useBestBackend } from '../src/node';
import { useWasmGemm } from '../src/wasm/gemm/gemm';
import { expectClose, on } from './helpers';

beforeAll(async () => {
  const choice = await useBestBackend({ prefer: 'wasm', onNotice: () => {} });
  expect(choice.backend).toBe('wasm');
});

afterEach(() => {
  useWasmGemm(true);
});

const run = (inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) =>
  tf.engine().runKernel(FUSED_KERNELS.attentionStep, inputs, attrs) as tf.Tensor;

const normals = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

/**
 * The unfused step on the current backend: q, k, v `[B, H, 1, D]` from qkv `[B, 3E]`, k and v appended to
 * the first `position` cached rows, one softmax attention per head, heads side by side → `[B, E]`.
 */
function unfusedStep(qkv: tf.Tensor, keys: tf.Tensor, values: tf.Tensor, H: number, position: number) {
  const [B, width] = qkv.shape as [number, number];
  const D = width / 3 / H;
  const [q, k, v] = tf.split(tf.reshape(qkv, [B, 3 * H, 1, D]), 3, 1) as tf.Tensor4D[];
  const cached = (c: tf.Tensor) => tf.slice(c, [0, 0, 0, 0], [B, H, position, D]);
  const kAll = tf.concat([cached(keys), k as tf.Tensor], 2);
  const vAll = tf.concat([cached(values), v as tf.Tensor], 2);
  const probs = tf.softmax(tf.mul(tf.matMul(q as tf.Tensor, kAll, false, true), 1 / Math.sqrt(D)));
  return tf.reshape(tf.matMul(probs, vAll), [B, H * D]);
}

describe.each([
  ['our gemm', true],
  ['the JavaScript fallback', false],
])('MakemoreAttentionStep through %s', (_, gemm) => {
  it.each([
    // B, E, H, cache size, positions
    [1, 384, 6, 256, [0, 1, 100, 255]], // the shakespeare-char GPT's layer
    [2, 12, 3, 9, [0, 4, 8]], // D = 4, under one 8-float tile
    [3, 36, 3, 17, [0, 5, 16]], // D = 12 overhangs a tile; 3 rows
    [1, 128, 4, 64, [63]], // the baby GPT's
  ])(
    'B %i, E %i, %i heads, cache %i: y equals the unfused step on cpu at positions %j, and only row p is written',
    async (B, E, H, S, positions) => {
      const D = E / H;
      const rng = new Rng(B * 1000 + E + S);
      for (const position of positions) {
        const qkvValues = normals(rng, B * 3 * E);
        const keyValues = normals(rng, B * H * S * D);
        const valueValues = normals(rng, B * H * S * D);
        const shape = [B, H, S, D];
        const expected = await on('cpu', () =>
          unfusedStep(
            tf.tensor2d(qkvValues, [B, 3 * E]),
            tf.tensor4d(keyValues, shape as [number, number, number, number]),
            tf.tensor4d(valueValues, shape as [number, number, number, number]),
            H,
            position,
          ),
        );
        await tf.setBackend('wasm');
        useWasmGemm(gemm);
        const qkv = tf.tensor2d(qkvValues, [B, 3 * E]);
        const keys = tf.tensor(keyValues, shape);
        const values = tf.tensor(valueValues, shape);
        const before = tf.memory().numTensors;
        const y = run({ qkv, keys, values }, { heads: H, position, scale: 1 / Math.sqrt(D) });
        expect(tf.memory().numTensors).toBe(before + 1);
        expectClose({ shape: y.shape, values: Array.from(y.dataSync()) }, expected, 1e-5, 1e-4);
        // The cache: row `position` of head (b, h) now holds that head's k (v), the rest is untouched.
        const [keysAfter, valuesAfter] = [keys.dataSync(), values.dataSync()];
        for (let b = 0; b < B; b++) {
          for (let h = 0; h < H; h++) {
            for (let s = 0; s < S; s++) {
              for (let d = 0; d < D; d++) {
                const at = ((b * H + h) * S + s) * D + d;
                const k = s === position ? qkvValues[b * 3 * E + E + h * D + d] : keyValues[at];
                const v = s === position ? qkvValues[b * 3 * E + 2 * E + h * D + d] : valueValues[at];
                if (keysAfter[at] !== k || valuesAfter[at] !== v) {
                  throw new Error(`cache row ${s} of head (${b}, ${h}) at column ${d} is wrong`);
                }
              }
            }
          }
        }
        tf.dispose([qkv, keys, values, y]);
      }
    },
  );
});

describe('MakemoreAttentionStep errors', () => {
  it('names the heads, a cache of the wrong shape, a position outside the cache and a qkv not three blocks wide', async () => {
    await tf.setBackend('wasm');
    const qkv = tf.zeros([2, 24]);
    const keys = tf.zeros([2, 2, 5, 4]);
    const values = tf.zeros([2, 2, 5, 4]);
    expect(() => run({ qkv, keys, values }, { heads: 3, position: 0 })).toThrow(
      /heads = 3 must be a positive integer that divides the width 8/,
    );
    expect(() => run({ qkv, keys, values: tf.zeros([2, 2, 6, 4]) }, { heads: 2, position: 0 })).toThrow(
      /values has shape \[2,2,6,4\], expected \[2, 2, cache size, 4\]/,
    );
    expect(() => run({ qkv, keys, values }, { heads: 2, position: 5 })).toThrow(
      /position = 5 must be an integer in \[0, 5\), the cache's size/,
    );
    expect(() => run({ qkv: tf.zeros([2, 25]), keys, values }, { heads: 1, position: 0 })).toThrow(
      /qkv has shape \[2,25\], expected \[batch, 3·width\]/,
    );
    tf.dispose([qkv, keys, values]);
  });
});
