// Token shards: a streaming encode equals encoding the whole text, whatever the chunk size; the split is
// the first line boundary at or after 90% of the bytes; files, counts and checksums match the index.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BpeTokenizer, CharTokenizer } from '@makemore/tokenizers';
import { afterAll, describe, expect, it } from 'vitest';
import { collectCharacters, prepareTokenShards } from '../src/node.js';

const work = mkdtempSync(join(tmpdir(), 'makemore-shards-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const lines = Array.from(
  { length: 400 },
  (_, i) => `Line ${i}: ünïcode ${'ab '.repeat(i % 7)}🙂\n${i % 5 === 0 ? '\n  indented\n' : ''}`,
);
const text = lines.join('');
const input = join(work, 'corpus.txt');
writeFileSync(input, text);

function readIds(dir: string, files: { file: string }[], width: 2 | 4): number[] {
  const out: number[] = [];
  for (const { file } of files) {
    const b = readFileSync(join(dir, file));
    for (let i = 0; i < b.length; i += width) out.push(width === 2 ? b.readUInt16LE(i) : b.readUInt32LE(i));
  }
  return out;
}

describe('prepareTokenShards', () => {
  it('collects the characters in a streaming pass', async () => {
    expect((await collectCharacters(input)).join('')).toBe([...new Set(text)].sort().join(''));
  });

  it.each([
    ['char', 64, 1000],
    ['bpe', 100, 3000],
  ])(
    '%s: tiny chunks and shards give the ids of the whole text, split at a line boundary near 90%%',
    async (kind, chunkBytes, shardTokens) => {
      const tokenizer =
        kind === 'char'
          ? CharTokenizer.fromText(text)
          : BpeTokenizer.train(text, { vocabSize: 300, pattern: 'gpt4' });
      const dir = join(work, kind);
      const index = await prepareTokenShards({ input, outDir: dir, tokenizer, chunkBytes, shardTokens });
      const bytes = Buffer.byteLength(text);
      const atByte = index.split.atByte;
      expect(atByte).toBeGreaterThanOrEqual(Math.floor(bytes * 0.9));
      const cutChars = Buffer.from(text).subarray(0, atByte).toString('utf8').length;
      expect(text[cutChars - 1]).toBe('\n');
      const train = readIds(dir, index.splits.train, 2);
      const val = readIds(dir, index.splits.val, 2);
      expect(train).toEqual(tokenizer.encode(text.slice(0, cutChars)));
      expect(val).toEqual(tokenizer.encode(text.slice(cutChars)));
      expect(index.splits.train.length).toBeGreaterThan(1);
      for (const shard of [...index.splits.train, ...index.splits.val]) {
        const b = readFileSync(join(dir, shard.file));
        expect(b.length).toBe(shard.tokens * 2);
        expect(createHash('sha256').update(b).digest('hex')).toBe(shard.sha256);
      }
      expect(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'))).toEqual(index);
    },
  );

  it('writes uint32 ids for a vocabulary over 65,536 and refuses a text too small to split', async () => {
    const big = {
      encode: (s: string) => [...s].map((c) => 70_000 + (c.codePointAt(0) as number)),
      decode: () => '',
      vocabSize: 200_000,
    };
    const index = await prepareTokenShards({ input, outDir: join(work, 'u32'), tokenizer: big });
    expect(index.dtype).toBe('uint32');
    expect(readIds(join(work, 'u32'), index.splits.train, 4).slice(0, 2)).toEqual([
      70_000 + 76,
      70_000 + 105,
    ]);
    const one = join(work, 'one-line.txt');
    writeFileSync(one, 'just one line\n');
    await expect(
      prepareTokenShards({
        input: one,
        outDir: join(work, 'one'),
        tokenizer: CharTokenizer.fromText('just one line\n'),
      }),
    ).rejects.toThrow(/too small to split/);
  });
});
