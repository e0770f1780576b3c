import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NonFiniteTensorError,
  parseSafetensors,
  SafetensorsError,
  serializeSafetensors,
  tensorsFromSafetensors,
} from './safetensors';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Builds a file by hand from a header object and raw little-endian bytes (independent of the writer). */
function handMade(header: object, data: number[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('parseSafetensors', () => {
  it('decodes F32, F16, BF16 and I64 little-endian data and string metadata', () => {
    const bytes = handMade(
      {
        __metadata__: { format: 'pt' },
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        h: { dtype: 'F16', shape: [3], data_offsets: [8, 14] },
        b: { dtype: 'BF16', shape: [1], data_offsets: [14, 16] },
        n: { dtype: 'I64', shape: [1, 1], data_offsets: [16, 24] },
      },
      [
        ...[0x00, 0x00, 0x80, 0x3f], // 1.0f
        ...[0x00, 0x00, 0x20, 0xc0], // -2.5f
        ...[0x00, 0x3c], // half 1.0
        ...[0x00, 0xc0], // half -2.0
        ...[0x00, 0x35], // half 0.3125
        ...[0x40, 0x40], // bf16 3.0
        ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // int64 -1
      ],
    );
    const parsed = parseSafetensors(bytes);
    expect(parsed.metadata).toEqual({ format: 'pt' });
    expect(Array.from(parsed.tensors.a!.data)).toEqual([1, -2.5]);
    expect(Array.from(parsed.tensors.h!.data)).toEqual([1, -2, 0.3125]);
    expect(Array.from(parsed.tensors.b!.data)).toEqual([3]);
    expect(parsed.tensors.n).toEqual({ dtype: 'I64', shape: [1, 1], data: new Int32Array([-1]) });
  });

  it('round-trips what serializeSafetensors writes, with an 8-byte aligned header', () => {
    const w = tf.tensor2d([
      [1.5, -2],
      [3, 4.25],
    ]);
    const bytes = serializeSafetensors(
      { w, steps: { dtype: 'I64', shape: [], data: [7] }, ids: tf.tensor1d([3, -4], 'int32') },
      { note: 'hi' },
    );
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
    expect(header.w).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
    expect(header.ids.dtype).toBe('I64');
    const parsed = parseSafetensors(bytes);
    expect(parsed.metadata).toEqual({ note: 'hi' });
    expect(Array.from(parsed.tensors.w!.data)).toEqual([1.5, -2, 3, 4.25]);
    expect(Array.from(parsed.tensors.ids!.data)).toEqual([3, -4]);
    expect(parsed.tensors.steps).toEqual({ dtype: 'I64', shape: [], data: new Int32Array([7]) });
    const tensors = tensorsFromSafetensors(parsed);
    expect(tensors.w!.shape).toEqual([2, 2]);
    expect(tensors.ids!.dtype).toBe('int32');
    tf.dispose([w, ...Object.values(tensors)]);
  });

  it('rejects malformed files with a message naming the problem', () => {
    const ok = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } };
    const four = [0, 0, 0, 0];
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(4), /too short/],
      [handMade(ok, four).subarray(0, 12), /runs past the end/],
      [handMade({ a: { dtype: 'Q7', shape: [1], data_offsets: [0, 4] } }, four), /unsupported dtype "Q7"/],
      [handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, four), /needs 8 bytes/],
      [
        handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, [...four, ...four]),
        /starts at byte 4/,
      ],
      [handMade(ok, [...four, 0]), /cover 4 bytes but the data section has 5/],
      [handMade({ __metadata__: { n: 1 } }, []), /__metadata__.n must be a string/],
      [
        handMade({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, [0, 0, 0, 0, 1, 0, 0, 0]),
        /does not fit in int32/,
      ],
    ];
    const bad = new Uint8Array(12);
    new DataView(bad.buffer).setBigUint64(0, 4n, true);
    bad.set(new TextEncoder().encode('{"a"'), 8);
    cases.push([bad, /not valid UTF-8 JSON/]);
    for (const [bytes, message] of cases) {
      expect(() => parseSafetensors(bytes)).toThrow(SafetensorsError);
      expect(() => parseSafetensors(bytes)).toThrow(message);
    }
  });

  it('refuses NaN and infinite floats, naming the first bad tensor and element, unless allowed', () => {
    const header = {
      ok: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      w: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      h: { dtype: 'F16', shape: [1], data_offsets: [12, 14] },
    };
    const one = [0x00, 0x00, 0x80, 0x3f];
    const nan = [0x00, 0x00, 0xc0, 0x7f];
    const halfInf = [0x00, 0x7c];
    const withNan = handMade(header, [...one, ...one, ...nan, 0x00, 0x3c]);
    expect(() => parseSafetensors(withNan)).toThrow(NonFiniteTensorError);
    expect(() => parseSafetensors(withNan)).toThrow(/tensor "w" holds NaN at element 1/);
    try {
      parseSafetensors(withNan);
    } catch (error) {
      expect(error).toBeInstanceOf(SafetensorsError);
      expect((error as NonFiniteTensorError).tensor).toBe('w');
      expect((error as NonFiniteTensorError).index).toBe(1);
    }
    const withInf = handMade(header, [...one, ...one, ...one, ...halfInf]);
    expect(() => parseSafetensors(withInf)).toThrow(/tensor "h" holds Infinity at element 0/);
    const allowed = parseSafetensors(withNan, { allowNonFinite: true });
    expect(Number.isNaN(allowed.tensors.w!.data[1])).toBe(true);
    // Integer tensors cannot hold NaN, and finite floats pass.
    expect(parseSafetensors(handMade(header, [...one, ...one, ...one, 0x00, 0x3c])).tensors.h!.data[0]).toBe(
      1,
    );
  });
});
