/**
 * The zip container of PyTorch checkpoints, read and written without compression (browser-safe).
 *
 * Since PyTorch 1.6, `torch.save` writes a zip archive whose entries are all *stored* (not deflated):
 *
 *   <name>/data.pkl        the pickled object; tensors refer to storages by key
 *   <name>/byteorder       "little"
 *   <name>/data/<key>      one raw storage per key, its data aligned to 64 bytes in the file
 *   <name>/version         the serialization format version, e.g. "3\n"
 *
 * `<name>` is the archive's folder (torch uses the file's base name, or `archive`). The alignment is made
 * with padding in a local header's extra field (tag 0x4246, "FB"), so storages can be memory-mapped.
 * The layout of headers is the PKWARE APPNOTE (sections 4.3.7 local header, 4.3.12 central directory,
 * 4.3.16 end of central directory, 4.5.3 zip64 extra field). Archives over 4 GiB use zip64 records,
 * which the reader follows; the writer refuses them.
 */

/** Thrown for a malformed or unsupported zip archive. */
export class ZipError extends Error {
  constructor(message: string) {
    super(`Invalid zip archive: ${message}`);
    this.name = 'ZipError';
  }
}

/** One entry of a zip archive: its name and its (uncompressed) bytes, a view into the archive. */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;

/** Lists the entries of a zip archive of stored entries; the data are views into `bytes`, not copies. */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError(`offset ${v} is too large`);
    return Number(v);
  };
  if (bytes.byteLength < 22 || u32(0) !== LOCAL_HEADER) {
    throw new ZipError('it does not start with a zip local file header ("PK\\x03\\x04")');
  }
  // The end-of-central-directory record is the last 22 bytes, unless a comment (up to 64 KiB) follows it.
  let eocd = -1;
  for (let at = bytes.byteLength - 22; at >= Math.max(0, bytes.byteLength - 22 - 65535); at--) {
    if (u32(at) === END_OF_CENTRAL) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('no end-of-central-directory record (the file is truncated?)');
  let count = u16(eocd + 10);
  let dirSize = u32(eocd + 12);
  let dirOffset = u32(eocd + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || u32(locator) !== ZIP64_LOCATOR) throw new ZipError('zip64 locator missing');
    const end64 = u64(locator + 8);
    if (end64 + 56 > bytes.byteLength || u32(end64) !== ZIP64_END)
      throw new ZipError('zip64 end record missing');
    count = u64(end64 + 32);
    dirSize = u64(end64 + 40);
    dirOffset = u64(end64 + 48);
  }
  if (dirOffset + dirSize > bytes.byteLength)
    throw new ZipError('central directory runs past the end of the file');
  const names = new TextDecoder('utf-8');
  const entries: ZipEntry[] = [];
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.byteLength || u32(at) !== CENTRAL_HEADER) {
      throw new ZipError(`central directory entry ${i} is malformed`);
    }
    const method = u16(at + 10);
    let compressed = u32(at + 20);
    let size = u32(at + 24);
    const nameLen = u16(at + 28);
    const extraLen = u16(at + 30);
    const commentLen = u16(at + 32);
    let localOffset = u32(at + 42);
    const name = names.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    // zip64: the fields that overflowed are 0xFFFFFFFF and their 64-bit values follow, in order, in extra field 1.
    for (let x = at + 46 + nameLen; x + 4 <= at + 46 + nameLen + extraLen; ) {
      const tag = u16(x);
      const len = u16(x + 2);
      if (tag === 0x0001) {
        let f = x + 4;
        if (size === 0xffffffff) {
          size = u64(f);
          f += 8;
        }
        if (compressed === 0xffffffff) {
          compressed = u64(f);
          f += 8;
        }
        if (localOffset === 0xffffffff) localOffset = u64(f);
      }
      x += 4 + len;
    }
    if (method !== 0) {
      throw new ZipError(
        `entry "${name}" is compressed (method ${method}); PyTorch archives store entries uncompressed`,
      );
    }
    if (compressed !== size) throw new ZipError(`entry "${name}" has different stored and real sizes`);
    if (localOffset + 30 > bytes.byteLength || u32(localOffset) !== LOCAL_HEADER) {
      throw new ZipError(`entry "${name}" points at a missing local header`);
    }
    const start = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (start + size > bytes.byteLength) throw new ZipError(`entry "${name}" runs past the end of the file`);
    entries.push({ name, data: bytes.subarray(start, start + size) });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (the zip/PNG polynomial 0xEDB88320, reflected), as zip headers record it. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++)
    c = (CRC_TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Options for {@link writeZip}. */
export interface WriteZipOptions {
  /** Align each entry's data to this many bytes in the file (torch: 64). Default 64. */
  align?: number;
}

/**
 * Writes entries as a zip archive of stored (uncompressed) entries, each entry's data aligned as torch
 * aligns it. Throws a {@link ZipError} past 4 GiB (zip64 is not written).
 */
export function writeZip(entries: readonly ZipEntry[], options: WriteZipOptions = {}): Uint8Array {
  const align = options.align ?? 64;
  const encoder = new TextEncoder();
  const names = entries.map((e) => encoder.encode(e.name));
  // Lay out local headers first to know the total size.
  const layout: { offset: number; pad: number; crc: number }[] = [];
  let offset = 0;
  entries.forEach((entry, i) => {
    const nameLen = (names[i] as Uint8Array).length;
    const bare = offset + 30 + nameLen;
    // The extra field is a 4-byte tag and length, then padding bytes: at least 4 bytes when any are needed.
    const extra = bare % align === 0 ? 0 : 4 + ((align - ((bare + 4) % align)) % align);
    layout.push({ offset, pad: extra, crc: crc32(entry.data) });
    offset = bare + extra + entry.data.length;
  });
  const centralStart = offset;
  const centralSize = names.reduce((s, n) => s + 46 + n.length, 0);
  const total = centralStart + centralSize + 22;
  if (total > 0xffffffff || entries.length > 0xffff) {
    throw new ZipError(
      `the archive would be ${total} bytes with ${entries.length} entries; over 4 GiB needs zip64, which is not written`,
    );
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  // A fixed DOS date/time (1980-01-01 00:00) keeps the output reproducible.
  const dosTime = 0;
  const dosDate = (0 << 9) | (1 << 5) | 1;
  entries.forEach((entry, i) => {
    const { offset: at, pad, crc } = layout[i] as { offset: number; pad: number; crc: number };
    const name = names[i] as Uint8Array;
    view.setUint32(at, LOCAL_HEADER, true);
    view.setUint16(at + 4, 20, true); // version needed: 2.0
    view.setUint16(at + 6, 0, true); // flags
    view.setUint16(at + 8, 0, true); // method: stored
    view.setUint16(at + 10, dosTime, true);
    view.setUint16(at + 12, dosDate, true);
    view.setUint32(at + 14, crc, true);
    view.setUint32(at + 18, entry.data.length, true);
    view.setUint32(at + 22, entry.data.length, true);
    view.setUint16(at + 26, name.length, true);
    view.setUint16(at + 28, pad, true);
    out.set(name, at + 30);
    if (pad > 0) {
      view.setUint16(at + 30 + name.length, 0x4246, true); // "FB": torch's padding tag
      view.setUint16(at + 32 + name.length, pad - 4, true);
    }
    out.set(entry.data, at + 30 + name.length + pad);
  });
  let c = centralStart;
  entries.forEach((entry, i) => {
    const { offset: at, crc } = layout[i] as { offset: number; pad: number; crc: number };
    const name = names[i] as Uint8Array;
    view.setUint32(c, CENTRAL_HEADER, true);
    view.setUint16(c + 4, 20, true); // made by
    view.setUint16(c + 6, 20, true); // needed
    view.setUint16(c + 8, 0, true);
    view.setUint16(c + 10, 0, true);
    view.setUint16(c + 12, dosTime, true);
    view.setUint16(c + 14, dosDate, true);
    view.setUint32(c + 16, crc, true);
    view.setUint32(c + 20, entry.data.length, true);
    view.setUint32(c + 24, entry.data.length, true);
    view.setUint16(c + 28, name.length, true);
    // extra, comment, disk, internal and external attributes stay 0
    view.setUint32(c + 42, at, true);
    out.set(name, c + 46);
    c += 46 + name.length;
  });
  view.setUint32(c, END_OF_CENTRAL, true);
  view.setUint16(c + 8, entries.length, true);
  view.setUint16(c + 10, entries.length, true);
  view.setUint32(c + 12, centralSize, true);
  view.setUint32(c + 16, centralStart, true);
  return out;
}
