import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyString } from '../test/arbitraries';
import { BpeTokenizer } from './bpe';
import { MergeScratch, SMALL_PIECE, mergePiece } from './bpe-merge';
import { DisallowedSpecialTokenError, TokenizerFormatError } from './errors';
import { PairTable } from './pair-table';
import { toWellFormed } from './utf8';

const corpus =
  "The quick brown fox jumps over the lazy dog. It's 2026; don't panic!\n\n" +
  'def add(a, b):\n    return a + b\n' +
  'naïve café — 日本語のテキスト, 한국어 텍스트, emoji 👩‍💻🎉 and e\u0301 combining marks.\n'.repeat(3);

const trained = BpeTokenizer.train(corpus, {
  vocabSize: 400,
  pattern: 'gpt4',
  specialTokens: ['<|endoftext|>', '<|pad|>'],
});
const basic = BpeTokenizer.train(corpus, { vocabSize: 330, pattern: null });

describe('BpeTokenizer', () => {
  it('round-trips arbitrary Unicode; lone surrogates come back as U+FFFD', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        for (const tok of [trained, basic]) {
          expect(tok.decode(tok.encodeOrdinary(s))).toBe(toWellFormed(s));
        }
      }),
      { numRuns: 300 },
    );
    expect(trained.decode(trained.encode('a\uD800b'))).toBe('a\uFFFDb');
  });

  it('compresses the text it was trained on and gives the same ids on every call', () => {
    const ids = trained.encode(corpus);
    expect(ids.length).toBeLessThan(new TextEncoder().encode(corpus).length / 2);
    expect(trained.encode(corpus)).toEqual(ids);
  });

  it('merges long pieces with the heap exactly as short ones with the scan', () => {
    const table = new PairTable();
    // A small vocabulary over bytes a, b: ab, aa, bab, aab, abab (ids are ranks).
    const merges: Array<[number, number, number]> = [
      [97, 98, 256],
      [97, 97, 257],
      [98, 256, 258],
      [97, 256, 259],
      [256, 256, 260],
    ];
    for (const [l, r, id] of merges) table.set(l, r, id);
    const naive = (ids: number[]): number[] => {
      const out = [...ids];
      for (;;) {
        let best = -1;
        for (let i = 0; i + 1 < out.length; i++) {
          const r = table.get(out[i]!, out[i + 1]!);
          if (r >= 0 && (best < 0 || r < table.get(out[best]!, out[best + 1]!))) best = i;
        }
        if (best < 0) return out;
        out.splice(best, 2, table.get(out[best]!, out[best + 1]!));
      }
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(97, 98), { minLength: 0, maxLength: SMALL_PIECE * 3 }), (ids) => {
        const scratch = new MergeScratch();
        scratch.ensure(ids.length);
        scratch.ids.set(ids);
        const n = mergePiece(table, scratch, ids.length);
        expect(Array.from(scratch.ids.subarray(0, n))).toEqual(naive(ids));
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same ids whatever the cache size (a tiny cache is cleared constantly)', () => {
    const tiny = BpeTokenizer.fromMerges(trained.merges, { pattern: 'gpt4', cacheSize: 2 });
    const text = `${corpus} ${corpus.toUpperCase()} ${'x'.repeat(300)}`;
    expect(tiny.encode(text)).toEqual(trained.encodeOrdinary(text));
    expect(tiny.encode(text)).toEqual(trained.encodeOrdinary(text));
  });

  it('follows tiktoken special-token rules', () => {
    const text = 'hi<|endoftext|>there<|pad|>';
    expect(() => trained.encode(text)).toThrow(DisallowedSpecialTokenError);
    expect(() => trained.encode(text)).toThrow(/"<\|endoftext\|>" at index 2/);
    const all = trained.encode(text, { allowedSpecial: 'all' });
    expect(all).toContain(trained.specialTokens['<|endoftext|>']);
    expect(all.at(-1)).toBe(trained.specialTokens['<|pad|>']);
    expect(trained.decode(all)).toBe(text);
    // Allowing one while the other stays disallowed still raises, naming the other.
    expect(() => trained.encode(text, { allowedSpecial: ['<|endoftext|>'] })).toThrow(/<\|pad\|>/);
    const ordinary = trained.encode(text, { disallowedSpecial: 'none' });
    expect(ordinary).toEqual(trained.encodeOrdinary(text));
    expect(ordinary).not.toContain(trained.specialTokens['<|pad|>']);
    expect(() => trained.encode('x', { allowedSpecial: ['<nope>'] })).toThrow(/not a special token/);
  });

  it('exposes token bytes and decodes raw bytes', () => {
    const ids = trained.encode(' café');
    expect(ids.length).toBeLessThan(6);
    expect(ids.flatMap((id) => Array.from(trained.tokenBytes(id)))).toEqual([
      0x20, 0x63, 0x61, 0x66, 0xc3, 0xa9,
    ]);
    expect(Array.from(trained.decodeBytes([0xc3]))).toEqual([0xc3]);
    expect(trained.decode([0xc3])).toBe('\uFFFD');
    expect(new TextDecoder().decode(trained.tokenBytes(trained.specialTokens['<|pad|>']!))).toBe('<|pad|>');
  });

  it('raises on bad input, naming what was wrong', () => {
    expect(() => trained.encode(undefined as unknown as string)).toThrow(TypeError);
    expect(() => trained.encode(['a'] as unknown as string)).toThrow(/got an array of length 1/);
    expect(() => trained.decode([1, 99999])).toThrow(/Unknown token id number 99999 at index 1/);
    expect(() => trained.decode([1.5])).toThrow(RangeError);
    expect(() => trained.decode('abc' as unknown as number[])).toThrow(TypeError);
  });

  it('saves and restores through versioned JSON', () => {
    const json = JSON.parse(JSON.stringify(trained));
    expect(json.type).toBe('bpe');
    expect(json.version).toBe(1);
    expect(json.pattern).toBe('gpt4');
    const back = BpeTokenizer.fromJSON(json);
    expect(back.encode(corpus)).toEqual(trained.encode(corpus));
    expect(back.vocabSize).toBe(400);
    expect(BpeTokenizer.fromJSON(JSON.stringify(basic)).pattern).toBeNull();
  });

  it('rejects malformed JSON with a clear error', () => {
    const good = trained.toJSON();
    expect(() => BpeTokenizer.fromJSON('{oops')).toThrow(TokenizerFormatError);
    expect(() => BpeTokenizer.fromJSON({ ...good, version: 2 } as never)).toThrow(/version number 2/);
    expect(() => BpeTokenizer.fromJSON({ ...good, type: 'char' } as never)).toThrow(/expected "bpe"/);
    expect(() => BpeTokenizer.fromJSON({ ...good, merges: [[1, 2]] } as never)).toThrow(/merges\[0\]/);
    expect(() => BpeTokenizer.fromJSON({ ...good, merges: [[1, 9999, 256]] } as never)).toThrow(
      /no earlier merge/,
    );
    expect(() => BpeTokenizer.fromJSON({ ...good, byteIds: [1, 2] } as never)).toThrow(/256 ids/);
  });

  it('round-trips through the minbpe .model format', () => {
    const back = BpeTokenizer.fromMinbpeModel(trained.toMinbpeModel());
    expect(back.merges).toEqual(trained.merges);
    expect(back.specialTokens).toEqual(trained.specialTokens);
    expect(back.pattern).toBe('gpt4');
    expect(BpeTokenizer.fromMinbpeModel(basic.toMinbpeModel()).pattern).toBeNull();
  });

  it('round-trips through the .tiktoken rank format', () => {
    const back = BpeTokenizer.fromTiktoken(trained.toTiktoken(), {
      pattern: 'gpt4',
      specialTokens: trained.specialTokens,
    });
    expect(back.merges).toEqual(trained.merges);
    expect(back.encode(corpus)).toEqual(trained.encode(corpus));
  });

  it('encodes text a custom pattern skips instead of dropping it', () => {
    const tok = BpeTokenizer.fromMerges([], { pattern: '[a-z]+' });
    expect(tok.decode(tok.encode('ab, cd!'))).toBe('ab, cd!');
  });
});
