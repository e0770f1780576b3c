// Statistics against numbers known from the makemore lecture and SOURCES.md.
import { describe, expect, it } from 'vitest';
import { bigramCounts, charFrequencies, datasetStats, vocabulary, wordStats } from '../src/index.js';
import { loadDataset } from '../src/node.js';
import { DATA_DIR, LETTERS, charTokenizer } from './helpers.js';

const names = await loadDataset('names', { dataDir: DATA_DIR });
const verbs = await loadDataset('verbs', { dataDir: DATA_DIR });
const words = names.words as string[];

describe('bigramCounts', () => {
  it("is the lecture's 27×27 table for names", () => {
    const b = bigramCounts(words);
    expect(b.size).toBe(27);
    expect(b.tokens.join('')).toBe(`.${LETTERS}`);
    expect(b.counts.reduce((s, c) => s + c, 0)).toBe(228146);
    const at = (a: string, c: string) => b.counts[b.tokens.indexOf(a) * 27 + b.tokens.indexOf(c)];
    expect(at('.', '.')).toBe(0);
    expect(at('.', 'a')).toBe(4410); // names starting with a
    expect(at('n', '.')).toBe(words.filter((w) => w.endsWith('n')).length);
    expect(at('e', 'm')).toBe(words.reduce((s, w) => s + (w.match(/em/g)?.length ?? 0), 0));
    // every token is entered as often as it is left; the boundary starts and ends each name
    for (let i = 0; i < 27; i++) {
      let out = 0;
      let inn = 0;
      for (let j = 0; j < 27; j++) {
        out += b.counts[i * 27 + j] as number;
        inn += b.counts[j * 27 + i] as number;
      }
      expect(out).toBe(inn);
    }
    expect(Array.from(b.counts.subarray(0, 27)).reduce((s, c) => s + c, 0)).toBe(32033);
  });

  it('matches with a tokenizer that puts the boundary at 0', () => {
    const b = bigramCounts(words, { tokenizer: charTokenizer(LETTERS) });
    expect(Array.from(b.counts)).toEqual(Array.from(bigramCounts(words).counts));
    expect(b.tokens[0]).toBe('.');
  });

  it('refuses words containing the default boundary character', () => {
    expect(() => bigramCounts(['a.b'])).toThrow(/reserves/);
  });
});

describe('word statistics', () => {
  it('names: 2 to 15 characters, histogram sums to the count', () => {
    const s = wordStats(words);
    expect([s.count, s.distinct, s.minLength, s.maxLength, s.empty]).toEqual([32033, 29494, 2, 15, 0]);
    expect(s.lengthHistogram.reduce((a, b) => a + b, 0)).toBe(32033);
    expect(s.lengthHistogram[2]).toBe(words.filter((w) => w.length === 2).length);
    expect(s.meanLength).toBeCloseTo((228145 - 32032) / 32033, 10);
  });

  it('verbs: reports melt as the one duplicate instead of dropping it', () => {
    const s = wordStats(verbs.words as string[]);
    expect(s.count).toBe(1042);
    expect(s.distinct).toBe(1041);
    expect(s.duplicates).toEqual([{ word: 'melt', count: 2 }]);
  });
});

describe('characters', () => {
  it('vocabulary of names is the 26 letters; of verbs adds the hyphen', () => {
    expect(vocabulary(words).join('')).toBe(LETTERS);
    expect(vocabulary(verbs.words as string[]).join('')).toBe(`-${LETTERS}`);
    expect(vocabulary('héllo wörld')).toEqual([' ', 'd', 'h', 'l', 'o', 'r', 'w', 'é', 'ö']);
  });

  it('treats an astral character (surrogate pair) as one character', () => {
    expect(vocabulary('a😀b😀')).toEqual(['a', 'b', '😀']);
    expect(charFrequencies('a😀b😀')[0]).toEqual(['😀', 2]);
    const b = bigramCounts(['a😀', '😀']);
    expect(b.tokens).toEqual(['.', 'a', '😀']);
    expect(Array.from(b.counts)).toEqual([0, 1, 1, 0, 0, 1, 2, 0, 0]);
    expect(wordStats(['a😀']).maxLength).toBe(2);
  });

  it('counts characters, most frequent first', () => {
    expect(charFrequencies('abracadabra')).toEqual([
      ['a', 5],
      ['b', 2],
      ['r', 2],
      ['c', 1],
      ['d', 1],
    ]);
    const f = charFrequencies(words);
    expect(f[0]?.[0]).toBe('a');
    expect(f.reduce((s, [, c]) => s + c, 0)).toBe(228145 - 32032);
  });

  it('datasetStats summarises a dataset for the CLI and the demo', async () => {
    const s = datasetStats(names);
    expect([s.name, s.kind, s.characters, s.lines]).toEqual(['names', 'words', 228145, 32033]);
    expect(s.vocabulary.join('')).toBe(`\n${LETTERS}`);
    expect(s.words?.count).toBe(32033);
    const shakespeare = datasetStats(await loadDataset('shakespeare', { dataDir: DATA_DIR }));
    expect([shakespeare.characters, shakespeare.lines, shakespeare.vocabulary.length]).toEqual([
      1115394, 40000, 65,
    ]);
  });
});
