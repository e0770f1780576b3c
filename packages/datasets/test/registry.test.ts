// The registry's pinned facts, checked against the provenance files that ship with the data.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, datasetFiles, datasetInfo, isBuiltinDataset, listDatasets } from '../src/index.js';
import { DATA_DIR } from './helpers.js';

describe('dataset registry', () => {
  it('lists the four built-in datasets with their kinds', () => {
    expect(listDatasets().map((d) => [d.name, d.kind])).toEqual([
      ['names', 'words'],
      ['verbs', 'words'],
      ['shakespeare', 'text'],
      ['sotu', 'documents'],
    ]);
    for (const d of listDatasets()) {
      expect(d.description.length).toBeGreaterThan(10);
      expect(d.licence.length).toBeGreaterThan(2);
      expect(d.citation.length).toBeGreaterThan(10);
      expect(d.bytes).toBe(d.files.reduce((s, f) => s + f.bytes, 0));
      for (const f of d.files) {
        expect(f.url).toMatch(/^https:\/\/raw\.githubusercontent\.com\/[^/]+\/[^/]+\/[0-9a-f]{40}\//);
        expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      }
    }
  });

  it('matches every sha256 and size in state_of_the_union.sha256 and on disk', () => {
    const lines = readFileSync(join(DATA_DIR, 'state_of_the_union.sha256'), 'utf8').trim().split('\n');
    const expected = new Map(lines.map((l) => [l.split(/\s+/)[1] as string, l.split(/\s+/)[0] as string]));
    const files = datasetInfo('sotu').files;
    expect(files).toHaveLength(227);
    expect(expected.size).toBe(227);
    for (const f of files) {
      expect(f.sha256).toBe(expected.get(f.path));
      expect(f.bytes).toBe(statSync(join(DATA_DIR, f.path)).size);
    }
    expect(datasetInfo('sotu').bytes).toBe(10602521);
    const fromHushbrush = files.filter((f) => f.url.includes('hushbrush/sotu-viz'));
    expect(fromHushbrush).toHaveLength(15);
    expect(fromHushbrush.map((f) => f.path)).toContain('state_of_the_union/Adams_1797.txt');
  });

  it('lists relative file paths for static hosting, sorted for sotu', () => {
    expect(datasetFiles('names')).toEqual(['names.txt']);
    expect(datasetFiles('shakespeare')).toEqual(['shakespeare.txt']);
    const sotu = datasetFiles('sotu');
    expect(sotu[0]).toBe('state_of_the_union/Adams_1797.txt');
    expect([...sotu].sort()).toEqual(sotu);
  });

  it('returns copies, so callers cannot corrupt the registry', () => {
    const info = datasetInfo('names');
    (info.files[0] as { sha256: string }).sha256 = 'x';
    expect(datasetInfo('names').files[0]?.sha256).toMatch(/^0a30b555/);
  });

  it('rejects an unknown name and lists the known ones', () => {
    expect(isBuiltinDataset('names')).toBe(true);
    expect(isBuiltinDataset('toString')).toBe(false);
    expect(() => datasetInfo('shakespear')).toThrow(DatasetError);
    expect(() => datasetInfo('shakespear')).toThrow(
      /Unknown dataset "shakespear"\. Known datasets: names, verbs, shakespeare, sotu/,
    );
  });
});
