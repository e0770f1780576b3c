/**
 * countTokens / isWithinTokenLimit against encode's ids, and createDecoder against whole-bytes decoding:
 * Python's bytes.decode('utf-8', errors='replace') (fixture from test/fixtures/generate_tiktoken_fixtures.py)
 * and decode() of all ids at once, with the ids cut into random chunks.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import cl100k from '../src/encodings/cl100k_base';
import { BpeTokenizer, DisallowedSpecialTokenError } from '../src/index';
import { anyString } from './arbitraries';

const utf8Cases = (
  JSON.parse(readFileSync(new URL('./fixtures/utf8-replace.json', import.meta.url), 'utf8')) as {
    cases: Array<{ hex: string; text: string }>;
  }
).cases;

/** A tokenizer without merges: ids 0–255 are the bytes, so any byte string is a list of ids. */
const bytesOnly = BpeTokenizer.fromMerges([], { pattern: null });
const hexBytes = (hex: string) => Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

/** Feeds `ids` to a fresh decoder in chunks cut at `cuts` and joins what it returns. */
function streamDecode(tok: BpeTokenizer, ids: number[], cuts: number[]): { text: string; parts: string[] } {
  const decoder = tok.createDecoder();
  const parts: string[] = [];
  let start = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (ids.length + 1)))].sort((a, b) => a - b)) {
    parts.push(decoder.write(ids.slice(start, cut)));
    start = cut;
  }
  parts.push(decoder.write(ids.slice(start)), decoder.end());
  return { text: parts.join(''), parts };
}

describe('countTokens and isWithinTokenLimit', () => {
  const text = 'Hello world! Tokens are counted without an id array. 😀 中文 '.repeat(20);
  const total = cl100k.encode(text).length;

  it('count what encode returns, special-token rules included', () => {
    expect(cl100k.countTokens(text)).toBe(total);
    expect(cl100k.countTokens('')).toBe(0);
    const special = 'a<|endoftext|>b<|fim_prefix|>';
    expect(() => cl100k.countTokens(special)).toThrow(DisallowedSpecialTokenError);
    expect(cl100k.countTokens(special, { allowedSpecial: 'all' })).toBe(
      cl100k.encode(special, { allowedSpecial: 'all' }).length,
    );
    expect(cl100k.countTokens(special, { disallowedSpecial: 'none' })).toBe(
      cl100k.encode(special, { disallowedSpecial: 'none' }).length,
    );
    fc.assert(
      fc.property(anyString, (s) => {
        expect(cl100k.countTokens(s)).toBe(cl100k.encode(s).length);
      }),
      { numRuns: 200 },
    );
  });

  it('return the count up to the limit and false past it', () => {
    expect(cl100k.isWithinTokenLimit(text, total)).toBe(total);
    expect(cl100k.isWithinTokenLimit(text, total + 100)).toBe(total);
    expect(cl100k.isWithinTokenLimit(text, total - 1)).toBe(false);
    expect(cl100k.isWithinTokenLimit(text, 0)).toBe(false);
    expect(cl100k.isWithinTokenLimit('', 0)).toBe(0);
    const special = '<|endoftext|><|endoftext|>';
    expect(cl100k.isWithinTokenLimit(special, 1, { allowedSpecial: 'all' })).toBe(false);
    expect(cl100k.isWithinTokenLimit(special, 2, { allowedSpecial: 'all' })).toBe(2);
    expect(() => cl100k.isWithinTokenLimit(text, -1)).toThrow(/limit must be a number ≥ 0, got number -1/);
  });

  it('stop encoding at the limit', () => {
    // A fresh tokenizer whose piece cache fills only with what it encodes: a text of distinct words
    // over the limit leaves the cache holding about `limit` pieces, not the whole text.
    const tok = BpeTokenizer.fromMerges([], { pattern: 'gpt4' });
    const letters = (i: number): string =>
      (i < 26 ? '' : letters(Math.floor(i / 26) - 1)) + 'abcdefghijklmnopqrstuvwxyz'[i % 26];
    const words = Array.from({ length: 5000 }, (_, i) => ` w${letters(i)}`).join('');
    const cacheSize = () => (tok as unknown as { cache: { size: number } }).cache.size;
    expect(tok.isWithinTokenLimit(words, 10)).toBe(false);
    expect(cacheSize()).toBeLessThanOrEqual(6);
    expect(tok.countTokens(words)).toBe(tok.encode(words).length);
    expect(cacheSize()).toBeGreaterThanOrEqual(5000);
  });
});

describe('createDecoder', () => {
  it("matches Python's errors='replace' decoding for any cut of the bytes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...utf8Cases), fc.array(fc.nat(), { maxLength: 6 }), (c, cuts) => {
        const { text } = streamDecode(bytesOnly, hexBytes(c.hex), cuts);
        expect(text).toBe(c.text);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes a byte at a time with no U+FFFD for split characters', () => {
    const emoji = '👩‍👩‍👧 café 中文 😀';
    const ids = cl100k.encode(emoji);
    const decoder = cl100k.createDecoder();
    const parts = ids.map((id) => decoder.write([id]));
    parts.push(decoder.end());
    expect(parts.join('')).toBe(emoji);
    expect(parts.join('')).not.toContain('\uFFFD');
    expect(ids.map((id) => cl100k.decode([id])).join('')).toContain('\uFFFD');
  });

  it('emits U+FFFD where the bytes are invalid, and for a character left unfinished at the end', () => {
    const decoder = bytesOnly.createDecoder();
    expect(decoder.write([0x61, 0xf0, 0x9f])).toBe('a');
    expect(decoder.write([0x98])).toBe('');
    expect(decoder.write([0x80, 0xff, 0x62])).toBe('😀\uFFFDb');
    expect(decoder.write([0xe4, 0xb8])).toBe('');
    expect(decoder.end()).toBe('\uFFFD');
    expect(decoder.write([0x63])).toBe('c');
  });

  it('agrees with decode() of all ids on random text cut anywhere', () => {
    fc.assert(
      fc.property(anyString, fc.array(fc.nat(), { maxLength: 8 }), (s, cuts) => {
        const ids = cl100k.encode(s);
        expect(streamDecode(cl100k, ids, cuts).text).toBe(cl100k.decode(ids));
      }),
      { numRuns: 300 },
    );
  });
});
