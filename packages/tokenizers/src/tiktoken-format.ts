/**
 * OpenAI's `.tiktoken` rank files: one token per line, `base64(token bytes) rank`, as published for
 * r50k_base (GPT-2/3), p50k_base (Codex), cl100k_base (GPT-4, GPT-3.5) and o200k_base (GPT-4o). Special tokens and the split
 * pattern are not in the file; {@link TIKTOKEN_PRESETS} holds them for the published encodings.
 */
import { TokenizerFormatError } from './errors';
import type { PatternName } from './patterns';

/** What `BpeTokenizer.fromTiktoken` needs besides the ranks: the split pattern and the special tokens. */
export interface TiktokenPreset {
  /** `'gpt2'`, `'gpt4'`, `'o200k'` or a JavaScript regex source. */
  pattern: PatternName | string;
  /** Special tokens and their ids. */
  specialTokens?: Record<string, number>;
}

/** Split patterns and special tokens of OpenAI's published encodings (ids from tiktoken). */
export const TIKTOKEN_PRESETS = Object.freeze({
  /** GPT-2 and GPT-3 (`r50k_base.tiktoken`). */
  r50k_base: { pattern: 'gpt2', specialTokens: { '<|endoftext|>': 50256 } },
  /** Codex and text-davinci-002/003 (`p50k_base.tiktoken`): GPT-2's pattern, 50,281 tokens. */
  p50k_base: { pattern: 'gpt2', specialTokens: { '<|endoftext|>': 50256 } },
  /** GPT-3.5 and GPT-4 (`cl100k_base.tiktoken`). */
  cl100k_base: {
    pattern: 'gpt4',
    specialTokens: {
      '<|endoftext|>': 100257,
      '<|fim_prefix|>': 100258,
      '<|fim_middle|>': 100259,
      '<|fim_suffix|>': 100260,
      '<|endofprompt|>': 100276,
    },
  },
  /** GPT-4o (`o200k_base.tiktoken`). */
  o200k_base: { pattern: 'o200k', specialTokens: { '<|endoftext|>': 199999, '<|endofprompt|>': 200018 } },
} satisfies Record<string, TiktokenPreset>);

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Decodes standard base64 (RFC 4648 §4, with `=` padding); returns `null` if `text` is not valid base64. */
export function decodeBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let chunk = 0;
    for (let k = 0; k < 4; k++) {
      const c = text.charCodeAt(i + k);
      let v: number;
      if (c === 61 /* = */ && i + k >= text.length - pad) v = 0;
      else v = c < 128 ? DECODE[c]! : -1;
      if (v < 0) return null;
      chunk = (chunk << 6) | v;
    }
    if (o < out.length) out[o++] = (chunk >> 16) & 0xff;
    if (o < out.length) out[o++] = (chunk >> 8) & 0xff;
    if (o < out.length) out[o++] = chunk & 0xff;
  }
  return out;
}

/** Encodes bytes as standard base64 with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    const chunk = (a << 16) | (b << 8) | c;
    out += ALPHABET[(chunk >> 18) & 63]! + ALPHABET[(chunk >> 12) & 63]!;
    out += i + 1 < bytes.length ? ALPHABET[(chunk >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? ALPHABET[chunk & 63]! : '=';
  }
  return out;
}

/** One parsed line of a `.tiktoken` file. */
export interface TiktokenRank {
  bytes: Uint8Array;
  rank: number;
  /** 1-based line number it came from. */
  line: number;
}

/** Parses `.tiktoken` text, raising {@link TokenizerFormatError} with the line number on any malformed line. */
export function parseTiktokenRanks(text: string): TiktokenRank[] {
  const out: TiktokenRank[] = [];
  const seenRanks = new Map<number, number>();
  const seenBytes = new Map<string, number>();
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length === 0) continue;
    const space = line.indexOf(' ');
    if (space < 0 || line.indexOf(' ', space + 1) >= 0) {
      throw new TokenizerFormatError(
        'tiktoken',
        `expected "<base64 token> <rank>", got ${preview(line)}.`,
        lineNo,
      );
    }
    const b64 = line.slice(0, space);
    const rankText = line.slice(space + 1);
    if (!/^\d+$/.test(rankText) || rankText.length > 10) {
      throw new TokenizerFormatError(
        'tiktoken',
        `rank ${preview(rankText)} is not a non-negative integer.`,
        lineNo,
      );
    }
    const rank = Number(rankText);
    const bytes = decodeBase64(b64);
    if (bytes === null || bytes.length === 0) {
      throw new TokenizerFormatError(
        'tiktoken',
        `token ${preview(b64)} is not valid non-empty base64.`,
        lineNo,
      );
    }
    const previous = seenRanks.get(rank);
    if (previous !== undefined) {
      throw new TokenizerFormatError(
        'tiktoken',
        `rank ${rank} was already given on line ${previous}.`,
        lineNo,
      );
    }
    seenRanks.set(rank, lineNo);
    const previousBytes = seenBytes.get(b64);
    if (previousBytes !== undefined) {
      throw new TokenizerFormatError(
        'tiktoken',
        `token ${b64} was already given on line ${previousBytes}.`,
        lineNo,
      );
    }
    seenBytes.set(b64, lineNo);
    out.push({ bytes, rank, line: lineNo });
  }
  if (out.length === 0) throw new TokenizerFormatError('tiktoken', 'the file holds no tokens.');
  return out;
}

/** Writes tokens as `.tiktoken` text, in rank order. */
export function writeTiktokenRanks(tokens: ReadonlyArray<{ bytes: Uint8Array; rank: number }>): string {
  return [...tokens]
    .sort((a, b) => a.rank - b.rank)
    .map((t) => `${encodeBase64(t.bytes)} ${t.rank}\n`)
    .join('');
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
