/**
 * BpeTokenizer: byte-level byte-pair encoding (Sennrich et al. 2016; byte-level as in GPT-2, Radford et
 * al. 2019) with minbpe's semantics and tiktoken's encoding rules.
 *
 * Text is made well-formed (lone surrogates become U+FFFD), split into pieces by a regex (or not at all),
 * each piece is UTF-8 encoded, and the merges are applied to its bytes, lowest merge id first. A merge's id
 * is its rank, which is how tiktoken's `.tiktoken` files define priority, so loading OpenAI's vocabularies
 * needs no translation table beyond recovering which two tokens form each merged token.
 */
import { trainBpe, type TrainBpeOptions } from './bpe-train';
import { MergeScratch, mergePiece } from './bpe-merge';
import { DisallowedSpecialTokenError, TokenizerFormatError, assertString, describeValue } from './errors';
import { parseMinbpeModel, writeMinbpeModel } from './minbpe-format';
import { PairTable } from './pair-table';
import { resolvePattern, stickySplitRegex } from './patterns';
import { PieceCache } from './piece-cache';
import { parseTiktokenRanks, type TiktokenPreset, writeTiktokenRanks } from './tiktoken-format';
import { decodeUtf8, encodeUtf8, encodeUtf8Into, toWellFormed } from './utf8';

/** Which special tokens `encode` recognises: all of them, none, or the listed ones. */
export type SpecialTokenSet = 'all' | 'none' | Iterable<string>;

/** Options of {@link BpeTokenizer.encode}, following tiktoken's rules. */
export interface BpeEncodeOptions {
  /** Special tokens encoded as their id when they occur in the text. Default `'none'`. */
  allowedSpecial?: SpecialTokenSet;
  /**
   * Special tokens whose presence in the text raises {@link DisallowedSpecialTokenError}. Default `'all'`,
   * meaning every special token not allowed. `'none'` encodes special-token text as ordinary text.
   */
  disallowedSpecial?: SpecialTokenSet;
}

/** A merge rule: tokens `left` and `right` side by side become token `id`; lower ids merge first. */
export type BpeMerge = readonly [left: number, right: number, id: number];

/**
 * The persisted form of a {@link BpeTokenizer} (format version 1). `pattern` is `'gpt2'`, `'gpt4'`,
 * `'o200k'`, a JavaScript regex source (compiled with the `u` flag) or `null` for no pre-split.
 * `byteIds[b]` is the id of the single-byte token for byte value `b` (the identity for trained tokenizers;
 * a permutation for OpenAI's). `merges` lists `[left, right, id]` in merge order.
 */
export interface BpeTokenizerJSON {
  type: 'bpe';
  version: 1;
  pattern: string | null;
  byteIds: number[];
  merges: Array<[number, number, number]>;
  specialTokens: Record<string, number>;
}

/** Options shared by the constructors that build a tokenizer from merges. */
export interface BpeBuildOptions {
  /** Split pattern: `'gpt2'`, `'gpt4'`, `'o200k'`, a JavaScript regex source, or `null` (no pre-split). */
  pattern?: string | null;
  /** Special tokens and their ids. */
  specialTokens?: Record<string, number>;
  /** `byteIds[b]` = id of byte `b`; the identity when omitted. */
  byteIds?: ArrayLike<number>;
  /** Most pieces kept in the encoder's cache before it is cleared. Default 100,000. */
  cacheSize?: number;
}

/** Options of {@link BpeTokenizer.train}. */
export type BpeTrainOptions = TrainBpeOptions & { cacheSize?: number };

const IDENTITY_BYTES = Array.from({ length: 256 }, (_, b) => b);

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A byte-level BPE tokenizer. Build one with `train`, `fromJSON`, `fromTiktoken` or `fromMinbpeModel`. */
export class BpeTokenizer {
  /** The split pattern's name (`'gpt2'`, `'gpt4'`, `'o200k'`), its source if custom, or `null`. */
  readonly pattern: string | null;
  /** Number of ids: the largest id (ordinary or special) plus one. */
  readonly vocabSize: number;

  private readonly regex: RegExp | null;
  private readonly byteIds: Int32Array;
  private readonly mergeList: Int32Array;
  private readonly table: PairTable;
  private readonly bytesById: Array<Uint8Array | undefined>;
  private readonly specials: Map<string, number>;
  private readonly specialById: Map<number, string>;
  private readonly scratch = new MergeScratch();
  private readonly cache: PieceCache;
  private byteBuf = new Uint8Array(256);
  private allSpecialRegex: RegExp | null | undefined;

  private constructor(merges: ArrayLike<number>, options: BpeBuildOptions, format: string) {
    const { name, source } = resolvePattern(options.pattern ?? null);
    this.pattern = name ?? source;
    this.regex = source === null ? null : stickySplitRegex(source);
    this.cache = new PieceCache(options.cacheSize ?? 100_000);

    const byteIds = options.byteIds ?? IDENTITY_BYTES;
    if (byteIds.length !== 256) {
      throw new TokenizerFormatError(
        format,
        `byteIds must list 256 ids, one per byte value; got ${byteIds.length}.`,
      );
    }
    this.byteIds = Int32Array.from(byteIds);
    this.mergeList = Int32Array.from(merges);
    const bytesById: Array<Uint8Array | undefined> = [];
    let maxId = -1;
    const claim = (id: number, what: string): void => {
      if (!Number.isInteger(id) || id < 0 || id > 0x7ffffffe) {
        throw new TokenizerFormatError(
          format,
          `${what} has id ${describeValue(id)}; ids must be integers ≥ 0.`,
        );
      }
      if (bytesById[id] !== undefined) throw new TokenizerFormatError(format, `${what} reuses id ${id}.`);
      if (id > maxId) maxId = id;
    };
    for (let b = 0; b < 256; b++) {
      const id = this.byteIds[b]!;
      claim(id, `byte ${b}`);
      bytesById[id] = Uint8Array.of(b);
    }
    this.table = new PairTable(this.mergeList.length / 3 + 16);
    for (let k = 0; k < this.mergeList.length; k += 3) {
      const left = this.mergeList[k]!;
      const right = this.mergeList[k + 1]!;
      const id = this.mergeList[k + 2]!;
      const what = `merge ${k / 3} (${left}, ${right}) -> ${id}`;
      const a = bytesById[left];
      const b = bytesById[right];
      if (a === undefined || b === undefined) {
        throw new TokenizerFormatError(format, `${what} uses an id that no earlier merge or byte defines.`);
      }
      claim(id, what);
      if (this.table.get(left, right) >= 0) throw new TokenizerFormatError(format, `${what} repeats a pair.`);
      const bytes = new Uint8Array(a.length + b.length);
      bytes.set(a);
      bytes.set(b, a.length);
      bytesById[id] = bytes;
      this.table.set(left, right, id);
    }
    this.bytesById = bytesById;
    this.specials = new Map();
    this.specialById = new Map();
    for (const [text, id] of Object.entries(options.specialTokens ?? {})) {
      if (text.length === 0) throw new TokenizerFormatError(format, 'a special token is the empty string.');
      claim(id, `special token ${JSON.stringify(text)}`);
      if (this.specialById.has(id)) throw new TokenizerFormatError(format, `special tokens share id ${id}.`);
      this.specials.set(text, id);
      this.specialById.set(id, text);
    }
    this.vocabSize = maxId + 1;
  }

  /**
   * Learns `vocabSize - 256 - specialTokens.length` merges from `text` (see {@link trainBpe}); special tokens
   * get the ids after the merges.
   */
  static train(text: string, options: BpeTrainOptions): BpeTokenizer {
    const result = trainBpe(text, options);
    const merges: number[] = [];
    for (const [i, [l, r]] of result.merges.entries()) merges.push(l, r, 256 + i);
    return new BpeTokenizer(
      merges,
      {
        pattern: options.pattern === undefined ? 'gpt4' : options.pattern,
        specialTokens: result.specialTokens,
        cacheSize: options.cacheSize,
      },
      'train',
    );
  }

  /** Builds a tokenizer from explicit merges `[left, right, id]`, listed in merge order. */
  static fromMerges(merges: Iterable<BpeMerge>, options: BpeBuildOptions = {}): BpeTokenizer {
    const flat: number[] = [];
    for (const [l, r, id] of merges) flat.push(l, r, id);
    return new BpeTokenizer(flat, options, 'merges');
  }

  /** Restores a tokenizer from {@link toJSON}'s output (an object or its JSON text). */
  static fromJSON(json: BpeTokenizerJSON | string): BpeTokenizer {
    const data = parseJsonObject(json);
    if (data.type !== 'bpe') {
      throw new TokenizerFormatError('json', `type is ${describeValue(data.type)}, expected "bpe".`);
    }
    if (data.version !== 1) {
      throw new TokenizerFormatError(
        'json',
        `version ${describeValue(data.version)} is not supported (expected 1).`,
      );
    }
    if (!Array.isArray(data.merges)) throw new TokenizerFormatError('json', 'merges must be an array.');
    if (!Array.isArray(data.byteIds))
      throw new TokenizerFormatError('json', 'byteIds must be an array of 256 ids.');
    if (data.pattern !== null && typeof data.pattern !== 'string') {
      throw new TokenizerFormatError('json', 'pattern must be a string or null.');
    }
    const flat: number[] = [];
    (data.merges as unknown[]).forEach((m, i) => {
      if (!Array.isArray(m) || m.length !== 3 || !m.every((x) => Number.isInteger(x))) {
        throw new TokenizerFormatError(
          'json',
          `merges[${i}] must be [left, right, id] integers; got ${describeValue(m)}.`,
        );
      }
      flat.push(m[0], m[1], m[2]);
    });
    const specials = data.specialTokens ?? {};
    if (typeof specials !== 'object' || Array.isArray(specials)) {
      throw new TokenizerFormatError('json', 'specialTokens must be an object of token -> id.');
    }
    return new BpeTokenizer(
      flat,
      {
        pattern: data.pattern as string | null,
        byteIds: data.byteIds as number[],
        specialTokens: specials as Record<string, number>,
      },
      'json',
    );
  }

  /**
   * Reads OpenAI's `.tiktoken` rank format (`base64(token) rank` per line), e.g. `cl100k_base.tiktoken`.
   * Pass the split pattern and special tokens of that encoding, e.g. `TIKTOKEN_PRESETS.cl100k_base`.
   */
  static fromTiktoken(ranksText: string, options: TiktokenPreset & { cacheSize?: number }): BpeTokenizer {
    assertString(ranksText, 'BpeTokenizer.fromTiktoken');
    const ranks = parseTiktokenRanks(ranksText);
    const byteIds = new Int32Array(256).fill(-1);
    const long: Array<{ bytes: Uint8Array; rank: number; line: number }> = [];
    for (const t of ranks) {
      if (t.bytes.length === 1) byteIds[t.bytes[0]!] = t.rank;
      else long.push(t);
    }
    const missing = byteIds.indexOf(-1);
    if (missing >= 0) {
      throw new TokenizerFormatError(
        'tiktoken',
        `no single-byte token for byte ${missing}; every byte needs one.`,
      );
    }
    long.sort((a, b) => a.rank - b.rank);
    // Recover each token's merge: with all lower-ranked merges known, encoding its bytes stops at exactly
    // the two tokens that tiktoken joins last.
    const table = new PairTable(long.length + 16);
    const scratch = new MergeScratch();
    const merges = new Int32Array(long.length * 3);
    long.forEach((t, k) => {
      scratch.ensure(t.bytes.length);
      for (let i = 0; i < t.bytes.length; i++) scratch.ids[i] = byteIds[t.bytes[i]!]!;
      const n = mergePiece(table, scratch, t.bytes.length);
      if (n !== 2) {
        throw new TokenizerFormatError(
          'tiktoken',
          `token of rank ${t.rank} cannot be built from two lower-ranked tokens (BPE leaves ${n} parts).`,
          t.line,
        );
      }
      merges[3 * k] = scratch.ids[0]!;
      merges[3 * k + 1] = scratch.ids[1]!;
      merges[3 * k + 2] = t.rank;
      table.set(scratch.ids[0]!, scratch.ids[1]!, t.rank);
    });
    return new BpeTokenizer(
      merges,
      {
        pattern: options.pattern,
        specialTokens: options.specialTokens,
        byteIds,
        cacheSize: options.cacheSize,
      },
      'tiktoken',
    );
  }

  /** Reads a minbpe `.model` file (`minbpe v1`, pattern, special tokens, then one merge per line). */
  static fromMinbpeModel(text: string): BpeTokenizer {
    assertString(text, 'BpeTokenizer.fromMinbpeModel');
    const model = parseMinbpeModel(text);
    const merges: number[] = [];
    for (const [i, [l, r]] of model.merges.entries()) merges.push(l, r, 256 + i);
    return new BpeTokenizer(merges, { pattern: model.pattern, specialTokens: model.specialTokens }, 'minbpe');
  }

  /** The special tokens and their ids. */
  get specialTokens(): Record<string, number> {
    return Object.fromEntries(this.specials);
  }

  /** Number of merges. */
  get mergeCount(): number {
    return this.mergeList.length / 3;
  }

  /** The merges `[left, right, id]` in merge order. */
  get merges(): BpeMerge[] {
    const out: BpeMerge[] = [];
    for (let k = 0; k < this.mergeList.length; k += 3) {
      out.push([this.mergeList[k]!, this.mergeList[k + 1]!, this.mergeList[k + 2]!]);
    }
    return out;
  }

  /**
   * Encodes text to ids. Special tokens follow tiktoken's rules: by default any special-token text raises
   * {@link DisallowedSpecialTokenError}; allow them with `{ allowedSpecial: 'all' }` or a set of names, or
   * encode them as ordinary text with `{ disallowedSpecial: 'none' }`. Lone surrogates encode as U+FFFD.
   */
  encode(text: string, options: BpeEncodeOptions = {}): number[] {
    assertString(text, 'BpeTokenizer.encode');
    text = toWellFormed(text);
    const allowed = this.specialSet(options.allowedSpecial ?? 'none', 'allowedSpecial');
    const disallowedOption = options.disallowedSpecial ?? 'all';
    let disallowed: string[];
    if (disallowedOption === 'all')
      disallowed = [...this.specials.keys()].filter((s) => !allowed.includes(s));
    else disallowed = this.specialSet(disallowedOption, 'disallowedSpecial');
    if (disallowed.length > 0) {
      const re = disallowed.length === this.specials.size ? this.allSpecials() : specialRegex(disallowed);
      const found = re === null ? null : firstMatch(re, text);
      if (found !== null) throw new DisallowedSpecialTokenError(found[0], found.index);
    }
    const out: number[] = [];
    if (allowed.length === 0) {
      this.encodeOrdinaryInto(text, out);
      return out;
    }
    const re = allowed.length === this.specials.size ? this.allSpecials()! : specialRegex(allowed);
    re.lastIndex = 0;
    let start = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m.index > start) this.encodeOrdinaryInto(text.slice(start, m.index), out);
      out.push(this.specials.get(m[0])!);
      start = m.index + m[0].length;
    }
    if (start < text.length) this.encodeOrdinaryInto(start === 0 ? text : text.slice(start), out);
    return out;
  }

  /** Encodes text ignoring special tokens: their text is encoded like any other text. */
  encodeOrdinary(text: string): number[] {
    assertString(text, 'BpeTokenizer.encodeOrdinary');
    const out: number[] = [];
    this.encodeOrdinaryInto(toWellFormed(text), out);
    return out;
  }

  /** Decodes ids to text; byte sequences that are not valid UTF-8 become U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    return decodeUtf8(this.decodeBytes(ids));
  }

  /** The raw bytes of the tokens `ids`, concatenated. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
      throw new TypeError(
        `BpeTokenizer.decode expects an array of token ids, but got ${describeValue(ids)}.`,
      );
    }
    let total = 0;
    for (let i = 0; i < ids.length; i++) total += this.bytesOf(ids[i]!, i).length;
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.bytesOf(ids[i]!, i);
      out.set(bytes, at);
      at += bytes.length;
    }
    return out;
  }

  /** A copy of token `id`'s bytes (a special token's UTF-8), for visualising tokens. */
  tokenBytes(id: number): Uint8Array {
    return this.bytesOf(id, -1).slice();
  }

  /** Whether `id` is a token of this vocabulary (ordinary or special). */
  hasId(id: number): boolean {
    return this.bytesById[id] !== undefined || this.specialById.has(id);
  }

  /** The persisted form (see {@link BpeTokenizerJSON}); `JSON.stringify(tokenizer)` uses it. */
  toJSON(): BpeTokenizerJSON {
    return {
      type: 'bpe',
      version: 1,
      pattern: this.pattern,
      byteIds: Array.from(this.byteIds),
      merges: this.merges.map(([l, r, id]) => [l, r, id]),
      specialTokens: this.specialTokens,
    };
  }

  /**
   * The minbpe `.model` text of this tokenizer. Only tokenizers whose bytes have ids 0–255 and whose merges
   * have ids 256, 257, … in order can be written in that format (every trained tokenizer can).
   */
  toMinbpeModel(): string {
    for (let b = 0; b < 256; b++) {
      if (this.byteIds[b] !== b) {
        throw new RangeError('minbpe .model files need byte b to have id b; this vocabulary permutes bytes.');
      }
    }
    const merges: Array<[number, number]> = [];
    for (let k = 0; k < this.mergeList.length; k += 3) {
      if (this.mergeList[k + 2] !== 256 + k / 3) {
        throw new RangeError(`minbpe .model files need merge ${k / 3} to have id ${256 + k / 3}.`);
      }
      merges.push([this.mergeList[k]!, this.mergeList[k + 1]!]);
    }
    return writeMinbpeModel({ pattern: this.pattern, specialTokens: this.specialTokens, merges });
  }

  /** The `.tiktoken` rank text of the ordinary tokens (special tokens are not part of that format). */
  toTiktoken(): string {
    const tokens: Array<{ bytes: Uint8Array; rank: number }> = [];
    this.bytesById.forEach((bytes, rank) => {
      if (bytes !== undefined) tokens.push({ bytes, rank });
    });
    return writeTiktokenRanks(tokens);
  }

  private bytesOf(id: number, index: number): Uint8Array {
    const bytes = this.bytesById[id];
    if (bytes !== undefined) return bytes;
    const special = this.specialById.get(id);
    if (special !== undefined) return encodeUtf8(special);
    const where = index >= 0 ? ` at index ${index}` : '';
    throw new RangeError(
      `Unknown token id ${describeValue(id)}${where}: ids must be integers in [0, ${this.vocabSize}) that this vocabulary defines.`,
    );
  }

  private specialSet(option: SpecialTokenSet, name: string): string[] {
    if (option === 'all') return [...this.specials.keys()];
    if (option === 'none') return [];
    if (typeof option === 'string' || typeof (option as Iterable<string>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(
        `${name} must be 'all', 'none' or a set of special tokens; got ${describeValue(option)}.`,
      );
    }
    const out = [...option];
    for (const s of out) {
      if (!this.specials.has(s)) {
        throw new RangeError(
          `${name} names ${JSON.stringify(s)}, which is not a special token of this tokenizer ` +
            `(known: ${[...this.specials.keys()].map((k) => JSON.stringify(k)).join(', ') || 'none'}).`,
        );
      }
    }
    return out;
  }

  private allSpecials(): RegExp | null {
    if (this.allSpecialRegex === undefined) {
      this.allSpecialRegex = this.specials.size === 0 ? null : specialRegex([...this.specials.keys()]);
    }
    return this.allSpecialRegex;
  }

  private encodeOrdinaryInto(text: string, out: number[]): void {
    const re = this.regex;
    if (re === null) {
      if (text.length > 0) this.encodeRange(text, 0, text.length, out);
      return;
    }
    // forEachPiece, inlined: this loop is the encoder's hot path.
    const len = text.length;
    let pos = 0;
    let gap = -1;
    while (pos < len) {
      re.lastIndex = pos;
      if (re.test(text) && re.lastIndex > pos) {
        if (gap >= 0) {
          this.encodeRange(text, gap, pos, out);
          gap = -1;
        }
        const end = re.lastIndex;
        this.encodeRange(text, pos, end, out);
        pos = end;
      } else {
        if (gap < 0) gap = pos;
        const c = text.charCodeAt(pos);
        pos += c >= 0xd800 && c <= 0xdbff && pos + 1 < len ? 2 : 1;
      }
    }
    if (gap >= 0) this.encodeRange(text, gap, len, out);
  }

  /** Encodes the piece `text[start..end)`, from the cache when it was seen before. */
  private encodeRange(text: string, start: number, end: number, out: number[]): void {
    const cacheable = end - start <= 256;
    let hash = 0;
    let found = 0;
    if (cacheable) {
      hash = PieceCache.hash(text, start, end);
      found = this.cache.find(text, start, end, hash);
      if (found >= 0) {
        const id = this.cache.token(found);
        if (id >= 0) out.push(id);
        else {
          const ids = this.cache.tokens(found);
          for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
        }
        return;
      }
    }
    const maxBytes = (end - start) * 3;
    if (this.byteBuf.length < maxBytes)
      this.byteBuf = new Uint8Array(Math.max(maxBytes, this.byteBuf.length * 2));
    const bytes = this.byteBuf;
    const n = encodeUtf8Into(text, bytes, start, end);
    const scratch = this.scratch;
    scratch.ensure(n);
    const ids = scratch.ids;
    const byteIds = this.byteIds;
    for (let i = 0; i < n; i++) ids[i] = byteIds[bytes[i]!]!;
    const m = mergePiece(this.table, scratch, n);
    for (let i = 0; i < m; i++) out.push(ids[i]!);
    if (cacheable) this.cache.insert(found, hash, text, start, end, ids, m);
  }
}

function specialRegex(tokens: string[]): RegExp {
  // Longest first, so that a special token that is a prefix of another never hides it.
  const sorted = [...tokens].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  return new RegExp(sorted.map(escapeRegex).join('|'), 'gu');
}

function firstMatch(re: RegExp, text: string): RegExpExecArray | null {
  re.lastIndex = 0;
  return re.exec(text);
}

/** Parses JSON text or passes an object through, raising {@link TokenizerFormatError} when it is neither. */
export function parseJsonObject(json: unknown): Record<string, unknown> {
  let data = json;
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json);
    } catch (error) {
      throw new TokenizerFormatError('json', `not valid JSON (${(error as Error).message}).`);
    }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TokenizerFormatError('json', `expected a tokenizer object, got ${describeValue(data)}.`);
  }
  return data as Record<string, unknown>;
}
