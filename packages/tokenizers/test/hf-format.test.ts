/**
 * HuggingFace tokenizer.json in both directions, against Python `tokenizers` (fixtures written by
 * test/fixtures/hf/generate_hf_fixtures.py; CI never runs Python):
 * - ours.tokenizer.json is our export of a tokenizer trained on tiny Shakespeare; `tokenizers` loaded it and
 *   recorded its ids for held-out text, which our tokenizer must reproduce.
 * - hf.tokenizer.json was trained by `tokenizers` itself; read with fromHuggingFaceJSON, it must give the
 *   ids and decoded text that `tokenizers` gave.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import cl100k from '../src/encodings/cl100k_base';
import { BpeTokenizer, TokenizerFormatError, byteLevelToBytes, bytesToByteLevel } from '../src/index';

const dataDir = process.env.MAKEMORE_DATA_DIR as string;
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/hf/${name}`, import.meta.url), 'utf8'));
const ids = fixture('hf-ids.json') as {
  texts: string[];
  ours: number[][];
  hf: number[][];
  hf_decoded: string[];
};

describe('byte-level text', () => {
  it("is GPT-2's byte-to-unicode table", () => {
    expect(bytesToByteLevel(new TextEncoder().encode(' hello\n'))).toBe('ĠhelloĊ');
    expect(bytesToByteLevel(Uint8Array.of(0, 0x21, 0x7f, 0xa0, 0xad, 0xff))).toBe('Ā!ġłŃÿ');
    const all = Uint8Array.from({ length: 256 }, (_, b) => b);
    expect(Array.from(byteLevelToBytes(bytesToByteLevel(all))!)).toEqual(Array.from(all));
    expect(byteLevelToBytes('Ġa€')).toBeNull();
  });
});

describe('toHuggingFaceJSON', () => {
  const text = readFileSync(join(dataDir, 'shakespeare.txt'), 'utf8').slice(0, 100_000);
  const ours = BpeTokenizer.train(text, {
    vocabSize: 600,
    pattern: 'gpt4',
    specialTokens: ['<|endoftext|>'],
  });

  it('writes the committed export (which Python tokenizers read for the fixture)', () => {
    expect(ours.toHuggingFaceJSON()).toEqual(fixture('ours.tokenizer.json'));
  });

  it('gives the ids that Python tokenizers gives with that file, on held-out text', () => {
    ids.texts.forEach((t, i) => {
      expect(ours.encode(t, { allowedSpecial: 'all' }), t.slice(0, 40)).toEqual(ids.ours[i]);
    });
  });

  it('round-trips through fromHuggingFaceJSON', () => {
    const again = BpeTokenizer.fromHuggingFaceJSON(JSON.stringify(ours.toHuggingFaceJSON()));
    expect(again.toJSON()).toEqual(ours.toJSON());
    const gpt4 = BpeTokenizer.fromHuggingFaceJSON(cl100k.toHuggingFaceJSON());
    expect(gpt4.pattern).toBe('gpt4');
    expect(gpt4.encode(ids.texts[0]!)).toEqual(cl100k.encode(ids.texts[0]!));
  });
});

describe('fromHuggingFaceJSON', () => {
  const hfJson = fixture('hf.tokenizer.json');
  const hf = BpeTokenizer.fromHuggingFaceJSON(hfJson);

  it("encodes held-out text to Python tokenizers' ids and decodes it back", () => {
    expect(hf.specialTokens).toEqual({ '<|endoftext|>': 0 });
    ids.texts.forEach((t, i) => {
      const got = hf.encode(t, { allowedSpecial: 'all' });
      expect(got, t.slice(0, 40)).toEqual(ids.hf[i]);
      expect(hf.decode(got)).toBe(ids.hf_decoded[i]);
    });
  });

  it('writes back the same vocabulary and merges', () => {
    const back = hf.toHuggingFaceJSON() as { model: { vocab: unknown; merges: unknown } };
    expect(back.model.vocab).toEqual(hfJson.model.vocab);
    expect(back.model.merges).toEqual(hfJson.model.merges);
  });

  it('names what it cannot read', () => {
    const copy = () => structuredClone(hfJson);
    const wordPiece = { ...copy(), model: { ...copy().model, type: 'WordPiece' } };
    expect(() => BpeTokenizer.fromHuggingFaceJSON(wordPiece)).toThrow(
      /model type is .*WordPiece.*only "BPE"/,
    );
    const normalized = { ...copy(), normalizer: { type: 'NFC' } };
    expect(() => BpeTokenizer.fromHuggingFaceJSON(normalized)).toThrow(/normalizer/);
    const prefix = copy();
    prefix.pre_tokenizer.pretokenizers[1].add_prefix_space = true;
    expect(() => BpeTokenizer.fromHuggingFaceJSON(prefix)).toThrow(/prefix space/);
    const noByte = copy();
    noByte.pre_tokenizer = null;
    expect(() => BpeTokenizer.fromHuggingFaceJSON(noByte)).toThrow(/not byte-level BPE/);
    const reordered = copy();
    reordered.model.merges.reverse();
    expect(() => BpeTokenizer.fromHuggingFaceJSON(reordered)).toThrow(TokenizerFormatError);
    expect(() => BpeTokenizer.fromHuggingFaceJSON('{')).toThrow(/not valid JSON/);
  });
});
