/**
 * PyTorch checkpoints (`torch.save` files, e.g. nanoGPT's `ckpt.pt`) read and written without Python
 * or torch (browser-safe).
 *
 * A checkpoint is a zip archive (see `zip.ts`) whose `data.pkl` is a pickle of the saved object. Each
 * tensor in it is a call `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` whose
 * storage is a persistent id `('storage', torch.FloatStorage, key, device, numel)`; the storage's bytes
 * are the archive entry `data/<key>`, little-endian. Reading goes through the restricted unpickler of
 * `pickle.ts`: only those rebuild functions and storage types are accepted, as `torch.load(...,
 * weights_only=True)` accepts them, so loading never runs code.
 *
 * Tensors come out as {@link TorchTensor}: float storages (float32/64/16, bfloat16) as Float32Array,
 * integer and bool storages as Int32Array (64-bit values must fit in int32), gathered into row-major
 * order whatever their strides. Writing stores float32 (Float32Array) and int64 (Int32Array) tensors.
 */
import { bf16ToFloat, halfToFloat } from '../safetensors';
import {
  type PickleCallable,
  PickleError,
  PyGlobal,
  PyGlobalCall,
  PyPersistentId,
  PyTuple,
  pickle,
  unpickle,
} from './pickle';
import { readZip, writeZip, type ZipEntry } from './zip';

/** Element types of torch storages this module understands. */
export type TorchDtype =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** Storage class names in `torch` (what the pickle names) and their dtypes and element sizes. */
const STORAGE_TYPES: Record<string, { dtype: TorchDtype; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

/** A tensor read from or written to a torch checkpoint: row-major data, floats widened or narrowed to float32. */
export class TorchTensor {
  constructor(
    /** The dtype of the storage in the file (reading), or to write: float32 for Float32Array, int64 for Int32Array. */
    readonly dtype: TorchDtype,
    readonly shape: readonly number[],
    readonly data: Float32Array | Int32Array,
  ) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) {
      throw new RangeError(`TorchTensor: shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
    }
  }

  /** A float32 tensor. */
  static float32(shape: readonly number[], data: ArrayLike<number>): TorchTensor {
    return new TorchTensor('float32', shape, Float32Array.from(data));
  }

  /** The single value of a 0-dimensional (or one-element) tensor. */
  item(): number {
    if (this.data.length !== 1) throw new RangeError(`item() of a tensor with ${this.data.length} values`);
    return this.data[0] as number;
  }
}

/** Thrown when a checkpoint cannot be read: the message names what is wrong. */
export class TorchCheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TorchCheckpointError';
  }
}

interface StorageRef {
  readonly storage: true;
  key: string;
  dtype: TorchDtype;
  bytes: number;
  numel: number;
}

/** Torch's tensor rebuild functions, in the forms `torch.save` has written since PyTorch 1.x. */
function rebuildFunctions(
  load: (ref: StorageRef) => Float32Array | Int32Array,
): Record<string, PickleCallable> {
  const tensor = (args: unknown[], what: string) => {
    const [storage, offset, size, stride] = args;
    if (typeof storage !== 'object' || storage === null || !('storage' in storage)) {
      throw new PickleError(`${what}: the first argument is not a tensor storage`);
    }
    if (
      typeof offset !== 'number' ||
      !isIntArray(size) ||
      !isIntArray(stride) ||
      size.length !== stride.length
    ) {
      throw new PickleError(`${what}: malformed offset, size or stride`);
    }
    const ref = storage as StorageRef;
    const values = load(ref);
    const n = size.reduce((a, b) => a * b, 1);
    const out = values instanceof Float32Array ? new Float32Array(n) : new Int32Array(n);
    // Gather in row-major order: element (i0, i1, ...) is values[offset + Σ ik·stride_k].
    const index = new Array<number>(size.length).fill(0);
    for (let i = 0; i < n; i++) {
      let at = offset;
      for (let d = 0; d < size.length; d++) at += (index[d] as number) * (stride[d] as number);
      if (at < 0 || at >= values.length) {
        throw new PickleError(`${what}: element ${i} reads past the end of storage ${ref.key}`);
      }
      out[i] = values[at] as number;
      for (let d = size.length - 1; d >= 0; d--) {
        index[d] = (index[d] as number) + 1;
        if ((index[d] as number) < (size[d] as number)) break;
        index[d] = 0;
      }
    }
    return new TorchTensor(ref.dtype, size, out);
  };
  return {
    'torch._utils._rebuild_tensor_v2': { call: (args) => tensor(args, '_rebuild_tensor_v2') },
    'torch._utils._rebuild_tensor': { call: (args) => tensor(args, '_rebuild_tensor') },
    // A saved nn.Parameter is its data (requires_grad and hooks do not matter here).
    'torch._utils._rebuild_parameter': { call: ([data]) => data },
    'torch._utils._rebuild_parameter_with_state': { call: ([data]) => data },
  };
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x) && (x as number) >= 0);
}

/** The entries of a torch archive by name relative to its folder (`data.pkl`, `data/0`, ...). */
function archiveEntries(bytes: Uint8Array): Map<string, Uint8Array> {
  let entries: ZipEntry[];
  try {
    entries = readZip(bytes);
  } catch (error) {
    const legacy =
      bytes[0] === 0x80
        ? ' (this looks like a legacy, pre-1.6 torch.save file: re-save it with a current PyTorch)'
        : '';
    throw new TorchCheckpointError(`not a PyTorch checkpoint: ${(error as Error).message}${legacy}`);
  }
  const pkl = entries.find((e) => e.name.endsWith('data.pkl') && e.name.split('/').length === 2);
  if (!pkl)
    throw new TorchCheckpointError('not a PyTorch checkpoint: the zip archive has no <folder>/data.pkl');
  const folder = pkl.name.slice(0, pkl.name.indexOf('/') + 1);
  const byName = new Map<string, Uint8Array>();
  for (const e of entries) if (e.name.startsWith(folder)) byName.set(e.name.slice(folder.length), e.data);
  return byName;
}

/**
 * Reads a `torch.save` file: the saved object with every tensor as a {@link TorchTensor}. Refuses,
 * with a {@link TorchCheckpointError}, anything but tensors and plain Python data.
 */
export function readTorchCheckpoint(bytes: Uint8Array): unknown {
  const entries = archiveEntries(bytes);
  const order = new TextDecoder().decode(entries.get('byteorder') ?? new TextEncoder().encode('little'));
  if (order.trim() !== 'little') {
    throw new TorchCheckpointError(
      `the checkpoint was saved on a ${order} machine; only little-endian files are read`,
    );
  }
  const cache = new Map<string, Float32Array | Int32Array>();
  const load = (ref: StorageRef) => {
    const hit = cache.get(ref.key);
    if (hit) return hit;
    const raw = entries.get(`data/${ref.key}`);
    if (!raw) throw new TorchCheckpointError(`storage data/${ref.key} is missing from the archive`);
    if (raw.length < ref.numel * ref.bytes) {
      throw new TorchCheckpointError(
        `storage data/${ref.key} holds ${raw.length} bytes, needs ${ref.numel * ref.bytes}`,
      );
    }
    const values = decodeStorage(ref, raw);
    cache.set(ref.key, values);
    return values;
  };
  const rebuild = rebuildFunctions(load);
  try {
    return unpickle(entries.get('data.pkl') as Uint8Array, {
      resolveGlobal(module, name) {
        const fn = rebuild[`${module}.${name}`];
        if (fn) return fn;
        const storage = module === 'torch' ? STORAGE_TYPES[name] : undefined;
        return storage ? { value: { storageType: name, ...storage } } : undefined;
      },
      persistentLoad(id) {
        if (!Array.isArray(id) || id[0] !== 'storage' || id.length !== 5) {
          throw new PickleError(`unknown persistent id ${JSON.stringify(id)} (expected a torch storage)`);
        }
        const [, type, key, , numel] = id as [
          string,
          { storageType?: string; dtype: TorchDtype; bytes: number },
          unknown,
          unknown,
          unknown,
        ];
        if (typeof type !== 'object' || type === null || !('storageType' in type)) {
          throw new PickleError('a storage id names no storage type');
        }
        if (typeof key !== 'string' || !Number.isInteger(numel))
          throw new PickleError('malformed storage id');
        return {
          storage: true,
          key,
          dtype: type.dtype,
          bytes: type.bytes,
          numel: numel as number,
        } satisfies StorageRef;
      },
    });
  } catch (error) {
    if (error instanceof PickleError)
      throw new TorchCheckpointError(`cannot read the checkpoint: ${error.message}`);
    throw error;
  }
}

function decodeStorage(ref: StorageRef, raw: Uint8Array): Float32Array | Int32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = ref.numel;
  switch (ref.dtype) {
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'float64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    case 'float16':
    case 'bfloat16': {
      const out = new Float32Array(n);
      const f = ref.dtype === 'float16' ? halfToFloat : bf16ToFloat;
      for (let i = 0; i < n; i++) out[i] = f(view.getUint16(2 * i, true));
      return out;
    }
    case 'int64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(8 * i, true);
        if (v < -2147483648n || v > 2147483647n) {
          throw new TorchCheckpointError(`storage data/${ref.key}: int64 value ${v} does not fit in int32`);
        }
        out[i] = Number(v);
      }
      return out;
    }
    case 'int32':
      return Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true));
    case 'int16':
      return Int32Array.from({ length: n }, (_, i) => view.getInt16(2 * i, true));
    case 'int8':
      return Int32Array.from({ length: n }, (_, i) => view.getInt8(i));
    default:
      return Int32Array.from(raw.subarray(0, n));
  }
}

/** Options for {@link writeTorchCheckpoint}. */
export interface WriteTorchCheckpointOptions {
  /** The archive's folder name (torch uses the file's base name; any name loads). Default `archive`. */
  archiveName?: string;
}

/**
 * Writes `value` as a `torch.save` file that `torch.load(path, weights_only=True)` reads. Values are
 * those {@link pickle} takes, with {@link TorchTensor}s anywhere (float32 tensors as FloatStorage,
 * Int32Array tensors as int64 LongStorage), each in its own storage.
 */
export function writeTorchCheckpoint(value: unknown, options: WriteTorchCheckpointOptions = {}): Uint8Array {
  const name = options.archiveName ?? 'archive';
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new RangeError(`archiveName must be a plain file name, got ${JSON.stringify(name)}`);
  const storages: Uint8Array[] = [];
  const convert = (v: unknown): unknown => {
    if (v instanceof TorchTensor) {
      const key = String(storages.length);
      const isFloat = v.data instanceof Float32Array;
      storages.push(isFloat ? float32Bytes(v.data as Float32Array) : int64Bytes(v.data as Int32Array));
      const strides = v.shape.map((_, d) => v.shape.slice(d + 1).reduce((a, b) => a * b, 1));
      const storageType = new PyGlobal('torch', isFloat ? 'FloatStorage' : 'LongStorage');
      return new PyGlobalCall('torch._utils', '_rebuild_tensor_v2', [
        new PyPersistentId(new PyTuple(['storage', storageType, key, 'cpu', v.data.length])),
        0,
        new PyTuple([...v.shape]),
        new PyTuple(strides),
        false,
        new PyGlobalCall('collections', 'OrderedDict', []),
      ]);
    }
    if (v instanceof PyTuple) return new PyTuple(v.items.map(convert));
    if (Array.isArray(v)) return v.map(convert);
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, convert(x)]));
    if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x)]));
    }
    return v;
  };
  const tree = convert(value);
  const text = new TextEncoder();
  const entries: ZipEntry[] = [
    { name: `${name}/data.pkl`, data: pickle(tree) },
    { name: `${name}/.format_version`, data: text.encode('1') },
    { name: `${name}/.storage_alignment`, data: text.encode('64') },
    { name: `${name}/byteorder`, data: text.encode('little') },
    ...storages.map((data, i) => ({ name: `${name}/data/${i}`, data })),
    { name: `${name}/version`, data: text.encode('3\n') },
  ];
  return writeZip(entries, { align: 64 });
}

function float32Bytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i] as number, true);
  return out;
}

function int64Bytes(data: Int32Array): Uint8Array {
  const out = new Uint8Array(data.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setBigInt64(8 * i, BigInt(data[i] as number), true);
  return out;
}
