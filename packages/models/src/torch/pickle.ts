/**
 * A restricted Python pickle reader and a minimal pickle writer (browser-safe).
 *
 * A pickle is a small stack-machine program: opcodes push values (ints, strings, tuples, dicts), build
 * containers, and — the dangerous part — look up any Python callable by module and name (`GLOBAL`,
 * `STACK_GLOBAL`) and call it (`REDUCE`, `NEWOBJ`, `BUILD`). Loading an untrusted pickle with Python's
 * `pickle` can therefore run arbitrary code. This reader runs no code at all: it interprets the opcodes
 * that plain data and a PyTorch state dict need (protocols 2 to 5, the format `torch.save` writes),
 * and a callable may only be one of a short allow-list that the caller maps to pure JS functions
 * (`resolveGlobal`). Anything else fails with a {@link PickleError} that names the callable.
 *
 * Python values become JS values: None → null, bool → boolean, int → number (bigint beyond 2^53),
 * float → number, str → string, bytes → Uint8Array, tuple and list → array, dict → plain object when
 * every key is a string, else a Map. The writer takes the same values back, plus {@link PyTuple},
 * {@link PyFloat} (a float whose value happens to be integral, e.g. `0.0`) and {@link PyGlobalCall}
 * (a call to an allow-listed callable, which is how tensors are written), and emits protocol 2, the
 * protocol `torch.save` uses.
 *
 * Opcode meanings follow CPython's `Lib/pickletools.py` documentation.
 */

/** Thrown for a malformed pickle or one that asks for something this reader refuses to do. */
export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

/** A Python tuple to write (the reader returns tuples as arrays). */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** A Python float to write even when its value is integral (`0.0`, `1.0`); plain numbers with integral values are written as int. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/**
 * A call `module.name(*args)` to write with `GLOBAL` + `REDUCE`, optionally with a persistent id
 * instead (see `PickleWriteOptions`); used for tensors and OrderedDicts.
 */
export class PyGlobalCall {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: readonly unknown[],
  ) {}
}

/** A reference to a Python global `module.name` to write without calling it (e.g. a torch storage type). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}

/** A persistent id to write (`BINPERSID`): the loader resolves it, e.g. to a tensor storage. */
export class PyPersistentId {
  constructor(readonly id: unknown) {}
}

/** A reference to an allow-listed global, as `resolveGlobal` returns it. */
export interface PickleCallable {
  /** Called for `REDUCE` / `NEWOBJ` with the argument tuple. */
  call(args: unknown[]): unknown;
  /** Called for `BUILD` on an object this callable made; default: the state is ignored. */
  build?(target: unknown, state: unknown): unknown;
}

/** Options for {@link unpickle}. */
export interface UnpickleOptions {
  /**
   * Maps `module.name` to a callable or a plain value (e.g. a storage type marker), or returns
   * undefined to refuse it. Refused globals throw a {@link PickleError} naming them.
   */
  resolveGlobal?(module: string, name: string): PickleCallable | { value: unknown } | undefined;
  /** Resolves a `BINPERSID` id (torch: a storage descriptor tuple). Without it, persistent ids are refused. */
  persistentLoad?(id: unknown): unknown;
}

/** What a GLOBAL opcode pushes for an allow-listed callable (a plain-value global pushes the value itself). */
class GlobalRef {
  constructor(
    readonly qualname: string,
    readonly callable: PickleCallable,
  ) {}
}

/** Objects made by an allow-listed callable remember it, so BUILD can be routed to it. */
const madeBy = new WeakMap<object, GlobalRef>();

/** Builds a Python dict: a plain object when all keys are strings, else a Map. */
class DictBuilder {
  map = new Map<unknown, unknown>();
}

/** Plain containers every pickle may use: OrderedDict (a dict) and `_codecs.encode` (protocol 2's bytes). */
const BUILTIN_GLOBALS: Record<string, PickleCallable> = {
  'collections.OrderedDict': {
    call: (args) => {
      if (args.length !== 0) throw new PickleError('OrderedDict(...) with arguments is not supported');
      return new DictBuilder();
    },
    // OrderedDict's state holds instance attributes (a state dict's `_metadata`), not items: ignored.
    build: (target) => target,
  },
  '_codecs.encode': {
    call: ([text, encoding]) => {
      if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
        throw new PickleError('_codecs.encode is only accepted as the latin-1 bytes of protocol 2');
      }
      return Uint8Array.from(text, (c) => c.charCodeAt(0));
    },
  },
};

/** Reads a pickle. Never executes code; see the file header for what is accepted. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;

  const need = (n: number, what: string) => {
    if (pos + n > bytes.byteLength) {
      throw new PickleError(`truncated pickle: ${what} at byte ${pos} needs ${n} bytes`);
    }
  };
  const u8 = () => {
    need(1, 'a 1-byte argument');
    return bytes[pos++] as number;
  };
  const u16 = () => {
    need(2, 'a 2-byte argument');
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4, 'a 4-byte argument');
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8, 'an 8-byte argument');
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError(`length ${v} is too large`);
    return Number(v);
  };
  const take = (n: number, what: string) => {
    need(n, what);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError(`truncated pickle: unterminated text argument at byte ${pos}`);
    const text = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = () => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= (marks.at(-1) as number))) {
      throw new PickleError(`stack underflow at byte ${pos}`);
    }
    return finish(stack.pop());
  };
  const top = () => {
    if (stack.length === 0) throw new PickleError(`stack underflow at byte ${pos}`);
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) throw new PickleError(`no MARK before byte ${pos}`);
    return stack.splice(m).map(finish);
  };
  const global = (module: string, name: string) => {
    const resolved = BUILTIN_GLOBALS[`${module}.${name}`] ?? options.resolveGlobal?.(module, name);
    const qualname = `${module}.${name}`;
    if (resolved === undefined) {
      throw new PickleError(
        `refusing to load the Python global ${qualname}: only tensor storages, torch's tensor rebuild functions and plain containers are allowed (a pickle that names other callables could run code when loaded)`,
      );
    }
    return 'call' in resolved ? new GlobalRef(qualname, resolved as PickleCallable) : resolved.value;
  };
  const call = (fn: unknown, args: unknown) => {
    if (!(fn instanceof GlobalRef)) {
      const what = fn instanceof GlobalRef ? fn.qualname : typeof fn;
      throw new PickleError(`refusing to call ${what}: it is not an allow-listed callable`);
    }
    if (!Array.isArray(args)) throw new PickleError(`arguments to ${fn.qualname} must be a tuple`);
    const result = fn.callable.call(args);
    if (typeof result === 'object' && result !== null) madeBy.set(result, fn);
    return result;
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: {
        const proto = u8();
        if (proto > 5) throw new PickleError(`unsupported pickle protocol ${proto} (supported: 2 to 5)`);
        break;
      }
      case 0x95: // FRAME: a length prefix for buffering; the opcodes inside are read as usual.
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) throw new PickleError(`STOP with ${stack.length} values on the stack`);
        return finish(stack[0]);
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x61: {
        const v = pop();
        listOf(top(), at).push(v);
        break;
      }
      case 0x65: {
        const items = popMark();
        listOf(top(), at).push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new DictBuilder());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new DictBuilder();
        setItems(d, items, at);
        stack.push(d);
        break;
      }
      case 0x73: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v], at);
        break;
      }
      case 0x75: {
        const items = popMark();
        setItems(top(), items, at);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4a: {
        need(4, 'BININT');
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      }
      case 0x4b:
        stack.push(u8());
        break;
      case 0x4d:
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(littleEndianSigned(take(u8(), 'LONG1')));
        break;
      case 0x8b: // LONG4
        stack.push(littleEndianSigned(take(u32(), 'LONG4')));
        break;
      case 0x47: {
        need(8, 'BINFLOAT');
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(decodeUtf8(utf8, take(u32(), 'BINUNICODE'), at));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(decodeUtf8(utf8, take(u8(), 'SHORT_BINUNICODE'), at));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(decodeUtf8(utf8, take(u64(), 'BINUNICODE8'), at));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32(), 'BINBYTES').slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8(), 'SHORT_BINBYTES').slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64(), 'BINBYTES8').slice());
        break;
      case 0x54: // BINSTRING (a Python 2 str, read as latin-1 text)
        stack.push(new TextDecoder('latin1').decode(take(u32(), 'BINSTRING')));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(new TextDecoder('latin1').decode(take(u8(), 'SHORT_BINSTRING')));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68:
      case 0x6a: {
        // BINGET, LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key))
          throw new PickleError(`memo entry ${key} read before it was written (byte ${at})`);
        stack.push(memo.get(key));
        break;
      }
      case 0x30: // POP
        if (marks.length > 0 && stack.length === marks.at(-1)) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw new PickleError(`STACK_GLOBAL needs two strings (byte ${at})`);
        }
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args), allowed for the same callables
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD: obj.__setstate__(state), routed to the callable that made obj
        const state = pop();
        const target = top();
        const maker = typeof target === 'object' && target !== null ? madeBy.get(target) : undefined;
        if (!maker) throw new PickleError(`BUILD on an object no allow-listed callable made (byte ${at})`);
        if (maker.callable.build) stack[stack.length - 1] = maker.callable.build(target, state);
        break;
      }
      case 0x51: {
        // BINPERSID
        const id = pop();
        if (!options.persistentLoad)
          throw new PickleError(`persistent id at byte ${at}, but no loader for it`);
        stack.push(options.persistentLoad(id));
        break;
      }
      default:
        throw new PickleError(
          `unsupported or refused pickle opcode 0x${op.toString(16).padStart(2, '0')} (${JSON.stringify(String.fromCharCode(op))}) at byte ${at}`,
        );
    }
  }
}

function finish(value: unknown): unknown {
  if (!(value instanceof DictBuilder)) return value;
  // A dict is finished when it leaves the stack's top: later SETITEMs went to the builder itself.
  return dictValue(value);
}

/** The JS value of a dict: the builder is converted once and cached, so memo references stay shared. */
const dictValues = new WeakMap<DictBuilder, unknown>();
function dictValue(d: DictBuilder): unknown {
  const cached = dictValues.get(d);
  if (cached !== undefined) return cached;
  let out: unknown;
  if ([...d.map.keys()].every((k) => typeof k === 'string')) {
    const obj: Record<string, unknown> = {};
    for (const [k, v] of d.map) {
      Object.defineProperty(obj, k as string, {
        value: finish(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    out = obj;
  } else {
    out = new Map([...d.map].map(([k, v]) => [k, finish(v)]));
  }
  dictValues.set(d, out);
  return out;
}

function listOf(target: unknown, at: number): unknown[] {
  if (!Array.isArray(target)) throw new PickleError(`APPEND to something that is not a list (byte ${at})`);
  return target;
}

function setItems(target: unknown, items: unknown[], at: number): void {
  if (!(target instanceof DictBuilder)) {
    throw new PickleError(`SETITEM on something that is not a dict (byte ${at})`);
  }
  if (items.length % 2 !== 0) throw new PickleError(`odd number of dict items (byte ${at})`);
  for (let i = 0; i < items.length; i += 2) {
    const key = items[i];
    if (typeof key === 'object' && key !== null && !Array.isArray(key)) {
      throw new PickleError(`unsupported dict key type (byte ${at})`);
    }
    target.map.set(Array.isArray(key) ? JSON.stringify(key) : key, items[i + 1]);
  }
}

function decodeUtf8(decoder: TextDecoder, raw: Uint8Array, at: number): string {
  try {
    return decoder.decode(raw);
  } catch {
    throw new PickleError(`string at byte ${at} is not valid UTF-8`);
  }
}

/** Two's-complement little-endian integer → number, or bigint when it does not fit in 2^53. */
function littleEndianSigned(raw: Uint8Array): number | bigint {
  if (raw.length === 0) return 0;
  let v = 0n;
  for (let i = raw.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i] as number);
  if ((raw[raw.length - 1] as number) & 0x80) v -= 1n << BigInt(8 * raw.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

// ---------------------------------------------------------------------------------------------------
// Writer

/** Grows a byte buffer as opcodes are appended. */
class ByteSink {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  f64be(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, v, false);
    this.length += 8;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Writes `value` as a protocol-2 pickle. Throws a {@link PickleError} for a value with no Python counterpart. */
export function pickle(value: unknown): Uint8Array {
  const out = new ByteSink();
  const utf8 = new TextEncoder();
  const str = (s: string) => {
    const b = utf8.encode(s);
    out.byte(0x58);
    out.u32(b.length);
    out.bytes(b);
  };
  const int = (v: number | bigint) => {
    if (typeof v === 'number' && v >= 0 && v < 256) {
      out.byte(0x4b);
      out.byte(v);
    } else if (typeof v === 'number' && v >= 0 && v < 65536) {
      out.byte(0x4d);
      out.u16(v);
    } else if (typeof v === 'number' && v >= -(2 ** 31) && v < 2 ** 31) {
      out.byte(0x4a);
      out.i32(v);
    } else {
      const raw = signedLittleEndian(BigInt(v));
      out.byte(0x8a);
      out.byte(raw.length);
      out.bytes(raw);
    }
  };
  const tuple = (items: readonly unknown[], path: string) => {
    if (items.length === 0) return out.byte(0x29);
    if (items.length > 3) out.byte(0x28);
    for (const [i, item] of items.entries()) write(item, `${path}[${i}]`);
    out.byte(items.length === 1 ? 0x85 : items.length === 2 ? 0x86 : items.length === 3 ? 0x87 : 0x74);
  };
  const write = (v: unknown, path: string): void => {
    if (v === null || v === undefined) out.byte(0x4e);
    else if (v === true) out.byte(0x88);
    else if (v === false) out.byte(0x89);
    else if (typeof v === 'bigint') int(v);
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && !Object.is(v, -0)) int(v);
      else {
        out.byte(0x47);
        out.f64be(v);
      }
    } else if (v instanceof PyFloat) {
      out.byte(0x47);
      out.f64be(v.value);
    } else if (typeof v === 'string') str(v);
    else if (v instanceof Uint8Array) {
      // Protocol 2 has no bytes opcode; Python writes bytes as _codecs.encode(latin-1 text, 'latin1').
      out.bytes(utf8.encode('c_codecs\nencode\n'));
      tuple([new TextDecoder('latin1').decode(v), 'latin1'], path);
      out.byte(0x52);
    } else if (v instanceof PyTuple) tuple(v.items, path);
    else if (Array.isArray(v)) {
      out.byte(0x5d);
      if (v.length > 0) {
        out.byte(0x28);
        for (const [i, item] of v.entries()) write(item, `${path}[${i}]`);
        out.byte(0x65);
      }
    } else if (v instanceof PyGlobalCall) {
      out.bytes(utf8.encode(`c${v.module}\n${v.name}\n`));
      tuple(v.args, path);
      out.byte(0x52);
    } else if (v instanceof PyGlobal) {
      out.bytes(utf8.encode(`c${v.module}\n${v.name}\n`));
    } else if (v instanceof PyPersistentId) {
      write(v.id, path);
      out.byte(0x51);
    } else if (
      v instanceof Map ||
      (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) ||
      (typeof v === 'object' && Object.getPrototypeOf(v) === null)
    ) {
      const entries = v instanceof Map ? [...v] : Object.entries(v as Record<string, unknown>);
      out.byte(0x7d);
      if (entries.length > 0) {
        out.byte(0x28);
        for (const [k, item] of entries) {
          write(k, `${path} key`);
          write(item, `${path}.${String(k)}`);
        }
        out.byte(0x75);
      }
    } else {
      throw new PickleError(
        `cannot pickle ${path}: ${Object.prototype.toString.call(v)} has no Python counterpart`,
      );
    }
  };
  out.byte(0x80);
  out.byte(2);
  write(value, 'value');
  out.byte(0x2e);
  return out.result();
}

function signedLittleEndian(v: bigint): Uint8Array {
  const bytes: number[] = [];
  let x = v;
  for (;;) {
    bytes.push(Number(x & 0xffn));
    x >>= 8n;
    const sign = (bytes[bytes.length - 1] as number) & 0x80;
    if ((x === 0n && !sign) || (x === -1n && sign)) break;
  }
  return Uint8Array.from(bytes);
}
