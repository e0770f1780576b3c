import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GPT2_SPLIT_PATTERN,
  GPT4_SPLIT_PATTERN,
  O200K_SPLIT_PATTERN,
  SPLIT_FLAGS,
  resolvePattern,
} from './patterns';

const split = (pattern: string, text: string): string[] => text.match(new RegExp(pattern, SPLIT_FLAGS)) ?? [];

// The patterns as published for Python/Rust, transcribed with JavaScript's \s: they agree with ours on every
// string without U+0085, U+FEFF or ſ, so random text must split the same way.
const JS_GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const JS_GPT4 =
  "'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s+$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s";

const pieces = fc.array(
  fc.constantFrom(
    ' ',
    '  ',
    '\n',
    '\r\n',
    '\t',
    '\u00a0',
    '\u3000',
    "'s",
    "'S",
    "'ll",
    "'Re",
    "n't",
    'a',
    'Z',
    'hello',
    'World',
    '123',
    '4567890',
    '½',
    '٣',
    '!',
    '?!',
    '...',
    '/',
    '{',
    '你好',
    '안녕',
    '👨‍👩‍👧',
    'é',
    'e\u0301',
    'ǅ',
    'ʰ',
    'Ǆa',
  ),
  { maxLength: 25 },
);

describe('split patterns', () => {
  it('cover every character: the pieces join back to the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        for (const p of [GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN, O200K_SPLIT_PATTERN])
          expect(split(p, s).join('')).toBe(s);
      }),
    );
  });

  it('split like the original GPT-2 and GPT-4 patterns on text without the engine-specific characters', () => {
    fc.assert(
      fc.property(pieces, (parts) => {
        const s = parts.join('');
        expect(split(GPT2_SPLIT_PATTERN, s)).toEqual(split(JS_GPT2, s));
        expect(split(GPT4_SPLIT_PATTERN, s)).toEqual(split(JS_GPT4, s));
      }),
      { numRuns: 500 },
    );
  });

  it('split hand-checked GPT-4 examples', () => {
    expect(split(GPT4_SPLIT_PATTERN, "I'M don't  1234567 x\n\n  y")).toEqual([
      'I',
      "'M",
      ' don',
      "'t",
      ' ',
      ' ',
      '123',
      '456',
      '7',
      ' x',
      '\n\n',
      ' ',
      ' y',
    ]);
    expect(split(GPT4_SPLIT_PATTERN, 'a   ')).toEqual(['a', '   ']);
    expect(split(GPT4_SPLIT_PATTERN, 'x+=1;\n')).toEqual(['x', '+=', '1', ';\n']);
  });

  it('keep trailing whitespace after a newline in one piece, as current tiktoken does', () => {
    // tiktoken's cl100k pattern gained `\s++$` (as 0.14 has it); the older `\s*[\r\n]+|\s+(?!\S)|\s+` split
    // this into "\r\n" and " ".
    expect(split(GPT4_SPLIT_PATTERN, 'a\r\n ')).toEqual(['a', '\r\n ']);
    expect(split(GPT4_SPLIT_PATTERN, 'a\r\n b')).toEqual(['a', '\r\n', ' b']);
  });

  it("treat U+0085 as whitespace and U+FEFF as not, like Rust's \\s", () => {
    // Rust: \s+(?!\S) takes one U+0085, then [^\r\n\p{L}\p{N}]?\p{L}+ takes "U+0085 b".
    expect(split(GPT4_SPLIT_PATTERN, 'a\u0085\u0085b')).toEqual(['a', '\u0085', '\u0085b']);
    // U+FEFF is punctuation-like for Rust: one piece of two, then the letter.
    expect(split(GPT4_SPLIT_PATTERN, 'a\uFEFF\uFEFFb')).toEqual(['a', '\uFEFF\uFEFF', 'b']);
    expect(split(GPT2_SPLIT_PATTERN, 'a\u0085\u0085 b')).toEqual(['a', '\u0085\u0085', ' b']);
  });

  it("fold case in contractions like Rust's (?i:...), so 'ſ is a contraction", () => {
    expect(split(GPT4_SPLIT_PATTERN, "it'ſx")).toEqual(['it', "'ſ", 'x']);
    expect(split(O200K_SPLIT_PATTERN, "IT'ſ")).toEqual(["IT'ſ"]);
    expect(split(GPT2_SPLIT_PATTERN, "it'Sx")).toEqual(['it', "'", 'Sx']);
  });

  it('split o200k at case changes and keep contractions on the word', () => {
    expect(split(O200K_SPLIT_PATTERN, "HelloWorld don't ABCdef 12345")).toEqual([
      'Hello',
      'World',
      " don't",
      ' ABCdef',
      ' ',
      '123',
      '45',
    ]);
    expect(split(O200K_SPLIT_PATTERN, 'path/to\n/file')).toEqual(['path', '/to', '\n', '/file']);
  });

  it('resolve names, published sources and custom patterns', () => {
    expect(resolvePattern('gpt4')).toEqual({ name: 'gpt4', source: GPT4_SPLIT_PATTERN });
    expect(resolvePattern('cl100k_base').name).toBe('gpt4');
    expect(resolvePattern(JS_GPT2).name).toBe('gpt2');
    expect(resolvePattern(null)).toEqual({ name: null, source: null });
    expect(resolvePattern('\\w+|\\W')).toEqual({ name: null, source: '\\w+|\\W' });
    expect(() => resolvePattern('a++(')).toThrow(/not a valid JavaScript regex/);
  });
});
