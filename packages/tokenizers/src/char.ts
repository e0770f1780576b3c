/**
 * CharTokenizer: one token per character, like makemore's `stoi`/`itos` (Karpathy, makemore). Characters
 * are Unicode code points, so an emoji or any astral character is one token, not two UTF-16 halves.
 *
 * Ids: the special tokens first (makemore's `.` at id 0), then the distinct characters of the training text
 * sorted by code point, then `<unk>` last when the unknown policy is `'<unk>'`. A lone surrogate counts as a
 * character of its own, so `decode(encode(s)) === s` holds for every string seen in training.
 */
import { TokenizerFormatError, assertString, describeValue } from './errors';
import { parseJsonObject } from './bpe';

/** What `encode` does with a character that is not in the vocabulary. */
export type UnknownPolicy = 'error' | '<unk>';

/** Options of {@link CharTokenizer.fromText}. */
export interface CharTokenizerOptions {
  /** Tokens placed first, in order (e.g. `['.']`). They are matched in text before single characters. */
  specialTokens?: readonly string[];
  /** `'error'` (default) throws on an unknown character; `'<unk>'` maps it to a `<unk>` token with the last id. */
  unknown?: UnknownPolicy;
  /**
   * Required vocabulary size. Below the alphabet size raises a `RangeError`; above it, the extra ids are
   * reserved: `encode` never produces them and `decode` rejects them.
   */
  vocabSize?: number;
}

/** The persisted form of a {@link CharTokenizer} (format version 1). `vocab[id]` is the token's text. */
export interface CharTokenizerJSON {
  type: 'char';
  version: 1;
  vocab: string[];
  specialTokens: string[];
  unknown: UnknownPolicy;
  vocabSize: number;
}

/** The unknown-character token's text. */
export const UNK_TOKEN = '<unk>';

/** A character-level tokenizer over Unicode code points. */
export class CharTokenizer {
  /** Number of ids, including special, `<unk>` and reserved ids. */
  readonly vocabSize: number;
  /** Special tokens, in id order starting at 0. */
  readonly specialTokens: readonly string[];
  /** Unknown-character policy. */
  readonly unknown: UnknownPolicy;

  private readonly itos: readonly string[];
  private readonly stoi: Map<string, number>;
  /** Special tokens by first code unit, longest first, for matching in text. */
  private readonly specialsByFirst: Map<number, string[]>;
  private readonly unkId: number;

  private constructor(
    vocab: readonly string[],
    specialTokens: readonly string[],
    unknown: UnknownPolicy,
    vocabSize: number,
  ) {
    this.itos = Object.freeze([...vocab]);
    this.specialTokens = Object.freeze([...specialTokens]);
    this.unknown = unknown;
    this.vocabSize = vocabSize;
    this.stoi = new Map();
    vocab.forEach((s, i) => {
      if (this.stoi.has(s)) throw new TokenizerFormatError('json', `vocab lists ${JSON.stringify(s)} twice.`);
      this.stoi.set(s, i);
    });
    this.unkId = unknown === '<unk>' ? vocab.length - 1 : -1;
    this.specialsByFirst = new Map();
    for (const s of [...specialTokens].sort((a, b) => b.length - a.length)) {
      const first = s.charCodeAt(0);
      const list = this.specialsByFirst.get(first) ?? [];
      list.push(s);
      this.specialsByFirst.set(first, list);
    }
  }

  /**
   * Builds the vocabulary from the sorted set of distinct code points of `text`. With
   * `{ specialTokens: ['.'] }` on makemore's names this gives 27 tokens: `.` = 0, `a` = 1, …, `z` = 26.
   */
  static fromText(text: string, options: CharTokenizerOptions = {}): CharTokenizer {
    assertString(text, 'CharTokenizer.fromText');
    const specials = [...(options.specialTokens ?? [])];
    for (const s of specials) {
      if (typeof s !== 'string' || s.length === 0) {
        throw new TypeError(`specialTokens must be non-empty strings; got ${describeValue(s)}.`);
      }
    }
    if (new Set(specials).size !== specials.length) throw new TypeError('specialTokens must be distinct.');
    const unknown = options.unknown ?? 'error';
    if (unknown !== 'error' && unknown !== '<unk>') {
      throw new TypeError(`unknown must be 'error' or '<unk>'; got ${describeValue(unknown)}.`);
    }
    const chars = new Set<string>();
    for (const ch of text) chars.add(ch);
    for (const s of specials) chars.delete(s);
    if (unknown === '<unk>') chars.delete(UNK_TOKEN);
    const sorted = [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    const vocab = [...specials, ...sorted];
    if (unknown === '<unk>') vocab.push(UNK_TOKEN);
    const vocabSize = options.vocabSize ?? vocab.length;
    if (!Number.isInteger(vocabSize) || vocabSize < vocab.length) {
      throw new RangeError(
        `vocabSize ${describeValue(vocabSize)} is below the alphabet size: this text needs at least ${vocab.length} ids ` +
          `(${specials.length} special, ${sorted.length} characters${unknown === '<unk>' ? ', 1 <unk>' : ''}).`,
      );
    }
    return new CharTokenizer(vocab, specials, unknown, vocabSize);
  }

  /** Restores a tokenizer from {@link toJSON}'s output (an object or its JSON text). */
  static fromJSON(json: CharTokenizerJSON | string): CharTokenizer {
    const data = parseJsonObject(json);
    if (data.type !== 'char')
      throw new TokenizerFormatError('json', `type is ${describeValue(data.type)}, expected "char".`);
    if (data.version !== 1) {
      throw new TokenizerFormatError(
        'json',
        `version ${describeValue(data.version)} is not supported (expected 1).`,
      );
    }
    const { vocab, specialTokens, unknown, vocabSize } = data;
    if (!Array.isArray(vocab) || !vocab.every((s) => typeof s === 'string' && s.length > 0)) {
      throw new TokenizerFormatError('json', 'vocab must be an array of non-empty strings.');
    }
    if (!Array.isArray(specialTokens) || !specialTokens.every((s, i) => s === vocab[i])) {
      throw new TokenizerFormatError('json', 'specialTokens must be an array equal to the start of vocab.');
    }
    if (unknown !== 'error' && unknown !== '<unk>')
      throw new TokenizerFormatError('json', `unknown must be 'error' or '<unk>'.`);
    if (unknown === '<unk>' && vocab[vocab.length - 1] !== UNK_TOKEN) {
      throw new TokenizerFormatError('json', 'with unknown "<unk>", the last vocab entry must be "<unk>".');
    }
    const size = vocabSize ?? vocab.length;
    if (!Number.isInteger(size) || (size as number) < vocab.length) {
      throw new TokenizerFormatError('json', `vocabSize must be an integer ≥ ${vocab.length}.`);
    }
    for (let i = specialTokens.length; i < vocab.length - (unknown === '<unk>' ? 1 : 0); i++) {
      if ([...(vocab[i] as string)].length !== 1) {
        throw new TokenizerFormatError(
          'json',
          `vocab[${i}] = ${JSON.stringify(vocab[i])} is not a single character.`,
        );
      }
    }
    return new CharTokenizer(vocab as string[], specialTokens as string[], unknown, size as number);
  }

  /** The text of each id (special tokens, characters, then `<unk>` if any). Reserved ids are not listed. */
  get vocab(): readonly string[] {
    return this.itos;
  }

  /** The id of a token's text, or `undefined`. */
  idOf(token: string): number | undefined {
    return this.stoi.get(token);
  }

  /** Encodes text: special tokens where they occur, otherwise one id per code point. */
  encode(text: string): number[] {
    assertString(text, 'CharTokenizer.encode');
    const out: number[] = [];
    const stoi = this.stoi;
    const specials = this.specialsByFirst;
    let index = 0; // code-point index, for error messages
    for (let i = 0; i < text.length; index++) {
      if (specials.size > 0) {
        const candidates = specials.get(text.charCodeAt(i));
        const hit = candidates?.find((s) => text.startsWith(s, i));
        if (hit !== undefined) {
          out.push(stoi.get(hit)!);
          i += hit.length;
          index += [...hit].length - 1;
          continue;
        }
      }
      const cp = text.codePointAt(i)!;
      const ch = cp > 0xffff ? text.slice(i, i + 2) : text[i]!;
      i += ch.length;
      const id = stoi.get(ch);
      if (id !== undefined && id >= this.specialTokens.length && id !== this.unkId) {
        out.push(id);
      } else if (this.unkId >= 0) {
        out.push(this.unkId);
      } else {
        throw new RangeError(
          `Unknown character ${JSON.stringify(ch)} (U+${cp.toString(16).toUpperCase().padStart(4, '0')}) at ` +
            `code-point index ${index}: it is not in this ${this.vocabSize}-token vocabulary. Build the tokenizer ` +
            `from text that contains it, or use { unknown: '<unk>' }.`,
        );
      }
    }
    return out;
  }

  /** Decodes ids back to text; an id outside the vocabulary raises a `RangeError` naming it. */
  decode(ids: ArrayLike<number>): string {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
      throw new TypeError(
        `CharTokenizer.decode expects an array of token ids, but got ${describeValue(ids)}.`,
      );
    }
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const s = this.itos[id];
      if (s === undefined || !Number.isInteger(id)) {
        throw new RangeError(
          `Unknown token id ${describeValue(id)} at index ${i}: ids must be integers in [0, ${this.itos.length})` +
            (this.vocabSize > this.itos.length
              ? ` (ids ${this.itos.length}–${this.vocabSize - 1} are reserved).`
              : '.'),
        );
      }
      out += s;
    }
    return out;
  }

  /** The persisted form (see {@link CharTokenizerJSON}); `JSON.stringify(tokenizer)` uses it. */
  toJSON(): CharTokenizerJSON {
    return {
      type: 'char',
      version: 1,
      vocab: [...this.itos],
      specialTokens: [...this.specialTokens],
      unknown: this.unknown,
      vocabSize: this.vocabSize,
    };
  }
}
