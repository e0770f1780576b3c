/**
 * HuggingFace `tokenizer.json` for byte-level BPE (the format of the `tokenizers` library and
 * transformers.js), as far as a {@link BpeTokenizer} can express it.
 *
 * Byte-level BPE there writes each token as text through GPT-2's byte-to-unicode table: the 188 printable
 * bytes (`!`–`~`, `¡`–`¬`, `®`–`ÿ`) stand for themselves and the other 68 bytes become U+0100 onwards, in
 * byte order (Radford et al. 2019, `bytes_to_unicode` in GPT-2's encoder.py). A space is therefore `Ġ`. The
 * model lists `vocab` (token text → id) and `merges` (pairs in priority order), the pre-tokenizer splits the
 * text with a regex before mapping bytes, and special tokens are `added_tokens`.
 */
import { TokenizerFormatError, describeValue } from './errors';

/** The byte each GPT-2 byte-level character stands for, and back. */
function byteLevelTables(): { charOfByte: string[]; byteOfChar: Map<string, number> } {
  const charOfByte: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    charOfByte[b] = String.fromCharCode(printable ? b : next++);
  }
  const byteOfChar = new Map(charOfByte.map((c, b) => [c, b]));
  return { charOfByte, byteOfChar };
}

let tables: ReturnType<typeof byteLevelTables> | undefined;

/** GPT-2's byte-level text of `bytes`. */
export function bytesToByteLevel(bytes: Uint8Array): string {
  tables ??= byteLevelTables();
  let out = '';
  for (const b of bytes) out += tables.charOfByte[b]!;
  return out;
}

/** The bytes of GPT-2 byte-level text, or null if a character is not one of the 256. */
export function byteLevelToBytes(text: string): Uint8Array | null {
  tables ??= byteLevelTables();
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const b = tables.byteOfChar.get(text[i]!);
    if (b === undefined) return null;
    out[i] = b;
  }
  return out;
}

/**
 * The built-in split patterns as the `tokenizers` library's Oniguruma engine must read them to split as
 * tiktoken does (tiktoken_ext/openai_public.py, tiktoken 0.14, with two rewrites). Oniguruma reads `{1,3}+`
 * as "one or more runs of one to three", not as a possessive `{1,3}`, and its `$` also matches before a
 * newline. So the possessive quantifiers become greedy ones, which match the same strings in these patterns
 * (see patterns.ts), and `\s++$` becomes `\s+\z`, the end of the text. `toHuggingFaceJSON` writes these,
 * and `fromHuggingFaceJSON` recognises them and tiktoken's originals.
 */
export const HF_PATTERN_SOURCES: Readonly<Record<'gpt2' | 'gpt4' | 'o200k', string>> = Object.freeze({
  gpt2: "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+\\z|\\s+(?!\\S)|\\s",
  gpt4: "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s+\\z|\\s*[\\r\\n]|\\s+(?!\\S)|\\s",
  o200k: [
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    '\\p{N}{1,3}',
    ' ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*',
    '\\s*[\\r\\n]+',
    '\\s+(?!\\S)',
    '\\s+',
  ].join('|'),
});

/** tiktoken's original split patterns, recognised when reading. */
const TIKTOKEN_PATTERN_SOURCES: Readonly<Record<'gpt2' | 'gpt4', string>> = {
  gpt2: "'(?:[sdmt]|ll|ve|re)| ?\\p{L}++| ?\\p{N}++| ?[^\\s\\p{L}\\p{N}]++|\\s++$|\\s+(?!\\S)|\\s",
  gpt4: "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s",
};

/** The built-in pattern name of a `tokenizer.json` split regex, if it is one of them. */
export function builtInPatternName(regex: string): 'gpt2' | 'gpt4' | 'o200k' | undefined {
  for (const table of [HF_PATTERN_SOURCES, TIKTOKEN_PATTERN_SOURCES]) {
    for (const [name, source] of Object.entries(table)) if (source === regex) return name as 'gpt2' | 'gpt4';
  }
  return undefined;
}

/** The regex that the `tokenizers` library's `ByteLevel` pre-tokenizer applies when `use_regex` is true. */
const HF_BYTE_LEVEL_REGEX =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** The parts of a byte-level BPE `tokenizer.json` that a BpeTokenizer is built from. */
export interface HuggingFaceBpe {
  /** A built-in pattern name, a regex source, or null (no split). */
  pattern: string | null;
  /** Token bytes by id for every vocabulary entry. */
  vocab: Map<number, Uint8Array>;
  /** Merges as `[leftText, rightText]` byte-level strings, in priority order. */
  merges: Array<[string, string]>;
  /** Token text → id of the special (added) tokens. */
  specialTokens: Record<string, number>;
  /** Byte-level text → id. */
  idOfText: Map<string, number>;
}

const fail = (message: string): never => {
  throw new TokenizerFormatError('tokenizer.json', message);
};

/** Finds the split regex (and checks the byte-level setup) in a `pre_tokenizer` object. */
function splitPatternOf(pre: unknown): string | null {
  const steps: Array<Record<string, unknown>> = [];
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const step = node as Record<string, unknown>;
    if (step.type === 'Sequence') for (const inner of (step.pretokenizers as unknown[]) ?? []) visit(inner);
    else steps.push(step);
  };
  visit(pre);
  let pattern: string | null = null;
  let byteLevel = false;
  for (const step of steps) {
    if (step.type === 'ByteLevel') {
      byteLevel = true;
      if (step.add_prefix_space === true) {
        fail('its ByteLevel pre-tokenizer adds a prefix space, which BpeTokenizer does not do.');
      }
      if (step.use_regex !== false) pattern ??= HF_BYTE_LEVEL_REGEX;
    } else if (step.type === 'Split') {
      const regex = (step.pattern as { Regex?: unknown } | undefined)?.Regex;
      if (typeof regex !== 'string') fail('its Split pre-tokenizer has no "pattern": { "Regex": ... }.');
      if (step.behavior !== 'Isolated' || step.invert === true) {
        fail(
          `its Split pre-tokenizer has behavior ${describeValue(step.behavior)}; only "Isolated" is supported.`,
        );
      }
      if (pattern !== null) fail('it splits the text with two regexes; BpeTokenizer applies one.');
      pattern = regex as string;
    } else {
      fail(`its pre-tokenizer step ${describeValue(step.type)} is not supported (only Split and ByteLevel).`);
    }
  }
  if (!byteLevel) fail('it is not byte-level BPE: the pre-tokenizer has no ByteLevel step.');
  return pattern;
}

/** Reads the byte-level BPE parts of a `tokenizer.json` object, with clear errors for anything else. */
export function parseHuggingFaceBpe(data: Record<string, unknown>): HuggingFaceBpe {
  const model = data.model as Record<string, unknown> | undefined;
  if (model === undefined || model === null || typeof model !== 'object') fail('it has no "model" object.');
  if (model!.type !== undefined && model!.type !== 'BPE') {
    fail(`its model type is ${describeValue(model!.type)}; only "BPE" is supported.`);
  }
  if (data.normalizer !== null && data.normalizer !== undefined) {
    fail('it has a normalizer, which BpeTokenizer does not apply; only tokenizers without one can be read.');
  }
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (model![key] !== null && model![key] !== undefined && model![key] !== '') {
      fail(`its model sets ${key}, which byte-level BPE does not use.`);
    }
  }
  if (model!.byte_fallback === true) fail('its model uses byte_fallback, which byte-level BPE does not use.');
  const pattern = splitPatternOf(data.pre_tokenizer);
  const vocabObject = model!.vocab;
  if (vocabObject === null || typeof vocabObject !== 'object' || Array.isArray(vocabObject)) {
    fail('model.vocab must be an object of token -> id.');
  }
  const vocab = new Map<number, Uint8Array>();
  const idOfText = new Map<string, number>();
  const specialTokens: Record<string, number> = {};
  const addedTexts = new Set<string>();
  for (const added of (data.added_tokens as Array<Record<string, unknown>> | undefined) ?? []) {
    if (typeof added.content !== 'string' || !Number.isInteger(added.id)) {
      fail(`added token ${describeValue(added)} needs a string "content" and an integer "id".`);
    }
    specialTokens[added.content as string] = added.id as number;
    addedTexts.add(added.content as string);
  }
  for (const [text, id] of Object.entries(vocabObject as Record<string, unknown>)) {
    if (!Number.isInteger(id) || (id as number) < 0)
      fail(`vocab entry ${JSON.stringify(text)} has id ${describeValue(id)}.`);
    if (addedTexts.has(text) && specialTokens[text] === id) continue;
    const bytes = byteLevelToBytes(text);
    if (bytes === null || bytes.length === 0) {
      fail(
        `vocab entry ${JSON.stringify(text)} is not byte-level text (GPT-2's byte-to-unicode characters).`,
      );
    }
    vocab.set(id as number, bytes!);
    idOfText.set(text, id as number);
  }
  const rawMerges = model!.merges;
  if (!Array.isArray(rawMerges)) fail('model.merges must be an array.');
  const merges = (rawMerges as unknown[]).map((m, i): [string, string] => {
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length === 2 && parts[0] && parts[1]) return [parts[0], parts[1]];
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      return [m[0], m[1]];
    }
    return fail(`merges[${i}] is ${describeValue(m)}; expected "left right" or ["left", "right"].`);
  });
  return { pattern, vocab, merges, specialTokens, idOfText };
}

/** The `tokenizer.json` object of a byte-level BPE vocabulary, in the layout the `tokenizers` library writes. */
export function writeHuggingFaceBpe(options: {
  pattern: string | null;
  tokens: Array<{ id: number; bytes: Uint8Array }>;
  merges: Array<[number, number]>;
  specialTokens: Record<string, number>;
}): Record<string, unknown> {
  const textOf = new Map<number, string>();
  const vocab: Record<string, number> = {};
  for (const { id, bytes } of [...options.tokens].sort((a, b) => a.id - b.id)) {
    const text = bytesToByteLevel(bytes);
    textOf.set(id, text);
    vocab[text] = id;
  }
  // As the `tokenizers` library does, the special tokens are also in the model's vocabulary, as themselves.
  for (const [content, id] of Object.entries(options.specialTokens)) vocab[content] = id;
  const preTokenizers: unknown[] = [];
  if (options.pattern !== null) {
    preTokenizers.push({
      type: 'Split',
      pattern: { Regex: options.pattern },
      behavior: 'Isolated',
      invert: false,
    });
  }
  preTokenizers.push({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: Object.entries(options.specialTokens)
      .sort((a, b) => a[1] - b[1])
      .map(([content, id]) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: preTokenizers },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: options.merges.map(([l, r]) => [textOf.get(l)!, textOf.get(r)!]),
    },
  };
}
