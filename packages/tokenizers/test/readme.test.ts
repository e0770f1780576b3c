/** The README's examples, run as written (file paths pointed at the offline copies). */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer, CharTokenizer, TIKTOKEN_PRESETS, tokenizerFromJSON } from '../src/index';
import { loadTokenizerFile, saveTokenizerFile } from '../src/node';

const require = createRequire(import.meta.url);

describe('README examples', () => {
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

  it("GPT-4's vocabulary", () => {
    const path = require.resolve('gpt-tokenizer/data/cl100k_base.tiktoken');
    const gpt4 = BpeTokenizer.fromTiktoken(readFileSync(path, 'utf8'), TIKTOKEN_PRESETS.cl100k_base);
    expect(gpt4.encode('hello world')).toEqual([15339, 1917]);
  });
});
