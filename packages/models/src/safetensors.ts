/**
 * safetensors reader and writer (browser-safe; the format of Hugging Face's `safetensors` library).
 *
 * File layout:
 *   8 bytes      N, the header length, unsigned 64-bit little-endian
 *   N bytes      UTF-8 JSON: { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] },
 *                              "__metadata__": { "<key>": "<string value>" } }   (may end in spaces)
 *   rest         the byte buffer; offsets are relative to its start, little-endian element data,
 *                tensors packed without gaps or overlaps.
 *
 * Reading decodes F32, F16, BF16 and F64 to Float32Array, and the integer types (I64, I32, I16, I8,
 * U8, U16, U32, U64, BOOL) to Int32Array (64-bit values must fit in int32). Writing emits F32 for
 * float tensors and I64 for integer ones (PyTorch's int64), with string `__metadata__`.
 *
 * Reading refuses NaN and ±Infinity in float tensors by default ({@link NonFiniteTensorError}, naming the
 * tensor and the element): weights like that come from a diverged run or a damaged file, and a model
 * loaded from them would print NaN losses or fail deep inside sampling. `allowNonFinite` reads them anyway.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Element types of the safetensors format. */
export type SafetensorsDtype =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

const FLOAT_DTYPES = new Set<SafetensorsDtype>(['F16', 'BF16', 'F32', 'F64']);

/** One decoded tensor: floats as Float32Array, integers as Int32Array; `dtype` is what the file stored. */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A parsed file: tensors by name (in header order) and the string metadata. */
export interface ParsedSafetensors {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A tensor to write: a tf.Tensor (float32 → F32, int32/bool → I64) or plain data. */
export type SafetensorsInput =
  | tf.Tensor
  | { dtype: 'F32' | 'I64' | 'I32'; shape: readonly number[]; data: ArrayLike<number> };

/** Thrown for a malformed safetensors file. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`Invalid safetensors data: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/**
 * Thrown when a float tensor holds NaN or ±Infinity (and `allowNonFinite` was not set). A subclass of
 * {@link SafetensorsError}, so code that catches malformed files catches this too.
 */
export class NonFiniteTensorError extends SafetensorsError {
  constructor(
    /** The first tensor (in header order) with a non-finite element. */
    readonly tensor: string,
    /** The flat index of its first non-finite element. */
    readonly index: number,
    /** That element: NaN, Infinity or -Infinity. */
    readonly value: number,
  ) {
    super(
      `tensor "${tensor}" holds ${value} at element ${index}; weights must be finite (a diverged run or a damaged file)`,
    );
    this.name = 'NonFiniteTensorError';
  }
}

/** Options for {@link parseSafetensors}. */
export interface ParseSafetensorsOptions {
  /** Accept NaN and ±Infinity in float tensors (default false: throw {@link NonFiniteTensorError}). */
  allowNonFinite?: boolean;
}

const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Parses safetensors bytes. Throws {@link SafetensorsError} naming the problem on malformed input, and
 * {@link NonFiniteTensorError} on a NaN or infinite float unless `options.allowNonFinite` is set.
 */
export function parseSafetensors(
  bytes: Uint8Array | ArrayBuffer,
  options: ParseSafetensorsOptions = {},
): ParsedSafetensors {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.byteLength < 8) {
    throw new SafetensorsError(`${u8.byteLength} bytes is too short for the 8-byte header length`);
  }
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES) throw new SafetensorsError(`header length ${headerLen} exceeds 100 MB`);
  if (8 + headerLen > u8.byteLength) {
    throw new SafetensorsError(
      `header length ${headerLen} runs past the end of the ${u8.byteLength}-byte file`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(u8.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError('header must be a JSON object');
  }
  const dataStart = 8 + headerLen;
  const dataLen = u8.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] =
    [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new SafetensorsError('__metadata__ must be an object of strings');
      }
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string')
          throw new SafetensorsError(`__metadata__.${k} must be a string, got ${typeof v}`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push({ name, ...checkEntry(name, raw) });
  }
  // Tensors must tile the buffer exactly: sorted by offset, no gaps, no overlaps, nothing left over.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin !== cursor) {
      throw new SafetensorsError(
        `tensor "${e.name}" starts at byte ${e.begin}, expected ${cursor} (gap or overlap in data_offsets)`,
      );
    }
    cursor = e.end;
  }
  if (cursor !== dataLen) {
    throw new SafetensorsError(`tensors cover ${cursor} bytes but the data section has ${dataLen}`);
  }
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const e of entries) {
    const data = decode(e.name, e.dtype, u8.subarray(dataStart + e.begin, dataStart + e.end));
    if (!options.allowNonFinite && data instanceof Float32Array) {
      const bad = firstNonFinite(data);
      if (bad >= 0) throw new NonFiniteTensorError(e.name, bad, data[bad]!);
    }
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data };
  }
  return { tensors, metadata };
}

/** The index of the first NaN or ±Infinity in `data`, or -1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) {
    // x - x is 0 for every finite x and NaN for NaN and ±Infinity.
    const v = data[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}

function checkEntry(name: string, raw: unknown) {
  if (typeof raw !== 'object' || raw === null)
    throw new SafetensorsError(`entry "${name}" must be an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw new SafetensorsError(
      `tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new SafetensorsError(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isInteger(o) && o >= 0) ||
    offsets[1] < offsets[0]
  ) {
    throw new SafetensorsError(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const dt = dtype as SafetensorsDtype;
  const numel = (shape as number[]).reduce((a, b) => a * b, 1);
  const [begin, end] = offsets as [number, number];
  if (end - begin !== numel * DTYPE_BYTES[dt]) {
    throw new SafetensorsError(
      `tensor "${name}": ${dt}[${shape}] needs ${numel * DTYPE_BYTES[dt]} bytes but data_offsets span ${end - begin}`,
    );
  }
  return { dtype: dt, shape: shape as number[], begin, end };
}

function decode(name: string, dtype: SafetensorsDtype, bytes: Uint8Array): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  if (dtype === 'F32') {
    // Copy into a fresh, aligned buffer (a Node Buffer's slice() would share its memory pool).
    if (LITTLE_ENDIAN_HOST) return new Float32Array(new Uint8Array(bytes).buffer);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  if (FLOAT_DTYPES.has(dtype)) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (dtype === 'F64') out[i] = view.getFloat64(i * 8, true);
      else if (dtype === 'F16') out[i] = halfToFloat(view.getUint16(i * 2, true));
      else out[i] = bf16ToFloat(view.getUint16(i * 2, true));
    }
    return out;
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    switch (dtype) {
      case 'I64':
      case 'U64': {
        const big = dtype === 'I64' ? view.getBigInt64(i * 8, true) : view.getBigUint64(i * 8, true);
        if (big > 2147483647n || big < -2147483648n) {
          throw new SafetensorsError(`tensor "${name}" (${dtype}) holds ${big}, which does not fit in int32`);
        }
        v = Number(big);
        break;
      }
      case 'U32': {
        v = view.getUint32(i * 4, true);
        if (v > 2147483647)
          throw new SafetensorsError(`tensor "${name}" (U32) holds ${v}, which does not fit in int32`);
        break;
      }
      case 'I32':
        v = view.getInt32(i * 4, true);
        break;
      case 'I16':
        v = view.getInt16(i * 2, true);
        break;
      case 'U16':
        v = view.getUint16(i * 2, true);
        break;
      case 'I8':
        v = view.getInt8(i);
        break;
      default: // U8, BOOL
        v = view.getUint8(i);
    }
    out[i] = v;
  }
  return out;
}

/** IEEE 754 binary16 → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const bf16Scratch = new DataView(new ArrayBuffer(4));
/** bfloat16 (the top 16 bits of a float32) → number. */
export function bf16ToFloat(b: number): number {
  bf16Scratch.setUint32(0, b << 16);
  return bf16Scratch.getFloat32(0);
}

/**
 * Serialises tensors (and optional string metadata) to safetensors bytes. Tensors are written in the
 * record's order, F32 for floats and I64 for integers; the header is space-padded to 8 bytes so the
 * data is aligned.
 */
export function serializeSafetensors(
  record: Record<string, SafetensorsInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new TypeError(`safetensors metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, input] of Object.entries(record)) {
    if (name === '__metadata__') throw new Error('"__metadata__" is reserved and cannot name a tensor');
    const { dtype, shape, bytes } = encode(name, input);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const pad = (8 - (headerBytes.byteLength % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.byteLength;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}

function encode(
  name: string,
  input: SafetensorsInput,
): { dtype: string; shape: number[]; bytes: Uint8Array } {
  let dtype: 'F32' | 'I64' | 'I32';
  let shape: number[];
  let data: ArrayLike<number>;
  if (input instanceof tf.Tensor) {
    if (input.dtype === 'string' || input.dtype === 'complex64') {
      throw new Error(`cannot write tensor "${name}" of dtype ${input.dtype} to safetensors`);
    }
    dtype = input.dtype === 'float32' ? 'F32' : 'I64';
    shape = [...input.shape];
    data = input.dataSync() as ArrayLike<number>;
  } else {
    ({ dtype } = input);
    shape = [...input.shape];
    data = input.data;
  }
  const numel = shape.reduce((a, b) => a * b, 1);
  if (data.length !== numel) {
    throw new Error(`tensor "${name}": shape [${shape}] needs ${numel} values, got ${data.length}`);
  }
  const width = dtype === 'I64' ? 8 : 4;
  const bytes = new Uint8Array(numel * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < numel; i++) {
    const v = data[i] as number;
    if (dtype === 'F32') view.setFloat32(i * 4, v, true);
    else if (dtype === 'I32') view.setInt32(i * 4, v, true);
    else view.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
  }
  return { dtype, shape, bytes };
}

/** Turns parsed tensors into tf tensors (float32 for float dtypes, int32 otherwise). Caller disposes. */
export function tensorsFromSafetensors(parsed: ParsedSafetensors): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(parsed.tensors)) {
    out[name] = tf.tensor(t.data, t.shape, t.data instanceof Float32Array ? 'float32' : 'int32');
  }
  return out;
}
