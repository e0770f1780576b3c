// Loading the built-in datasets from a data folder and custom data from files, folders and memory,
// checked against the facts in SOURCES.md, plus the errors for bad input.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetError,
  datasetFromDocuments,
  datasetFromText,
  datasetFromWords,
  datasetPath,
  joinDocuments,
  loadDataset,
  locateDataset,
  requireWords,
} from '../src/node.js';
import { DATA_DIR } from './helpers.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'makemore-load-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const env = { MAKEMORE_DATA_DIR: DATA_DIR };
const noCache = () => join(tmp, 'empty-cache');

describe('built-in datasets from MAKEMORE_DATA_DIR', () => {
  it('names: 32,033 names starting emma, olivia, ava, isabella, sophia', async () => {
    const ds = await loadDataset('names', { env, cacheDir: noCache(), download: false });
    expect(ds.kind).toBe('words');
    expect(ds.words).toHaveLength(32033);
    expect(ds.words?.slice(0, 5)).toEqual(['emma', 'olivia', 'ava', 'isabella', 'sophia']);
    expect(ds.text).toHaveLength(228145);
    expect(ds.info.licence).toMatch(/MIT/);
    expect(ds.info.files[0]?.url).toContain('988aa59e4d8fefa526d06f3b453ad116258398d4');
  });

  it('verbs: 1,042 raw lines with melt twice, 1,041 distinct, x-ray kept', async () => {
    const ds = await loadDataset('verbs', { env, cacheDir: noCache(), download: false });
    const words = requireWords(ds);
    expect(words).toHaveLength(1042);
    expect(words.filter((w) => w === 'melt')).toHaveLength(2);
    expect(ds.distinctWords).toHaveLength(1041);
    expect(ds.distinctWords?.filter((w) => w === 'melt')).toHaveLength(1);
    expect(words).toContain('x-ray');
    expect(words.slice(0, 7)).toEqual([
      'abide',
      'accelerate',
      'accept',
      'accomplish',
      'achieve',
      'acquire',
      'acted',
    ]);
  });

  it('shakespeare: 1,115,394 characters starting "First Citizen:"', async () => {
    const ds = await loadDataset('shakespeare', { env, cacheDir: noCache(), download: false });
    expect(ds.kind).toBe('text');
    expect(ds.text).toHaveLength(1115394);
    expect(ds.text.startsWith('First Citizen:')).toBe(true);
    expect(ds.words).toBeUndefined();
    expect(() => requireWords(ds)).toThrow(/text dataset, not a words dataset/);
  });

  it('sotu: 227 documents with president and year, joined into the pinned 10,602,521-character stream', async () => {
    const ds = await loadDataset('sotu', { env, cacheDir: noCache(), download: false });
    const docs = ds.documents ?? [];
    expect(docs).toHaveLength(227);
    expect(ds.text).toHaveLength(10602521);
    expect(createHash('sha256').update(ds.text).digest('hex')).toBe(
      '24942d34880e96e297e276df5599159c46d799b7c0fcead02163020fa8123fde',
    );
    expect(docs[0]).toMatchObject({ id: 'Adams_1797', president: 'Adams', year: 1797 });
    expect(
      docs[0]?.text.startsWith('Gentlemen of the Senate and Gentlemen of the House of Representatives:'),
    ).toBe(true);
    expect(docs.find((d) => d.id === 'Trump_2018')).toMatchObject({ president: 'Trump', year: 2018 });
    expect(docs.filter((d) => d.president === 'Washington').map((d) => d.year)).toEqual([
      1791, 1792, 1793, 1794, 1795, 1796,
    ]);
    expect(joinDocuments(docs, '\n\n')).toHaveLength(10602521 + 2 * 226);
  });

  it('finds files through dataDir, then MAKEMORE_DATA_DIR, then the cache', () => {
    expect(locateDataset('names', { dataDir: DATA_DIR })?.source).toBe('dataDir');
    expect(locateDataset('names', { env, cacheDir: noCache() })).toMatchObject({
      source: 'MAKEMORE_DATA_DIR',
      path: join(DATA_DIR, 'names.txt'),
    });
    expect(locateDataset('names', { env: {}, cacheDir: DATA_DIR })?.source).toBe('cache');
    expect(datasetPath('sotu', { dataDir: DATA_DIR })).toBe(join(DATA_DIR, 'state_of_the_union'));
    expect(datasetPath('names', { env: {}, cacheDir: noCache() })).toBeNull();
    expect(locateDataset('names', { env: { XDG_CACHE_HOME: tmp } })).toBeNull();
  });

  it('refuses a data folder whose file does not match the pinned sha256', async () => {
    const dir = join(tmp, 'bad-data');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'verbs.txt'), 'run\nwalk\n');
    const err = await loadDataset('verbs', { dataDir: dir }).catch((e) => e);
    expect(err.code).toBe('CHECKSUM_MISMATCH');
    expect(err.message).toContain('9fbf5e4e69b8869aebd88e6d545312ff9f878a747327ede5f6dbbba5c27b08ad');
    expect(err.message).toContain(createHash('sha256').update('run\nwalk\n').digest('hex'));
    const ds = await loadDataset('verbs', { dataDir: dir, verify: false });
    expect(ds.words).toEqual(['run', 'walk']);
  });

  it('names the missing files of an explicit dataDir', async () => {
    await expect(loadDataset('shakespeare', { dataDir: join(tmp, 'nothing') })).rejects.toThrow(
      /lacks 1 file\(s\) of "shakespeare", e.g. shakespeare.txt/,
    );
  });

  it('with download off, says how to provide the data', async () => {
    const err = await loadDataset('sotu', { env: {}, cacheDir: noCache(), download: false }).catch((e) => e);
    expect(err.code).toBe('OFFLINE');
    expect(err.message).toContain('makemore datasets download sotu');
    expect(err.message).toContain('MAKEMORE_DATA_DIR');
    expect(err.message).toContain('state_of_the_union/Adams_1797.txt');
  });

  it('lists the known datasets for an unknown name', async () => {
    const err = await loadDataset('nmaes').catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe('UNKNOWN_DATASET');
    expect(err.message).toContain('names, verbs, shakespeare, sotu');
  });
});

describe('custom datasets', () => {
  it('a file of words, guessed as words; a prose file, guessed as text', async () => {
    const words = join(tmp, 'pets.txt');
    writeFileSync(words, 'rex\r\nfido\r\n\r\nrex\r\n');
    const ds = await loadDataset(words);
    expect(ds).toMatchObject({ name: 'pets', kind: 'words', words: ['rex', 'fido', '', 'rex'] });
    expect(ds.distinctWords).toEqual(['rex', 'fido']);
    expect(ds.info.sha256).toBe(createHash('sha256').update('rex\r\nfido\r\n\r\nrex\r\n').digest('hex'));

    const prose = join(tmp, 'prose.txt');
    writeFileSync(prose, 'It was a dark night.\nThe rain fell in torrents.\n');
    expect((await loadDataset(prose)).kind).toBe('text');
    expect((await loadDataset(prose, { kind: 'words' })).words).toHaveLength(2);
  });

  it('a folder of .txt files becomes a documents dataset, sorted by name', async () => {
    const dir = join(tmp, 'speeches');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'Lincoln_1862.txt'), 'Fellow-citizens');
    writeFileSync(join(dir, 'Adams_1797.txt'), 'Gentlemen');
    writeFileSync(join(dir, 'notes.md'), 'ignored');
    const ds = await loadDataset(dir);
    expect(ds.kind).toBe('documents');
    expect(ds.text).toBe('GentlemenFellow-citizens');
    expect(ds.documents?.map((d) => [d.id, d.president, d.year])).toEqual([
      ['Adams_1797', 'Adams', 1797],
      ['Lincoln_1862', 'Lincoln', 1862],
    ]);
  });

  it('reads a copied built-in file as a custom dataset by path', async () => {
    const copy = join(tmp, 'names-copy.txt');
    copyFileSync(join(DATA_DIR, 'names.txt'), copy);
    const ds = await loadDataset(copy);
    expect(ds.kind).toBe('words');
    expect(ds.words).toHaveLength(32033);
  });

  it('guesses the kind of each built-in file correctly', async () => {
    for (const [name, kind] of [
      ['names', 'words'],
      ['verbs', 'words'],
      ['shakespeare', 'text'],
    ] as const) {
      const ds = await loadDataset(join(DATA_DIR, `${name}.txt`));
      expect(ds.kind, name).toBe(kind);
    }
  });

  it('in memory: text, words and documents', () => {
    expect(datasetFromText('to be or not to be').kind).toBe('text');
    expect(datasetFromText('ab\ncd\n').words).toEqual(['ab', 'cd']);
    const w = datasetFromWords(['b', 'a', 'b'], { name: 'tiny' });
    expect(w).toMatchObject({ name: 'tiny', kind: 'words', text: 'b\na\nb', words: ['b', 'a', 'b'] });
    expect(w.distinctWords).toEqual(['b', 'a']);
    const d = datasetFromDocuments([
      { id: 'b', text: 'two' },
      { id: 'a', text: 'one' },
    ]);
    expect(d.text).toBe('onetwo');
    expect(d.documents?.[0]).toEqual({ id: 'a', text: 'one' });
  });

  it('rejects empty, binary and invalid UTF-8 files with what is wrong and where', async () => {
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '');
    await expect(loadDataset(empty)).rejects.toMatchObject({
      code: 'EMPTY',
      message: expect.stringContaining('empty'),
    });

    const binary = join(tmp, 'image.txt');
    writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    await expect(loadDataset(binary)).rejects.toMatchObject({
      code: 'BINARY',
      message: expect.stringContaining('byte offset 4'),
    });

    const latin1 = join(tmp, 'latin1.txt');
    writeFileSync(latin1, Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('\nna\n')]));
    await expect(loadDataset(latin1)).rejects.toMatchObject({
      code: 'INVALID_UTF8',
      message: expect.stringMatching(/0xe9 at byte offset 3/),
    });

    expect(() => datasetFromText('')).toThrow(/empty/);
    expect(() => datasetFromDocuments([])).toThrow(/no documents/);
  });

  it('reports a missing path', async () => {
    await expect(loadDataset('./no/such/file.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(loadDataset('~/no-such-makemore-file.txt')).rejects.toThrow(
      join(homedir(), 'no-such-makemore-file.txt'),
    );
  });
});
