import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyString } from '../test/arbitraries';
import { CharTokenizer } from './char';
import { TokenizerFormatError } from './errors';

const dataDir = process.env.MAKEMORE_DATA_DIR as string;

describe('CharTokenizer', () => {
  it("builds makemore's 27-token vocabulary from names.txt: '.' = 0, a = 1 … z = 26", () => {
    const names = readFileSync(join(dataDir, 'names.txt'), 'utf8').split('\n').filter(Boolean);
    const tok = CharTokenizer.fromText(names.join(''), { specialTokens: ['.'] });
    expect(tok.vocabSize).toBe(27);
    expect(tok.vocab[0]).toBe('.');
    expect(tok.vocab[1]).toBe('a');
    expect(tok.vocab[26]).toBe('z');
    expect(tok.encode('.emma.')).toEqual([0, 5, 13, 13, 1, 0]);
    expect(tok.decode([0, 5, 13, 13, 1, 0])).toBe('.emma.');
  });

  it('sorts by code point and keeps astral characters and emoji as single tokens', () => {
    const tok = CharTokenizer.fromText('b😀a\uFFFDé');
    expect(tok.vocab).toEqual(['a', 'b', 'é', '\uFFFD', '😀']);
    expect(tok.encode('😀a')).toEqual([4, 0]);
  });

  it('round-trips any string it was built from, lone surrogates included', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const tok = CharTokenizer.fromText(s, { specialTokens: ['.', '<|eot|>'] });
        expect(tok.decode(tok.encode(s))).toBe(s);
        const back = CharTokenizer.fromJSON(JSON.stringify(tok));
        expect(back.encode(s)).toEqual(tok.encode(s));
      }),
      { numRuns: 300 },
    );
  });

  it('matches multi-character special tokens in text', () => {
    const tok = CharTokenizer.fromText('ab', { specialTokens: ['<s>', '.'] });
    expect(tok.vocab).toEqual(['<s>', '.', 'a', 'b']);
    expect(tok.encode('<s>ab.')).toEqual([0, 2, 3, 1]);
  });

  it('raises on an unknown character, naming it and its index', () => {
    const tok = CharTokenizer.fromText('abc😀');
    expect(() => tok.encode('ab😀z')).toThrow(/Unknown character "z" \(U\+007A\) at code-point index 3/);
    expect(() => tok.encode('ab😀z')).toThrow(RangeError);
  });

  it('maps unknown characters to <unk> (the last id) when asked', () => {
    const tok = CharTokenizer.fromText('abc', { unknown: '<unk>' });
    expect(tok.vocab).toEqual(['a', 'b', 'c', '<unk>']);
    expect(tok.encode('axb')).toEqual([0, 3, 1]);
    expect(tok.decode(tok.encode('axb'))).toBe('a<unk>b');
  });

  it('checks vocabSize against the alphabet and reserves extra ids', () => {
    expect(() => CharTokenizer.fromText('abc', { vocabSize: 2 })).toThrow(/at least 3 ids/);
    const tok = CharTokenizer.fromText('abc', { vocabSize: 8 });
    expect(tok.vocabSize).toBe(8);
    expect(() => tok.decode([5])).toThrow(/reserved/);
  });

  it('raises on bad input', () => {
    const tok = CharTokenizer.fromText('abc');
    expect(() => tok.encode(5 as unknown as string)).toThrow(/expects a string, but got number 5/);
    expect(() => tok.decode([0, 7])).toThrow(/Unknown token id number 7 at index 1/);
    expect(() => tok.decode([0.5])).toThrow(RangeError);
    expect(() => CharTokenizer.fromText(null as unknown as string)).toThrow(TypeError);
  });

  it('saves a versioned JSON with a type field and rejects malformed JSON', () => {
    const json = CharTokenizer.fromText('hello', { specialTokens: ['.'] }).toJSON();
    expect(json).toEqual({
      type: 'char',
      version: 1,
      vocab: ['.', 'e', 'h', 'l', 'o'],
      specialTokens: ['.'],
      unknown: 'error',
      vocabSize: 5,
    });
    expect(() => CharTokenizer.fromJSON({ ...json, version: 9 } as never)).toThrow(TokenizerFormatError);
    expect(() => CharTokenizer.fromJSON({ ...json, vocab: ['.', 'ab'] } as never)).toThrow(
      /not a single character/,
    );
    expect(() => CharTokenizer.fromJSON('[1,2]')).toThrow(/expected a tokenizer object/);
  });
});
