/**
 * BpeTokenizer: byte-level byte-pair encoding (Sennrich et al. 2016; byte-level as in GPT-2, Radford et
 * al. 2019) with minbpe's semantics and tiktoken's encoding rules.
 *
 * Text is made well-formed (lone surrogates become U+FFFD), split into pieces by a regex (or not at all),
 * each piece is UTF-8 encoded, and the merges are applied to its bytes, lowest merge id first. A merge's id
 * is its rank, which is how tiktoken's `.tiktoken` files define priority, so loading OpenAI's vocabularies
 * needs no translation table beyond recovering which two tokens form each merged token.
 */
import { type TrainBpeOptions, type TrainBpeResult, trainBpe } from './bpe-train';
import { MergeScratch, mergePiece } from './bpe-merge';
import {
  HF_PATTERN_SOURCES,
  builtInPatternName,
  bytesToByteLevel,
  parseHuggingFaceBpe,
  writeHuggingFaceBpe,
} from './hf-format';
import { recoverMerges } from './merge-recovery';
import { readCompactRanks } from './compact-ranks';
import { DisallowedSpecialTokenError, TokenizerFormatError, assertString, describeValue } from './errors';
import { parseMinbpeModel, writeMinbpeModel } from './minbpe-format';
import { PairTable } from './pair-table';
import { resolvePattern, stickySplitRegex } from './patterns';
import { PieceCache } from './piece-cache';
import { createStreamDecoder, type TokenStreamDecoder } from './stream-decoder';
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
  private readonly tokenData: Uint8Array;
  private readonly tokenStart: Int32Array;
  /** Equal to `tokenStart[id]` for an id that no ordinary token has. */
  private readonly tokenEnd: Int32Array;
  private readonly specials: Map<string, number>;
  private readonly specialById: Map<number, string>;
  private readonly scratch = new MergeScratch();
  private readonly cache: PieceCache;
  private byteBuf = new Uint8Array(256);
  private allSpecialRegex: RegExp | null | undefined;

  /**
   * @param recovered what `fromRankedBytes` has just built from ranks, valid by construction: the pair
   *   table of `merges` and the token bytes by id. They are used as they are instead of being rebuilt and
   *   checked, which keeps loading a bundled encoding fast.
   */
  private constructor(
    merges: ArrayLike<number>,
    options: BpeBuildOptions,
    format: string,
    recovered?: RecoveredVocabulary,
  ) {
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
    this.mergeList =
      recovered !== undefined && merges instanceof Int32Array ? merges : Int32Array.from(merges);
    const vocabulary = recovered ?? buildVocabulary(this.byteIds, this.mergeList, format);
    this.table = vocabulary.table;
    this.tokenData = vocabulary.data;
    this.tokenStart = vocabulary.starts;
    this.tokenEnd = vocabulary.ends;
    const maxOrdinary = this.tokenEnd.length - 1;
    let maxId = maxOrdinary;
    this.specials = new Map();
    this.specialById = new Map();
    for (const [text, id] of Object.entries(options.specialTokens ?? {})) {
      const what = () => `special token ${JSON.stringify(text)}`;
      if (text.length === 0) throw new TokenizerFormatError(format, 'a special token is the empty string.');
      if (invalidId(id)) {
        throw new TokenizerFormatError(
          format,
          `${what()} has id ${describeValue(id)}; ids must be integers ≥ 0.`,
        );
      }
      if (this.isOrdinary(id) || this.specialById.has(id)) {
        throw new TokenizerFormatError(format, `${what()} reuses id ${id}.`);
      }
      this.specials.set(text, id);
      this.specialById.set(id, text);
      if (id > maxId) maxId = id;
    }
    this.vocabSize = maxId + 1;
  }

  /**
   * Learns `vocabSize - 256 - specialTokens.length` merges from `text` (see {@link trainBpe}); special tokens
   * get the ids after the merges. `text` may also be an iterable of chunks, or an async iterable (e.g. a
   * file stream; then it returns a promise), so that a corpus need not fit in one string.
   */
  static train(text: string | Iterable<string>, options: BpeTrainOptions): BpeTokenizer;
  static train(text: AsyncIterable<string>, options: BpeTrainOptions): Promise<BpeTokenizer>;
  static train(
    text: string | Iterable<string> | AsyncIterable<string>,
    options: BpeTrainOptions,
  ): BpeTokenizer | Promise<BpeTokenizer> {
    const result = trainBpe(text as string, options) as TrainBpeResult | Promise<TrainBpeResult>;
    return result instanceof Promise
      ? result.then((r) => BpeTokenizer.fromTrained(r, options))
      : BpeTokenizer.fromTrained(result, options);
  }

  /** The tokenizer of a training result. */
  static fromTrained(result: TrainBpeResult, options: BpeTrainOptions): BpeTokenizer {
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
    const ranks = parseTiktokenRanks(ranksText).sort((a, b) => a.rank - b.rank);
    let total = 0;
    for (const t of ranks) total += t.bytes.length;
    const bytes = new Uint8Array(total);
    const offsets = new Int32Array(ranks.length + 1);
    const rankList = new Int32Array(ranks.length);
    ranks.forEach((t, k) => {
      bytes.set(t.bytes, offsets[k]!);
      offsets[k + 1] = offsets[k]! + t.bytes.length;
      rankList[k] = t.rank;
    });
    const starts = offsets.subarray(0, ranks.length);
    const ends = offsets.subarray(1);
    return BpeTokenizer.fromRankedBytes(
      bytes,
      starts,
      ends,
      rankList,
      options,
      'tiktoken',
      (k) => ranks[k]!.line,
    );
  }

  /**
   * Reads the compact rank format (see `compact-ranks.ts`) that the bundled encodings ship, e.g. the data
   * behind `@makemore/tokenizers/encodings/cl100k_base`. Token `r` of the data gets id `r`.
   */
  static fromCompactRanks(data: string, options: TiktokenPreset & { cacheSize?: number }): BpeTokenizer {
    const { bytes, starts, ends } = readCompactRanks(data);
    return BpeTokenizer.fromRankedBytes(bytes, starts, ends, null, options, 'compact', () => undefined);
  }

  /**
   * Builds a tokenizer from token bytes `bytes[starts[k]..ends[k])` sorted by rank (`ranks[k]`, or `k` when
   * `ranks` is null; an empty token is an unused rank). Single
   * bytes give `byteIds`; every longer token's merge is recovered: with all lower-ranked merges known,
   * encoding its bytes stops at exactly the two tokens that tiktoken joins last.
   */
  private static fromRankedBytes(
    bytes: Uint8Array,
    starts: Int32Array,
    ends: Int32Array,
    ranks: Int32Array | null,
    options: TiktokenPreset & { cacheSize?: number },
    format: string,
    lineOf: (k: number) => number | undefined,
  ): BpeTokenizer {
    const count = starts.length;
    const byteIds = new Int32Array(256).fill(-1);
    let longCount = 0;
    let maxRank = -1;
    for (let k = 0; k < count; k++) {
      const n = ends[k]! - starts[k]!;
      if (n > 0) maxRank = Math.max(maxRank, ranks === null ? k : ranks[k]!);
      if (n === 1) {
        const b = bytes[starts[k]!]!;
        if (byteIds[b] !== -1) {
          throw new TokenizerFormatError(format, `byte ${b} has two single-byte tokens.`, lineOf(k));
        }
        byteIds[b] = ranks === null ? k : ranks[k]!;
      } else if (n > 1) longCount++;
    }
    const missing = byteIds.indexOf(-1);
    if (missing >= 0) {
      throw new TokenizerFormatError(
        format,
        `no single-byte token for byte ${missing}; every byte needs one.`,
      );
    }
    const table = new PairTable(longCount + 16);
    const merges = new Int32Array(longCount * 3);
    // Token bytes by id: the caller's arrays when ids are positions, else scattered by rank.
    const byIdStarts = ranks === null ? starts.subarray(0, maxRank + 1) : new Int32Array(maxRank + 1);
    const byIdEnds = ranks === null ? ends.subarray(0, maxRank + 1) : new Int32Array(maxRank + 1);
    if (ranks !== null) {
      for (let k = 0; k < count; k++) {
        byIdStarts[ranks[k]!] = starts[k]!;
        byIdEnds[ranks[k]!] = ends[k]!;
      }
    }
    const failure = recoverMerges(bytes, starts, ends, ranks, byteIds, table, merges);
    if (failure !== null) {
      const rank = ranks === null ? failure.index : ranks[failure.index]!;
      throw new TokenizerFormatError(
        format,
        `token of rank ${rank} cannot be built from two lower-ranked tokens (BPE leaves ${failure.parts} parts).`,
        lineOf(failure.index),
      );
    }
    return new BpeTokenizer(
      merges,
      {
        pattern: options.pattern,
        specialTokens: options.specialTokens,
        byteIds,
        cacheSize: options.cacheSize,
      },
      format,
      { table, data: bytes, starts: byIdStarts, ends: byIdEnds },
    );
  }

  /**
   * Reads a HuggingFace `tokenizer.json` (object or text) of a byte-level BPE tokenizer: GPT-2's
   * byte-to-unicode vocabulary, its merges, a `Split` regex pre-tokenizer (or ByteLevel's own regex) and
   * the added tokens as special tokens. The merges' priority must follow their ids, as in every tokenizer
   * the `tokenizers` library trains; anything BpeTokenizer cannot reproduce exactly (a normalizer, a prefix
   * space, another model type) raises {@link TokenizerFormatError} naming it.
   */
  static fromHuggingFaceJSON(json: Record<string, unknown> | string): BpeTokenizer {
    const hf = parseHuggingFaceBpe(parseJsonObject(json));
    const format = 'tokenizer.json';
    const byteIds: number[] = [];
    for (let b = 0; b < 256; b++) {
      const id = hf.idOfText.get(bytesToByteLevel(Uint8Array.of(b)));
      if (id === undefined) {
        throw new TokenizerFormatError(
          format,
          `the vocabulary has no token for byte ${b}; byte-level BPE needs all 256.`,
        );
      }
      byteIds.push(id);
    }
    const merges: number[] = [];
    let previous = -1;
    hf.merges.forEach(([leftText, rightText], i) => {
      const left = hf.idOfText.get(leftText);
      const right = hf.idOfText.get(rightText);
      const id = hf.idOfText.get(leftText + rightText);
      if (left === undefined || right === undefined || id === undefined) {
        throw new TokenizerFormatError(
          format,
          `merges[${i}] (${JSON.stringify(leftText)}, ${JSON.stringify(rightText)}) names a token that is not in the vocabulary.`,
        );
      }
      if (id <= previous) {
        throw new TokenizerFormatError(
          format,
          `merges[${i}] makes id ${id} after a merge that made id ${previous}; BpeTokenizer ranks merges by id, so it needs ids that grow with the merge order.`,
        );
      }
      previous = id;
      merges.push(left, right, id);
    });
    let pattern = hf.pattern;
    const builtIn = pattern === null ? undefined : builtInPatternName(pattern);
    if (builtIn !== undefined) pattern = builtIn;
    else if (pattern !== null) {
      try {
        new RegExp(pattern, 'u');
      } catch (error) {
        throw new TokenizerFormatError(
          format,
          `its split regex is not a JavaScript regex (${(error as Error).message}); pass a tokenizer whose Split pattern JavaScript can compile.`,
        );
      }
    }
    return new BpeTokenizer(merges, { pattern, byteIds, specialTokens: hf.specialTokens }, format);
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
    const out: number[] = [];
    this.encodeWith(toWellFormed(text), options, out, Number.POSITIVE_INFINITY);
    return out;
  }

  /**
   * The number of tokens `encode(text, options)` would return, counted without building the id array.
   * Special tokens follow the same rules as {@link encode}.
   */
  countTokens(text: string, options: BpeEncodeOptions = {}): number {
    assertString(text, 'BpeTokenizer.countTokens');
    return this.encodeWith(toWellFormed(text), options, null, Number.POSITIVE_INFINITY);
  }

  /**
   * The token count of `text` when it is at most `limit`, else `false`. Encoding stops at the first piece
   * that takes the count past `limit`, so a long text over the limit costs only the pieces up to that point
   * (plus the scan for disallowed special tokens). Without a split pattern the text is one piece.
   */
  isWithinTokenLimit(text: string, limit: number, options: BpeEncodeOptions = {}): number | false {
    assertString(text, 'BpeTokenizer.isWithinTokenLimit');
    if (typeof limit !== 'number' || Number.isNaN(limit) || limit < 0) {
      throw new RangeError(`isWithinTokenLimit: limit must be a number ≥ 0, got ${describeValue(limit)}.`);
    }
    const count = this.encodeWith(toWellFormed(text), options, null, limit);
    return count < 0 ? false : count;
  }

  /** Encodes text ignoring special tokens: their text is encoded like any other text. */
  encodeOrdinary(text: string): number[] {
    assertString(text, 'BpeTokenizer.encodeOrdinary');
    const out: number[] = [];
    this.encodeOrdinaryInto(toWellFormed(text), out, 0, Number.POSITIVE_INFINITY);
    return out;
  }

  /** Decodes ids to text; byte sequences that are not valid UTF-8 become U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    return decodeUtf8(this.decodeBytes(ids));
  }

  /**
   * A decoder for ids that arrive a few at a time, e.g. while sampling: `write(ids)` returns the text they
   * complete and holds back a character split across tokens, so it never prints U+FFFD for a character
   * that later ids finish; `end()` flushes. Invalid bytes become U+FFFD exactly where {@link decode} of all
   * the ids at once would put it.
   */
  createDecoder(): TokenStreamDecoder {
    return createStreamDecoder((ids) => this.decodeBytes(ids));
  }

  /** The raw bytes of the tokens `ids`, concatenated. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
      throw new TypeError(
        `BpeTokenizer.decode expects an array of token ids, but got ${describeValue(ids)}.`,
      );
    }
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      total += this.isOrdinary(id) ? this.tokenEnd[id]! - this.tokenStart[id]! : this.bytesOf(id, i).length;
    }
    const out = new Uint8Array(total);
    const data = this.tokenData;
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (this.isOrdinary(id)) {
        for (let k = this.tokenStart[id]!, end = this.tokenEnd[id]!; k < end; k++) out[at++] = data[k]!;
      } else {
        const bytes = this.bytesOf(id, i);
        out.set(bytes, at);
        at += bytes.length;
      }
    }
    return out;
  }

  /** A copy of token `id`'s bytes (a special token's UTF-8), for visualising tokens. */
  tokenBytes(id: number): Uint8Array {
    return this.bytesOf(id, -1).slice();
  }

  /** Whether `id` is a token of this vocabulary (ordinary or special). */
  hasId(id: number): boolean {
    return this.isOrdinary(id) || this.specialById.has(id);
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

  /**
   * This tokenizer as a HuggingFace `tokenizer.json` object (`JSON.stringify` it to save): byte-level BPE
   * with GPT-2's byte-to-unicode vocabulary, the merges in priority order, the split pattern as a `Split`
   * pre-tokenizer (tiktoken's regex, spelled for the `tokenizers` library's engine, for the built-in patterns) and the special tokens as added tokens.
   * The `tokenizers` library and transformers.js load it and encode as this tokenizer does.
   */
  toHuggingFaceJSON(): Record<string, unknown> {
    const tokens: Array<{ id: number; bytes: Uint8Array }> = [];
    const seen = new Map<string, number>();
    for (let id = 0; id < this.tokenEnd.length; id++) {
      if (!this.isOrdinary(id)) continue;
      const bytes = this.bytesOf(id, -1);
      const key = bytesToByteLevel(bytes);
      const other = seen.get(key);
      if (other !== undefined) {
        throw new RangeError(
          `tokens ${other} and ${id} have the same bytes; tokenizer.json keys tokens by their text, so it cannot hold both.`,
        );
      }
      seen.set(key, id);
      tokens.push({ id, bytes });
    }
    const merges = this.merges
      .slice()
      .sort((a, b) => a[2] - b[2])
      .map(([l, r]): [number, number] => [l, r]);
    const pattern = this.pattern;
    const builtIn =
      pattern !== null && Object.hasOwn(HF_PATTERN_SOURCES, pattern)
        ? HF_PATTERN_SOURCES[pattern as keyof typeof HF_PATTERN_SOURCES]
        : pattern;
    return writeHuggingFaceBpe({
      pattern: builtIn,
      tokens,
      merges,
      specialTokens: this.specialTokens,
    });
  }

  /** The `.tiktoken` rank text of the ordinary tokens (special tokens are not part of that format). */
  toTiktoken(): string {
    const tokens: Array<{ bytes: Uint8Array; rank: number }> = [];
    for (let rank = 0; rank < this.tokenEnd.length; rank++) {
      if (this.isOrdinary(rank)) tokens.push({ bytes: this.bytesOf(rank, -1), rank });
    }
    return writeTiktokenRanks(tokens);
  }

  /** Whether `id` is an ordinary (non-special) token. */
  private isOrdinary(id: number): boolean {
    return id >= 0 && id < this.tokenEnd.length && this.tokenEnd[id]! > this.tokenStart[id]!;
  }

  private bytesOf(id: number, index: number): Uint8Array {
    if (this.isOrdinary(id)) {
      return this.tokenData.subarray(this.tokenStart[id]!, this.tokenEnd[id]!);
    }
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

  /**
   * Encodes well-formed `text` under tiktoken's special-token rules, appending ids to `out` (or only
   * counting when `out` is null). Returns the token count, or -1 as soon as it exceeds `limit`.
   */
  private encodeWith(text: string, options: BpeEncodeOptions, out: number[] | null, limit: number): number {
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
    if (allowed.length === 0) return this.encodeOrdinaryInto(text, out, 0, limit);
    const re = allowed.length === this.specials.size ? this.allSpecials()! : specialRegex(allowed);
    re.lastIndex = 0;
    let start = 0;
    let count = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m.index > start) {
        count = this.encodeOrdinaryInto(text.slice(start, m.index), out, count, limit);
        if (count < 0) return -1;
      }
      out?.push(this.specials.get(m[0])!);
      if (++count > limit) return -1;
      start = m.index + m[0].length;
    }
    if (start < text.length) {
      count = this.encodeOrdinaryInto(start === 0 ? text : text.slice(start), out, count, limit);
    }
    return count;
  }

  /**
   * Encodes `text` without special tokens, appending ids to `out` unless it is null. Returns `count` plus
   * the tokens added, or -1 as soon as that exceeds `limit`.
   */
  private encodeOrdinaryInto(text: string, out: number[] | null, count: number, limit: number): number {
    const re = this.regex;
    if (re === null) {
      if (text.length > 0) count += this.encodeRange(text, 0, text.length, out);
      return count > limit ? -1 : count;
    }
    // forEachPiece, inlined: this loop is the encoder's hot path.
    const len = text.length;
    let pos = 0;
    let gap = -1;
    while (pos < len) {
      re.lastIndex = pos;
      if (re.test(text) && re.lastIndex > pos) {
        if (gap >= 0) {
          count += this.encodeRange(text, gap, pos, out);
          gap = -1;
        }
        const end = re.lastIndex;
        count += this.encodeRange(text, pos, end, out);
        if (count > limit) return -1;
        pos = end;
      } else {
        if (gap < 0) gap = pos;
        const c = text.charCodeAt(pos);
        pos += c >= 0xd800 && c <= 0xdbff && pos + 1 < len ? 2 : 1;
      }
    }
    if (gap >= 0) count += this.encodeRange(text, gap, len, out);
    return count > limit ? -1 : count;
  }

  /**
   * Encodes the piece `text[start..end)`, from the cache when it was seen before; appends its ids to `out`
   * unless it is null, and returns how many there are.
   */
  private encodeRange(text: string, start: number, end: number, out: number[] | null): number {
    const cacheable = end - start <= 256;
    let hash = 0;
    let found = 0;
    if (cacheable) {
      hash = PieceCache.hash(text, start, end);
      found = this.cache.find(text, start, end, hash);
      if (found >= 0) {
        const id = this.cache.token(found);
        if (id >= 0) {
          out?.push(id);
          return 1;
        }
        const ids = this.cache.tokens(found);
        if (out !== null) for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
        return ids.length;
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
    if (out !== null) for (let i = 0; i < m; i++) out.push(ids[i]!);
    if (cacheable) this.cache.insert(found, hash, text, start, end, ids, m);
    return m;
  }
}

/**
 * Token bytes by id, in one buffer (token `id` is `data[starts[id] .. ends[id])`, empty for an unused id),
 * so that a 200k-token vocabulary needs no 200k small allocations; and the pair table of the merges.
 */
interface RecoveredVocabulary {
  table: PairTable;
  data: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
}

function invalidId(id: number): boolean {
  return !Number.isInteger(id) || id < 0 || id > 0x7ffffffe;
}

/** Checks the bytes' ids and the merges (in order, each from earlier tokens) and builds their vocabulary. */
function buildVocabulary(byteIds: Int32Array, mergeList: Int32Array, format: string): RecoveredVocabulary {
  const mergeCount = mergeList.length / 3;
  let maxOrdinary = -1;
  for (let b = 0; b < 256; b++) maxOrdinary = Math.max(maxOrdinary, byteIds[b]!);
  for (let k = 0; k < mergeCount; k++) {
    const id = mergeList[3 * k + 2]!;
    if (invalidId(id)) {
      throw new TokenizerFormatError(
        format,
        `${mergeWhat(mergeList, k)} has id ${describeValue(id)}; ids must be integers ≥ 0.`,
      );
    }
    maxOrdinary = Math.max(maxOrdinary, id);
  }
  if (maxOrdinary > 4 * (256 + mergeCount) + 65_536) {
    throw new TokenizerFormatError(
      format,
      `id ${maxOrdinary} is far above the ${256 + mergeCount} ordinary tokens defined; ids must be dense.`,
    );
  }
  const lengths = new Int32Array(maxOrdinary + 1);
  const offsets = new Int32Array(maxOrdinary + 1);
  for (let b = 0; b < 256; b++) {
    const id = byteIds[b]!;
    if (invalidId(id)) {
      throw new TokenizerFormatError(
        format,
        `byte ${b} has id ${describeValue(id)}; ids must be integers ≥ 0.`,
      );
    }
    if (lengths[id] !== 0) throw new TokenizerFormatError(format, `byte ${b} reuses id ${id}.`);
    lengths[id] = 1;
  }
  const table = new PairTable(mergeCount + 16);
  let total = 256;
  for (let k = 0; k < mergeCount; k++) {
    const left = mergeList[3 * k]!;
    const right = mergeList[3 * k + 1]!;
    const id = mergeList[3 * k + 2]!;
    const leftLength = left >= 0 && left <= maxOrdinary ? lengths[left]! : 0;
    const rightLength = right >= 0 && right <= maxOrdinary ? lengths[right]! : 0;
    if (leftLength === 0 || rightLength === 0) {
      throw new TokenizerFormatError(
        format,
        `${mergeWhat(mergeList, k)} uses an id that no earlier merge or byte defines.`,
      );
    }
    if (lengths[id] !== 0)
      throw new TokenizerFormatError(format, `${mergeWhat(mergeList, k)} reuses id ${id}.`);
    if (table.get(left, right) >= 0) {
      throw new TokenizerFormatError(format, `${mergeWhat(mergeList, k)} repeats a pair.`);
    }
    lengths[id] = leftLength + rightLength;
    total += leftLength + rightLength;
    table.set(left, right, id);
  }
  const data = new Uint8Array(total);
  for (let b = 0; b < 256; b++) {
    data[b] = b;
    offsets[byteIds[b]!] = b;
  }
  let at = 256;
  for (let k = 0; k < mergeCount; k++) {
    const left = mergeList[3 * k]!;
    const right = mergeList[3 * k + 1]!;
    offsets[mergeList[3 * k + 2]!] = at;
    for (let i = offsets[left]!, end = i + lengths[left]!; i < end; i++) data[at++] = data[i]!;
    for (let i = offsets[right]!, end = i + lengths[right]!; i < end; i++) data[at++] = data[i]!;
  }
  // lengths becomes the ends, in place.
  for (let id = 0; id < lengths.length; id++) lengths[id] = offsets[id]! + lengths[id]!;
  return { table, data, starts: offsets, ends: lengths };
}

function mergeWhat(mergeList: Int32Array, k: number): string {
  return `merge ${k} (${mergeList[3 * k]}, ${mergeList[3 * k + 1]}) -> ${mergeList[3 * k + 2]}`;
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
