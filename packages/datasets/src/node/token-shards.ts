/**
 * Token shards: a corpus of any size, encoded once in a streaming pass into fixed-size files of token
 * ids, so that training can read random windows without holding the corpus (or its ids) in memory.
 *
 *   <dir>/index.json           { format: "makemore-token-shards", version: 1, dtype, vocabSize, tokenizer?,
 *                                source: { path, bytes }, split: { fraction, atByte },
 *                                splits: { train: [{ file, tokens, sha256 }], val: [...] } }
 *   <dir>/train-00000.bin ...   token ids, uint16 little-endian when the vocabulary has ≤ 65,536 ids, else uint32
 *   <dir>/val-00000.bin ...
 *
 * The text is read in chunks and cut only where a newline is followed by a character that is not
 * whitespace: no BPE pre-tokenizer pattern (GPT-2's, GPT-4's) joins text across such a point, so encoding
 * chunk by chunk gives the same ids as encoding the whole text. The split is nanoGPT's and makemore's
 * "first 90% / last 10%", taken at the first such cut at or after 90% of the bytes. Memory is bounded by
 * the chunk size, whatever the corpus size.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, type FileHandle, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TextTokenizer } from '../types.js';

/** The index file's name inside a shard folder. */
export const TOKEN_SHARDS_INDEX = 'index.json';
/** The index's `format` field. */
export const TOKEN_SHARDS_FORMAT = 'makemore-token-shards';

/** One shard file of a split. */
export interface TokenShard {
  /** File name inside the shard folder. */
  file: string;
  /** Token ids in it. */
  tokens: number;
  /** sha256 of its bytes, hex. */
  sha256: string;
}

/** `index.json` of a shard folder. */
export interface TokenShardsIndex {
  format: typeof TOKEN_SHARDS_FORMAT;
  version: 1;
  dtype: 'uint16' | 'uint32';
  vocabSize: number;
  /** The tokenizer's JSON, when it has `toJSON()`. */
  tokenizer?: unknown;
  source: { path: string; bytes: number };
  split: { fraction: number; atByte: number };
  splits: { train: TokenShard[]; val: TokenShard[] };
}

/** Options for {@link prepareTokenShards}. */
export interface PrepareTokenShardsOptions {
  /** The text file to encode (UTF-8). */
  input: string;
  /** The folder to write (created). */
  outDir: string;
  tokenizer: TextTokenizer & { toJSON?(): unknown };
  /** Tokens per shard file (default 100,000,000: 200 MB of uint16). */
  shardTokens?: number;
  /** Share of the text in the train split (default 0.9). */
  trainFraction?: number;
  /** Bytes read at a time (default 4 MiB). */
  chunkBytes?: number;
  /** Called after each chunk with the bytes read so far and the file size. */
  onProgress?(bytesRead: number, totalBytes: number): void;
}

/** Writes ids to numbered shard files of one split, hashing as it goes. */
class ShardWriter {
  readonly shards: TokenShard[] = [];
  private handle: FileHandle | null = null;
  private hash: Hash | null = null;
  private inShard = 0;

  constructor(
    private readonly dir: string,
    private readonly split: string,
    private readonly dtype: 'uint16' | 'uint32',
    private readonly shardTokens: number,
  ) {}

  async write(ids: ArrayLike<number>): Promise<void> {
    let offset = 0;
    while (offset < ids.length) {
      if (!this.handle) await this.openNext();
      const n = Math.min(ids.length - offset, this.shardTokens - this.inShard);
      const bytes = encodeIds(ids, offset, n, this.dtype);
      await (this.handle as FileHandle).write(bytes);
      (this.hash as Hash).update(bytes);
      this.inShard += n;
      offset += n;
      if (this.inShard === this.shardTokens) await this.closeCurrent();
    }
  }

  async close(): Promise<void> {
    await this.closeCurrent();
  }

  private async openNext(): Promise<void> {
    const file = `${this.split}-${String(this.shards.length).padStart(5, '0')}.bin`;
    this.handle = await open(join(this.dir, file), 'w');
    this.hash = createHash('sha256');
    this.inShard = 0;
    this.shards.push({ file, tokens: 0, sha256: '' });
  }

  private async closeCurrent(): Promise<void> {
    if (!this.handle) return;
    await this.handle.close();
    const shard = this.shards[this.shards.length - 1] as TokenShard;
    shard.tokens = this.inShard;
    shard.sha256 = (this.hash as Hash).digest('hex');
    this.handle = null;
    this.hash = null;
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function encodeIds(
  ids: ArrayLike<number>,
  offset: number,
  n: number,
  dtype: 'uint16' | 'uint32',
): Uint8Array {
  if (LITTLE_ENDIAN_HOST) {
    // Typed-array views in the host's byte order are the file's byte order: one copy, no per-element calls.
    const typed = dtype === 'uint16' ? new Uint16Array(n) : new Uint32Array(n);
    for (let i = 0; i < n; i++) typed[i] = ids[offset + i] as number;
    return new Uint8Array(typed.buffer);
  }
  const width = dtype === 'uint16' ? 2 : 4;
  const out = new Uint8Array(n * width);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const id = ids[offset + i] as number;
    if (dtype === 'uint16') view.setUint16(2 * i, id, true);
    else view.setUint32(4 * i, id, true);
  }
  return out;
}

/** Longest run of text without a safe cut that is held in memory. */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

/** The last index in `text` where a chunk may end: after a newline that a non-whitespace character follows. */
function lastSafeCut(text: string): number {
  for (let i = text.length - 1; i > 0; i--) {
    if (text.charCodeAt(i - 1) === 10 && !/\s/.test(text[i] as string)) return i;
  }
  return -1;
}

/**
 * Encodes `input` into token shards under `outDir` in one streaming pass and writes `index.json`.
 * Returns the index.
 */
export async function prepareTokenShards(options: PrepareTokenShardsOptions): Promise<TokenShardsIndex> {
  const { input, outDir, tokenizer } = options;
  const shardTokens = options.shardTokens ?? 100_000_000;
  const fraction = options.trainFraction ?? 0.9;
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`trainFraction must be in (0, 1), got ${fraction}`);
  if (!Number.isInteger(shardTokens) || shardTokens < 1) {
    throw new RangeError(`shardTokens must be a positive integer, got ${shardTokens}`);
  }
  const dtype = tokenizer.vocabSize <= 65_536 ? 'uint16' : 'uint32';
  const { size } = await stat(input);
  const splitAt = Math.floor(size * fraction);
  await mkdir(outDir, { recursive: true });
  const writers = {
    train: new ShardWriter(outDir, 'train', dtype, shardTokens),
    val: new ShardWriter(outDir, 'val', dtype, shardTokens),
  };
  let current = writers.train;
  let atByte = -1;
  let bytesRead = 0;
  // Bytes of the pending text that have been read (to place the split by bytes, not characters).
  let pending = '';
  let pendingStartByte = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const flush = async (text: string) => {
    if (text.length > 0) await current.write(tokenizer.encode(text));
  };
  const stream = createReadStream(input, { highWaterMark: options.chunkBytes ?? 4 * 1024 * 1024 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    pending += decoder.decode(chunk, { stream: true });
    const cut = lastSafeCut(pending);
    if (cut < 0) {
      if (pending.length > MAX_LINE_CHARS) {
        throw new RangeError(
          `${input}: no line break followed by text in ${MAX_LINE_CHARS.toLocaleString('en-US')} characters; token shards cut the text between lines`,
        );
      }
      continue;
    }
    let head = pending.slice(0, cut);
    pending = pending.slice(cut);
    const headBytes = Buffer.byteLength(head, 'utf8');
    if (atByte < 0 && pendingStartByte + headBytes >= splitAt) {
      // The split goes at the first safe cut at or after splitAt bytes, inside this head.
      const local = firstSafeCutAtOrAfter(head, splitAt - pendingStartByte);
      if (local >= 0) {
        const before = head.slice(0, local);
        await flush(before);
        atByte = pendingStartByte + Buffer.byteLength(before, 'utf8');
        current = writers.val;
        head = head.slice(local);
      }
    }
    await flush(head);
    pendingStartByte += headBytes;
    options.onProgress?.(bytesRead, size);
  }
  pending += decoder.decode();
  if (atByte < 0) {
    const local = firstSafeCutAtOrAfter(pending, splitAt - pendingStartByte);
    if (local >= 0) {
      const before = pending.slice(0, local);
      await flush(before);
      atByte = pendingStartByte + Buffer.byteLength(before, 'utf8');
      pending = pending.slice(local);
    }
    current = writers.val;
  }
  await flush(pending);
  await writers.train.close();
  await writers.val.close();
  const index: TokenShardsIndex = {
    format: TOKEN_SHARDS_FORMAT,
    version: 1,
    dtype,
    vocabSize: tokenizer.vocabSize,
    ...(typeof tokenizer.toJSON === 'function' ? { tokenizer: tokenizer.toJSON() } : {}),
    source: { path: input, bytes: size },
    split: { fraction, atByte: atByte < 0 ? size : atByte },
    splits: { train: writers.train.shards, val: writers.val.shards },
  };
  if (index.splits.train.length === 0 || index.splits.val.length === 0) {
    throw new RangeError(
      `${input} is too small to split ${Math.round(fraction * 100)}/${Math.round((1 - fraction) * 100)} at a line boundary: each split needs a line of its own`,
    );
  }
  await writeFile(join(outDir, TOKEN_SHARDS_INDEX), `${JSON.stringify(index, null, 2)}\n`);
  return index;
}

/** The first safe cut of `text` whose UTF-8 offset is ≥ `minBytes` (−1 when there is none). */
function firstSafeCutAtOrAfter(text: string, minBytes: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    if (i > 0 && bytes >= minBytes && text.charCodeAt(i - 1) === 10 && !/\s/.test(text[i] as string))
      return i;
    const code = text.charCodeAt(i);
    bytes +=
      code < 0x80
        ? 1
        : code < 0x800
          ? 2
          : code >= 0xd800 && code < 0xdc00
            ? 4
            : code >= 0xdc00 && code < 0xe000
              ? 0
              : 3;
  }
  return -1;
}

/**
 * The distinct characters (code points) of a text file, read in a streaming pass, sorted by code point:
 * what a character tokenizer needs before {@link prepareTokenShards} can encode.
 */
export async function collectCharacters(input: string): Promise<string[]> {
  const seen = new Set<string>();
  // UTF-16 code units seen, checked first: a table lookup per character instead of a Set insertion.
  const bmp = new Uint8Array(65536);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const add = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0xd800 && code < 0xe000) {
        // A surrogate: the code point (a pair, or a lone half) goes to the set.
        const point = text.codePointAt(i) as number;
        seen.add(String.fromCodePoint(point));
        if (point > 0xffff) i++;
      } else if (bmp[code] === 0) {
        bmp[code] = 1;
        seen.add(text[i] as string);
      }
    }
  };
  for await (const chunk of createReadStream(input, {
    highWaterMark: 4 * 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    add(decoder.decode(chunk, { stream: true }));
  }
  add(decoder.decode());
  return [...seen].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));
}
