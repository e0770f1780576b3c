import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BpeTokenizer, CharTokenizer, TIKTOKEN_PRESETS, loadTokenizerFile, saveTokenizerFile } from './node';

const dirPromise = mkdtemp(join(tmpdir(), 'makemore-tokenizers-'));
afterAll(async () => rm(await dirPromise, { recursive: true, force: true }));

describe('tokenizer files', () => {
  const bpe = BpeTokenizer.train('low lower lowest newer newest', {
    vocabSize: 270,
    specialTokens: ['<|eot|>'],
  });

  it('saves and loads JSON of both kinds', async () => {
    const dir = await dirPromise;
    const char = CharTokenizer.fromText('abc', { specialTokens: ['.'] });
    await saveTokenizerFile(join(dir, 'char.json'), char);
    await saveTokenizerFile(join(dir, 'bpe.json'), bpe);
    const c = await loadTokenizerFile(join(dir, 'char.json'));
    const b = await loadTokenizerFile(join(dir, 'bpe.json'));
    expect(c.encode('.cab')).toEqual([0, 3, 1, 2]);
    expect(b.encode('lowest newer')).toEqual(bpe.encode('lowest newer'));
    expect(JSON.parse(await readFile(join(dir, 'bpe.json'), 'utf8')).type).toBe('bpe');
  });

  it('saves and loads minbpe .model files', async () => {
    const dir = await dirPromise;
    await saveTokenizerFile(join(dir, 'bpe.model'), bpe);
    expect((await readFile(join(dir, 'bpe.model'), 'utf8')).startsWith('minbpe v1\n')).toBe(true);
    const b = (await loadTokenizerFile(join(dir, 'bpe.model'))) as BpeTokenizer;
    expect(b.merges).toEqual(bpe.merges);
    await expect(saveTokenizerFile(join(dir, 'c.model'), CharTokenizer.fromText('a'))).rejects.toThrow(
      TypeError,
    );
  });

  it('loads .tiktoken files, picking the preset from the file name or the options', async () => {
    const dir = await dirPromise;
    await writeFile(join(dir, 'r50k_base.tiktoken'), bpe.toTiktoken());
    await writeFile(join(dir, 'mine.tiktoken'), bpe.toTiktoken());
    const named = (await loadTokenizerFile(join(dir, 'r50k_base.tiktoken'))) as BpeTokenizer;
    expect(named.pattern).toBe('gpt2');
    expect(named.specialTokens).toEqual(TIKTOKEN_PRESETS.r50k_base.specialTokens);
    await expect(loadTokenizerFile(join(dir, 'mine.tiktoken'))).rejects.toThrow(
      /cannot tell the split pattern/,
    );
    const given = (await loadTokenizerFile(join(dir, 'mine.tiktoken'), {
      tiktoken: { pattern: 'gpt4' },
    })) as BpeTokenizer;
    expect(given.encode('lowest')).toEqual(bpe.encode('lowest'));
  });

  it('names the file in errors', async () => {
    const dir = await dirPromise;
    await writeFile(join(dir, 'broken.json'), '{"type":"bpe"');
    await expect(loadTokenizerFile(join(dir, 'broken.json'))).rejects.toThrow(
      /broken\.json: json: not valid JSON/,
    );
  });
});
