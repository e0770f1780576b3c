/** The README's examples, run as written (file paths pointed at the offline copies). */
import { mkdtemp, rm } from 'node:fs/promises';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import enc from '../src/encodings/cl100k_base';
import {
  BpeTokenizer,
  CharTokenizer,
  TIKTOKEN_PRESETS,
  encodingForModel,
  getEncoding,
  tokenizerFromJSON,
} from '../src/index';
import { loadTokenizerFile, saveTokenizerFile } from '../src/node';

const require = createRequire(import.meta.url);
const dataDir = process.env.MAKEMORE_DATA_DIR as string;

describe('README examples', () => {
  it('the first example: cl100k in three lines', () => {
    const ids = enc.encode('The quick brown fox jumps over the lazy dog.');
    expect(ids).toEqual([791, 4062, 14198, 39935, 35308, 927, 279, 16053, 5679, 13]);
    expect(enc.decode(ids)).toBe('The quick brown fox jumps over the lazy dog.');
  });

  it("OpenAI's encodings by name and model, counting", async () => {
    const gpt4o = await encodingForModel('gpt-4o');
    const gpt4 = await getEncoding('cl100k_base');
    expect(gpt4).toBe(enc);
    const text = 'Count me, but stop early when I am too long.';
    expect(gpt4o.countTokens(text)).toBe(12);
    expect(gpt4.isWithinTokenLimit(text, 5)).toBe(false);
    expect(gpt4.isWithinTokenLimit(text, 100)).toBe(12);
  });

  it('streaming decode', () => {
    const decoder = enc.createDecoder();
    const parts: string[] = [];
    for (const id of enc.encode('Hi 👋 there')) parts.push(decoder.write([id]));
    parts.push(decoder.end());
    expect(parts.join('')).toBe('Hi 👋 there');
    expect(parts.join('')).not.toContain('\uFFFD');
  });

  it('characters', () => {
    const words = ['emma', 'olivia', 'ava'];
    const chars = CharTokenizer.fromText(words.join(''), { specialTokens: ['.'] });
    expect(chars.vocab).toEqual(['.', 'a', 'e', 'i', 'l', 'm', 'o', 'v']);
    expect(chars.encode('.emma.')).toEqual([0, 2, 5, 5, 1, 0]);
    expect(chars.decode([0, 2, 5, 5, 1, 0])).toBe('.emma.');
  });

  it('byte-level BPE, saving and loading', async () => {
    const text = 'the cat sat on the mat. the cat ate the rat. '.repeat(50);
    const bpe = BpeTokenizer.train(text, {
      vocabSize: 270,
      pattern: 'gpt4',
      specialTokens: ['<|endoftext|>'],
    });
    const ids = bpe.encode('the cat<|endoftext|>', { allowedSpecial: 'all' });
    expect(bpe.decode(ids)).toBe('the cat<|endoftext|>');
    expect(bpe.tokenBytes(ids[0]!)).toBeInstanceOf(Uint8Array);
    const again = tokenizerFromJSON(JSON.stringify(bpe));
    expect(again.encode(text)).toEqual(bpe.encode(text));
    expect(BpeTokenizer.fromMinbpeModel(bpe.toMinbpeModel()).merges).toEqual(bpe.merges);

    const dir = await mkdtemp(join(tmpdir(), 'readme-'));
    await saveTokenizerFile(join(dir, 'tok.json'), bpe);
    const tok = await loadTokenizerFile(join(dir, 'tok.json'));
    expect(tok.encode('the rat')).toEqual(bpe.encode('the rat'));
    await rm(dir, { recursive: true });
  });

  it('training on a large corpus, from a file stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'readme-'));
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, readFileSync(join(dataDir, 'shakespeare.txt'), 'utf8').slice(0, 300_000));
    const tok = await BpeTokenizer.train(createReadStream(corpus, { encoding: 'utf8' }), {
      vocabSize: 4096,
      specialTokens: ['<|endoftext|>'],
    });
    expect(tok.vocabSize).toBe(4096);
    await rm(dir, { recursive: true });
  });

  it('HuggingFace tokenizer.json', () => {
    const text = 'the cat sat on the mat. the cat ate the rat. '.repeat(50);
    const bpe = BpeTokenizer.train(text, { vocabSize: 270, specialTokens: ['<|endoftext|>'] });
    const again = BpeTokenizer.fromHuggingFaceJSON(bpe.toHuggingFaceJSON());
    expect(again.encode('the cat')).toEqual(bpe.encode('the cat'));
  });

  it("GPT-4's vocabulary", () => {
    const path = require.resolve('gpt-tokenizer/data/cl100k_base.tiktoken');
    const gpt4 = BpeTokenizer.fromTiktoken(readFileSync(path, 'utf8'), TIKTOKEN_PRESETS.cl100k_base);
    expect(gpt4.encode('hello world')).toEqual([15339, 1917]);
  });
});
