/**
 * The bundled encodings: each `@makemore/tokenizers/encodings/<name>` module must hold exactly the
 * vocabulary of OpenAI's published `.tiktoken` file (checked merge by merge against the file, whose SHA-256
 * is tiktoken's expected hash), and encode a set of texts to Python tiktoken's ids (fixtures written by
 * test/fixtures/generate_tiktoken_fixtures.py). Also the name and model lookups.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import cl100kEncoder from 'gpt-tokenizer/encoding/cl100k_base';
import p50kEncoder from 'gpt-tokenizer/encoding/p50k_base';
import { describe, expect, it } from 'vitest';
import { EXPECTED_SHA256 } from '../scripts/tiktoken-hashes';
import cl100k from '../src/encodings/cl100k_base';
import o200k from '../src/encodings/o200k_base';
import p50k from '../src/encodings/p50k_base';
import r50k from '../src/encodings/r50k_base';
import {
  BpeTokenizer,
  ENCODING_NAMES,
  type EncodingName,
  TIKTOKEN_PRESETS,
  encodingForModel,
  encodingNameForModel,
  getEncoding,
} from '../src/index';

const require = createRequire(import.meta.url);
const bundled: Record<EncodingName, BpeTokenizer> = {
  r50k_base: r50k,
  p50k_base: p50k,
  cl100k_base: cl100k,
  o200k_base: o200k,
};
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/tiktoken-ids.json', import.meta.url), 'utf8'),
) as {
  texts: string[];
  ids: Record<EncodingName, number[][]>;
};

describe.each(ENCODING_NAMES)('bundled %s', (name) => {
  const tok = bundled[name];

  it("holds the published .tiktoken file's vocabulary exactly", () => {
    const file = readFileSync(require.resolve(`gpt-tokenizer/data/${name}.tiktoken`));
    expect(createHash('sha256').update(file).digest('hex')).toBe(EXPECTED_SHA256[name]);
    const reference = BpeTokenizer.fromTiktoken(file.toString('utf8'), TIKTOKEN_PRESETS[name]);
    expect(tok.vocabSize).toBe(reference.vocabSize);
    expect(tok.specialTokens).toEqual(TIKTOKEN_PRESETS[name].specialTokens);
    expect(tok.toJSON()).toEqual(reference.toJSON());
    expect(tok.toTiktoken()).toBe(file.toString('utf8'));
  });

  it("encodes the fixture texts to Python tiktoken's ids", () => {
    fixture.texts.forEach((text, i) => {
      expect(tok.encodeOrdinary(text), text).toEqual(fixture.ids[name][i]);
      expect(tok.countTokens(text, { disallowedSpecial: 'none' })).toBe(fixture.ids[name][i]!.length);
    });
  });

  it('is what getEncoding returns', async () => {
    expect(await getEncoding(name)).toBe(tok);
  });
});

describe('encodings against gpt-tokenizer on a longer text', () => {
  const text = readFileSync(require.resolve('gpt-tokenizer/data/TestPlans.txt'), 'utf8');

  it('p50k_base and cl100k_base give the same ids', () => {
    expect(p50k.encode(text, { disallowedSpecial: 'none' })).toEqual(p50kEncoder.encode(text));
    expect(cl100k.encode(text, { disallowedSpecial: 'none' })).toEqual(cl100kEncoder.encode(text));
  });
});

describe('encodingForModel', () => {
  it('maps model names and dated snapshots to their encodings', async () => {
    expect(encodingNameForModel('gpt-4o')).toBe('o200k_base');
    expect(encodingNameForModel('gpt-4o-2024-05-13')).toBe('o200k_base');
    expect(encodingNameForModel('gpt-4.1-mini')).toBe('o200k_base');
    expect(encodingNameForModel('gpt-4')).toBe('cl100k_base');
    expect(encodingNameForModel('gpt-4-0613')).toBe('cl100k_base');
    expect(encodingNameForModel('gpt-3.5-turbo-16k')).toBe('cl100k_base');
    expect(encodingNameForModel('text-embedding-3-small')).toBe('cl100k_base');
    expect(encodingNameForModel('text-davinci-003')).toBe('p50k_base');
    expect(encodingNameForModel('gpt2')).toBe('r50k_base');
    expect(encodingNameForModel('davinci')).toBe('r50k_base');
    expect(await encodingForModel('gpt-4o')).toBe(o200k);
    expect(await encodingForModel('gpt-3.5-turbo')).toBe(cl100k);
  });

  it('names the unknown model and the way out', async () => {
    expect(() => encodingNameForModel('llama-3')).toThrow(/Unknown model "llama-3".*getEncoding/);
    expect(() => encodingNameForModel('constructor')).toThrow(RangeError);
    await expect(encodingForModel('claude')).rejects.toThrow(RangeError);
    await expect(getEncoding('gpt2' as EncodingName)).rejects.toThrow(
      /Unknown encoding "gpt2".*r50k_base, p50k_base, cl100k_base, o200k_base/,
    );
  });
});
