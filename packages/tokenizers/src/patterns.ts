/**
 * The pre-tokenization split patterns of OpenAI's GPT-2 (r50k_base), GPT-4 (cl100k_base) and GPT-4o
 * (o200k_base) tokenizers, rewritten in JavaScript regex syntax so that they split exactly as the
 * originals do in tiktoken (Rust `fancy-regex`).
 *
 * Three differences between the engines have to be bridged:
 * 1. Possessive quantifiers (`?+`, `++`, `*+`) do not exist in JavaScript. In these patterns every
 *    possessive quantifier is followed by something that cannot match what it would give back (a letter
 *    run after a non-letter, `$` after whitespace, `[\r\n]*` after non-whitespace), so the greedy form
 *    matches the same strings; it only backtracks more before failing.
 * 2. `\s` differs: Rust means Unicode White_Space, which includes U+0085 (NEXT LINE) and excludes U+FEFF
 *    (BYTE ORDER MARK); JavaScript's `\s` is the other way round. We spell White_Space out as a class.
 * 3. `(?i:...)` groups are not available in Node 20. Rust folds case with Unicode simple case folding, under
 *    which `s` also matches `ſ` (U+017F LATIN SMALL LETTER LONG S); we spell each letter's folding class out.
 *
 * Letters and numbers use `\p{L}`/`\p{N}` of the running engine's Unicode version, as tiktoken does.
 */

/** Unicode White_Space (PropList.txt), which is what Rust's `\s` matches. */
const WS = '\\t-\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const S = `[${WS}]`;
/** Rust's `\S`. */
const NS = `[^${WS}]`;

/** English contractions matched case-insensitively with Unicode simple case folding. */
const CONTRACTIONS_ANY_CASE = "'(?:[sSſ]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE])";

/** GPT-2's split pattern (r50k_base, p50k_base), lower-case contractions only. */
export const GPT2_SPLIT_PATTERN = [
  "'(?:[sdmt]|ll|ve|re)",
  ' ?\\p{L}+',
  ' ?\\p{N}+',
  ` ?[^${WS}\\p{L}\\p{N}]+`,
  `${S}+$`,
  `${S}+(?!${NS})`,
  S,
].join('|');

/** GPT-4's split pattern (cl100k_base): contractions in any case, numbers in groups of at most three digits. */
export const GPT4_SPLIT_PATTERN = [
  CONTRACTIONS_ANY_CASE,
  '[^\\r\\n\\p{L}\\p{N}]?\\p{L}+',
  '\\p{N}{1,3}',
  ` ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*`,
  `${S}+$`,
  `${S}*[\\r\\n]`,
  `${S}+(?!${NS})`,
  S,
].join('|');

const UPPER = '[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]';
const LOWER = '[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]';

/** GPT-4o's split pattern (o200k_base): words split at case changes, contraction suffixes kept on the word. */
export const O200K_SPLIT_PATTERN = [
  `[^\\r\\n\\p{L}\\p{N}]?${UPPER}*${LOWER}+(?:${CONTRACTIONS_ANY_CASE})?`,
  `[^\\r\\n\\p{L}\\p{N}]?${UPPER}+${LOWER}*(?:${CONTRACTIONS_ANY_CASE})?`,
  '\\p{N}{1,3}',
  ` ?[^${WS}\\p{L}\\p{N}]+[\\r\\n/]*`,
  `${S}*[\\r\\n]+`,
  `${S}+(?!${NS})`,
  `${S}+`,
].join('|');

/** Names of the built-in split patterns. `'gpt4'` is cl100k_base's, `'o200k'` is GPT-4o's. */
export type PatternName = 'gpt2' | 'gpt4' | 'o200k';

/** The built-in patterns by name. */
export const SPLIT_PATTERNS: Readonly<Record<PatternName, string>> = Object.freeze({
  gpt2: GPT2_SPLIT_PATTERN,
  gpt4: GPT4_SPLIT_PATTERN,
  o200k: O200K_SPLIT_PATTERN,
});

/** The flags a split pattern is compiled with for `String.prototype.match`: global and Unicode. */
export const SPLIT_FLAGS = 'gu';

/** Compiles a split pattern for {@link forEachPiece}: sticky and Unicode. */
export function stickySplitRegex(source: string): RegExp {
  return new RegExp(source, 'yu');
}

/**
 * Calls `fn(start, end)` for each piece of `text` in order, as a global `exec` loop would find them; text the
 * pattern does not match (only possible with custom patterns) becomes pieces of its own, so nothing is
 * dropped. `re` must come from {@link stickySplitRegex}. A sticky `test` creates no match objects, which
 * makes this about twice as fast as `exec`.
 */
export function forEachPiece(re: RegExp, text: string, fn: (start: number, end: number) => void): void {
  const len = text.length;
  let pos = 0;
  let gap = -1;
  while (pos < len) {
    re.lastIndex = pos;
    if (re.test(text) && re.lastIndex > pos) {
      if (gap >= 0) {
        fn(gap, pos);
        gap = -1;
      }
      const end = re.lastIndex;
      fn(pos, end);
      pos = end;
    } else {
      if (gap < 0) gap = pos;
      const c = text.charCodeAt(pos);
      pos += c >= 0xd800 && c <= 0xdbff && pos + 1 < len ? 2 : 1;
    }
  }
  if (gap >= 0) fn(gap, len);
}

/**
 * Split patterns as published for Python (tiktoken, minbpe), mapped to the JavaScript pattern that splits
 * identically. Used when reading minbpe `.model` files, which store the Python source.
 */
const KNOWN_SOURCES: ReadonlyArray<readonly [string, PatternName]> = [
  // GPT-2, as in minbpe and older tiktoken releases.
  ["'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", 'gpt2'],
  ["'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", 'gpt2'],
  ["'(?:[sdmt]|ll|ve|re)| ?\\p{L}++| ?\\p{N}++| ?[^\\s\\p{L}\\p{N}]++|\\s++$|\\s+(?!\\S)|\\s", 'gpt2'],
  // GPT-4 (cl100k_base), as in minbpe and tiktoken releases.
  [
    "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+",
    'gpt4',
  ],
  [
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    'gpt4',
  ],
  [
    "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s",
    'gpt4',
  ],
];

/**
 * Resolves a pattern argument to `{ name, source }`: a built-in name, a known Python/Rust source of a
 * built-in pattern, or a custom JavaScript regex source (checked by compiling it with the `u` flag).
 * `null` and `''` mean "no pre-split".
 */
export function resolvePattern(pattern: string | null | undefined): {
  name: string | null;
  source: string | null;
} {
  if (pattern === null || pattern === undefined || pattern === '') return { name: null, source: null };
  if (typeof pattern !== 'string') {
    throw new TypeError(
      `A split pattern must be 'gpt2', 'gpt4', 'o200k', a regex source or null; got ${typeof pattern}.`,
    );
  }
  if (pattern === 'gpt2' || pattern === 'gpt4' || pattern === 'o200k') {
    return { name: pattern, source: SPLIT_PATTERNS[pattern] };
  }
  if (pattern === 'r50k' || pattern === 'r50k_base' || pattern === 'p50k_base') {
    return { name: 'gpt2', source: GPT2_SPLIT_PATTERN };
  }
  if (pattern === 'cl100k' || pattern === 'cl100k_base') return { name: 'gpt4', source: GPT4_SPLIT_PATTERN };
  if (pattern === 'o200k_base') return { name: 'o200k', source: O200K_SPLIT_PATTERN };
  for (const [source, name] of KNOWN_SOURCES) {
    if (source === pattern) return { name, source: SPLIT_PATTERNS[name] };
  }
  for (const name of Object.keys(SPLIT_PATTERNS) as PatternName[]) {
    if (SPLIT_PATTERNS[name] === pattern) return { name, source: pattern };
  }
  try {
    new RegExp(pattern, SPLIT_FLAGS);
  } catch (error) {
    throw new SyntaxError(
      `The split pattern ${JSON.stringify(pattern)} is not a valid JavaScript regex with the 'u' flag ` +
        `(${(error as Error).message}). Possessive quantifiers and (?i:...) groups are not JavaScript syntax: ` +
        `use 'gpt2', 'gpt4' or 'o200k' for OpenAI's patterns.`,
    );
  }
  return { name: null, source: pattern };
}
