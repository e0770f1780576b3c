/**
 * Statistics the lecture looks at before training anything: counts, word lengths, character
 * frequencies, the vocabulary, and the bigram count matrix N[i, j] = how often token j follows token i
 * (with a boundary token marking word starts and ends: the 27×27 table plotted for names).
 */
import { encodeWord } from './encode.js';
import { DatasetError } from './errors.js';
import type { Dataset, TextTokenizer } from './types.js';

/**
 * Counts of every code point in the given strings. BMP characters are tallied in a flat table (fast on
 * the 10.6 M-character sotu stream); astral characters (surrogate pairs) and lone surrogates in a Map.
 */
function countCodePoints(data: string | readonly string[]): Map<string, number> {
  const bmp = new Float64Array(65536);
  const other = new Map<string, number>();
  const add = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          const ch = s.slice(i, i + 2);
          other.set(ch, (other.get(ch) ?? 0) + 1);
          i++;
          continue;
        }
      }
      bmp[c] = (bmp[c] as number) + 1;
    }
  };
  if (typeof data === 'string') add(data);
  else for (const w of data) add(w);
  const out = new Map<string, number>();
  for (let c = 0; c < 65536; c++)
    if ((bmp[c] as number) > 0) out.set(String.fromCharCode(c), bmp[c] as number);
  for (const [ch, n] of other) out.set(ch, n);
  return out;
}

const byCodePoint = (a: string, b: string) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number);

/** The distinct characters (Unicode code points) of a text or of a list of words, sorted by code point. */
export function vocabulary(data: string | readonly string[]): string[] {
  return [...countCodePoints(data).keys()].sort(byCodePoint);
}

/** How often each character occurs, most frequent first (ties by code point). */
export function charFrequencies(data: string | readonly string[]): Array<[string, number]> {
  return [...countCodePoints(data)].sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0]));
}

/** Counts and lengths of a word list. */
export interface WordStats {
  /** Number of lines, duplicates and empty lines included. */
  count: number;
  /** Number of distinct non-empty words. */
  distinct: number;
  /** Words that occur more than once, with how often. */
  duplicates: Array<{ word: string; count: number }>;
  /** Number of empty lines. */
  empty: number;
  minLength: number;
  maxLength: number;
  meanLength: number;
  /** lengthHistogram[L] = how many words have L characters (code points). */
  lengthHistogram: number[];
}

/** Counts, duplicates and the length histogram of a word list. */
export function wordStats(words: readonly string[]): WordStats {
  const seen = new Map<string, number>();
  const hist: number[] = [];
  let empty = 0;
  let total = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const w of words) {
    const len = /[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(w) ? [...w].length : w.length;
    if (len === 0) empty++;
    else seen.set(w, (seen.get(w) ?? 0) + 1);
    while (hist.length <= len) hist.push(0);
    hist[len] = (hist[len] as number) + 1;
    total += len;
    min = Math.min(min, len);
    max = Math.max(max, len);
  }
  const duplicates = [...seen].filter(([, c]) => c > 1).map(([word, count]) => ({ word, count }));
  return {
    count: words.length,
    distinct: seen.size,
    duplicates,
    empty,
    minLength: words.length ? min : 0,
    maxLength: max,
    meanLength: words.length ? total / words.length : 0,
    lengthHistogram: hist,
  };
}

/** A square count matrix, row = current token, column = next token. */
export interface BigramCounts {
  /** counts[i * size + j] = how often token j follows token i. */
  counts: Int32Array;
  size: number;
  /** tokens[i] is the text of id i (`.` for the boundary when no tokenizer is given). */
  tokens: string[];
}

/** Options for {@link bigramCounts}. */
export interface BigramCountsOptions {
  /** Encode words with this tokenizer (size = its vocabSize). Default: a char vocabulary with `.` at 0. */
  tokenizer?: TextTokenizer;
  /** The boundary id. Default 0. */
  boundaryId?: number;
}

/**
 * Counts bigrams over words framed by the boundary token: `.emma.` adds `.e`, `em`, `mm`, `ma`, `a.`.
 * For names with the default char vocabulary this is the lecture's 27×27 matrix (228,146 bigrams).
 */
export function bigramCounts(words: readonly string[], options: BigramCountsOptions = {}): BigramCounts {
  const boundary = options.boundaryId ?? 0;
  let encode: (w: string) => number[];
  let tokens: string[];
  if (options.tokenizer) {
    const tok = options.tokenizer;
    encode = (w) => encodeWord(w, tok);
    tokens = Array.from({ length: tok.vocabSize }, (_, i) => tok.decode([i]));
  } else {
    const chars = vocabulary(words);
    if (chars.includes('.')) {
      throw new DatasetError(
        'BAD_ARGUMENT',
        'the words contain ".", which the default vocabulary reserves for the boundary; pass a tokenizer and its boundaryId',
      );
    }
    if (boundary !== 0) {
      throw new DatasetError('BAD_ARGUMENT', 'boundaryId other than 0 needs a tokenizer');
    }
    tokens = ['.', ...chars];
    const index = new Map(tokens.map((c, i) => [c, i]));
    const bmp = new Int32Array(65536).fill(-1);
    tokens.forEach((c, i) => {
      if (c.length === 1) bmp[c.charCodeAt(0)] = i;
    });
    encode = (w) => {
      const ids: number[] = [];
      for (let i = 0; i < w.length; i++) {
        const id = bmp[w.charCodeAt(i)] as number;
        if (id >= 0) ids.push(id);
        else {
          const ch = String.fromCodePoint(w.codePointAt(i) as number);
          ids.push(index.get(ch) as number);
          i += ch.length - 1;
        }
      }
      return ids;
    };
  }
  const size = tokens.length;
  if (!(boundary >= 0 && boundary < size)) {
    throw new DatasetError(
      'BAD_ARGUMENT',
      `boundaryId ${boundary} is outside the vocabulary of ${size} tokens`,
    );
  }
  const counts = new Int32Array(size * size);
  for (const w of words) {
    let prev = boundary;
    for (const id of encode(w)) {
      counts[prev * size + id] = (counts[prev * size + id] as number) + 1;
      prev = id;
    }
    counts[prev * size + boundary] = (counts[prev * size + boundary] as number) + 1;
  }
  return { counts, size, tokens };
}

/** Everything the CLI's `datasets info` and the demo show about a loaded dataset. */
export interface DatasetStats {
  name: string;
  kind: Dataset['kind'];
  /** UTF-16 length of `text` (equal to bytes and code points for the ASCII built-ins). */
  characters: number;
  /** Lines in `text`. */
  lines: number;
  vocabulary: string[];
  charFrequencies: Array<[string, number]>;
  /** For words datasets. */
  words?: WordStats;
  /** For documents datasets. */
  documents?: { count: number; firstYear?: number; lastYear?: number; presidents: string[] };
}

/** Statistics of a loaded dataset. */
export function datasetStats(ds: Dataset): DatasetStats {
  let lines = 0;
  for (let i = ds.text.indexOf('\n'); i !== -1; i = ds.text.indexOf('\n', i + 1)) lines++;
  if (ds.text.length > 0 && !ds.text.endsWith('\n')) lines++;
  const freqs = charFrequencies(ds.text);
  const out: DatasetStats = {
    name: ds.name,
    kind: ds.kind,
    characters: ds.text.length,
    lines,
    vocabulary: freqs
      .map(([c]) => c)
      .sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number)),
    charFrequencies: freqs,
  };
  if (ds.words) out.words = wordStats(ds.words);
  if (ds.documents) {
    const years = ds.documents.map((d) => d.year).filter((y): y is number => y !== undefined);
    const presidents = [...new Set(ds.documents.map((d) => d.president).filter((p): p is string => !!p))];
    out.documents = {
      count: ds.documents.length,
      ...(years.length ? { firstYear: Math.min(...years), lastYear: Math.max(...years) } : {}),
      presidents,
    };
  }
  return out;
}
