// The example builders: the lecture's context windows, nanoGPT-style random windows over a token
// stream, makemore.py's padded word rows, and compact token encoding.
import { describe, expect, it } from 'vitest';
import {
  contextWindows,
  encodeText,
  encodeWordSequences,
  maxWordLength,
  orderedSequenceBatches,
  sequenceBatches,
  windowBatches,
  wordSequenceBatches,
} from '../src/index.js';
import { loadDataset } from '../src/node.js';
import { DATA_DIR, LETTERS, charTokenizer } from './helpers.js';

const names = (await loadDataset('names', { dataDir: DATA_DIR })).words as string[];
const tok = charTokenizer(LETTERS);
const row = (a: Int32Array, r: number, width: number) => Array.from(a.subarray(r * width, r * width + width));

describe('contextWindows', () => {
  it('builds 228,146 examples for names with blockSize 3', () => {
    const w = contextWindows(names, tok, 3);
    expect(w.n).toBe(228146);
    expect(w.x).toHaveLength(228146 * 3);
    expect(w.y).toHaveLength(228146);
    expect(w.x).toBeInstanceOf(Int32Array);
  });

  it('pads with the boundary token: ... -> e, ..e -> m, .em -> m, emm -> a, mma -> .', () => {
    const w = contextWindows(['emma'], tok, 3);
    const pairs = Array.from(
      { length: w.n },
      (_, i) => `${tok.decode(row(w.x, i, 3))} -> ${tok.decode([w.y[i] as number])}`,
    );
    expect(pairs).toEqual(['... -> e', '..e -> m', '.em -> m', 'emm -> a', 'mma -> .']);
  });

  it('honours another boundary id', () => {
    const w = contextWindows(
      ['ab'],
      { ...tok, encode: (s) => tok.encode(s).map((i) => i + 1), vocabSize: 28 },
      2,
      {
        boundaryId: 27,
      },
    );
    expect(Array.from(w.x)).toEqual([27, 27, 27, 2, 2, 3]);
    expect(Array.from(w.y)).toEqual([2, 3, 27]);
  });

  it('rejects blockSize < 1 and ids outside the vocabulary', () => {
    expect(() => contextWindows(names, tok, 0)).toThrow(/blockSize must be an integer >= 1, got 0/);
    expect(() => contextWindows(names, tok, 2.5)).toThrow(/blockSize/);
    expect(() => contextWindows(['a'], { ...tok, encode: () => [99] }, 3)).toThrow(
      /id 99, outside \[0, 27\)/,
    );
  });

  it('samples minibatches of windows and reuses the buffers', () => {
    const w = contextWindows(names.slice(0, 100), tok, 3);
    const it = windowBatches(w, { batchSize: 8, seed: 1 });
    const a = it.next().value;
    const firstX = Array.from(a.x);
    const b = it.next().value;
    expect(b).toBe(a);
    expect(Array.from(b.x)).not.toEqual(firstX);
    // every sampled row is one of the examples
    const examples = new Set(Array.from({ length: w.n }, (_, i) => `${row(w.x, i, 3)}>${w.y[i]}`));
    for (let r = 0; r < 8; r++) expect(examples.has(`${row(b.x, r, 3)}>${b.y[r]}`)).toBe(true);
    expect(() => windowBatches(w, { batchSize: w.n + 1 })).toThrow(/larger than the \d+ examples/);
  });
});

describe('sequenceBatches', () => {
  const tokens = Uint16Array.from({ length: 500 }, (_, i) => (i * 7) % 61);

  it('yields windows of the stream with targets shifted by one', () => {
    const it = sequenceBatches(tokens, { blockSize: 16, batchSize: 4, seed: 3 });
    for (let step = 0; step < 5; step++) {
      const { x, y, batchSize, blockSize } = it.next().value;
      expect([batchSize, blockSize, x.length, y.length]).toEqual([4, 16, 64, 64]);
      for (let b = 0; b < 4; b++) {
        const xs = row(x, b, 16);
        const ys = row(y, b, 16);
        expect(ys.slice(0, 15)).toEqual(xs.slice(1));
        // find the offset in the stream and check both rows against it
        let found = false;
        for (let i = 0; i + 16 < tokens.length && !found; i++) {
          if (xs.every((v, k) => v === tokens[i + k]) && ys.every((v, k) => v === tokens[i + 1 + k]))
            found = true;
        }
        expect(found).toBe(true);
      }
    }
  });

  it('reuses one object and one pair of buffers; the same seed repeats the batches', () => {
    const a = sequenceBatches(tokens, { blockSize: 8, batchSize: 2, seed: 9 });
    const b = sequenceBatches(tokens, { blockSize: 8, batchSize: 2, seed: 9 });
    const first = a.next().value;
    const firstX = Array.from(first.x);
    expect(Array.from(b.next().value.x)).toEqual(firstX);
    const second = a.next().value;
    expect(second).toBe(first);
    expect(second.x).toBe(first.x);
  });

  it('can reach the very last window', () => {
    const small = Int32Array.from([1, 2, 3, 4]);
    const seen = new Set<string>();
    const it = sequenceBatches(small, { blockSize: 2, batchSize: 1, seed: 1 });
    for (let i = 0; i < 50; i++) seen.add(Array.from(it.next().value.x).join());
    expect([...seen].sort()).toEqual(['1,2', '2,3']);
  });

  it('rejects blockSize < 1, too little data and a batch larger than the data allows', () => {
    expect(() => sequenceBatches(tokens, { blockSize: 0, batchSize: 1 })).toThrow(/blockSize must be/);
    expect(() => sequenceBatches(tokens, { blockSize: 500, batchSize: 1 })).toThrow(
      /needs at least 501 tokens/,
    );
    expect(() => sequenceBatches(tokens, { blockSize: 490, batchSize: 11 })).toThrow(
      /batchSize 11 is larger than the 10 distinct windows/,
    );
  });

  it('checks its options at the call, before the first batch', () => {
    expect(() => orderedSequenceBatches(Int32Array.of(1, 2), { blockSize: 2, batchSize: 1 })).toThrow(
      /needs at least 3 tokens, but the data has 2/,
    );
  });

  it('walks the stream in order for evaluation', () => {
    const stream = Int32Array.from({ length: 23 }, (_, i) => i);
    const batches: Array<{ x: number[]; y: number[]; n: number }> = [];
    // copy each batch before asking for the next: the buffers are reused
    for (const b of orderedSequenceBatches(stream, { blockSize: 5, batchSize: 3 })) {
      batches.push({ x: Array.from(b.x), y: Array.from(b.y), n: b.batchSize });
    }
    expect(batches.map((b) => b.n)).toEqual([3, 1]);
    expect(batches[0]?.x.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(batches[1]?.x).toEqual([15, 16, 17, 18, 19]);
    expect(batches[1]?.y).toEqual([16, 17, 18, 19, 20]);
  });
});

describe('padded word sequences', () => {
  it("lays out x = [., w..., pad] and y = [w..., ., -1...] as makemore.py's CharDataset", () => {
    const s = encodeWordSequences(['emma', 'ava'], tok, { blockSize: 6 });
    const [e, m, a, v] = tok.encode('emav');
    expect(row(s.x, 0, 6)).toEqual([0, e, m, m, a, 0]);
    expect(row(s.y, 0, 6)).toEqual([e, m, m, a, 0, -1]);
    expect(row(s.x, 1, 6)).toEqual([0, a, v, a, 0, 0]);
    expect(row(s.y, 1, 6)).toEqual([a, v, a, 0, -1, -1]);
  });

  it('defaults blockSize to the longest word + 1 (16 for names)', () => {
    expect(maxWordLength(names, tok)).toBe(15);
    const s = encodeWordSequences(names, tok);
    expect(s.blockSize).toBe(16);
    expect(s.n).toBe(32033);
  });

  it('rejects a word that does not fit', () => {
    expect(() => encodeWordSequences(['isabella'], tok, { blockSize: 5 })).toThrow(
      /"isabella" has 8 tokens, but blockSize 5 fits at most 4/,
    );
  });

  it('samples whole rows in reused buffers', () => {
    const s = encodeWordSequences(names.slice(0, 50), tok, { blockSize: 16 });
    const rows = new Set(Array.from({ length: 50 }, (_, i) => `${row(s.x, i, 16)}|${row(s.y, i, 16)}`));
    const it = wordSequenceBatches(s, { batchSize: 4, seed: 2 });
    const batch = it.next().value;
    for (let r = 0; r < 4; r++) expect(rows.has(`${row(batch.x, r, 16)}|${row(batch.y, r, 16)}`)).toBe(true);
    expect(it.next().value.y).toBe(batch.y);
    expect(() => wordSequenceBatches(s, { batchSize: 51 })).toThrow(/larger than the 50 words/);
  });
});

const sotu = await loadDataset('sotu', { dataDir: DATA_DIR });

describe('encodeText', () => {
  it('stores 10.6 M sotu char tokens as a Uint16Array at 2 bytes per token', () => {
    const sotuTok = charTokenizer([...new Set(sotu.text)].sort());
    expect(sotuTok.vocabSize).toBeLessThan(65536);
    const ids = encodeText(sotu.text, sotuTok);
    expect(ids).toBeInstanceOf(Uint16Array);
    expect(ids.length).toBe(10602521);
    expect(ids.byteLength / ids.length).toBe(2);
    expect(sotuTok.decode(ids.subarray(0, 9))).toBe('Gentlemen');
    expect(sotuTok.decode(ids.subarray(ids.length - 20))).toBe(sotu.text.slice(-20));
  });

  it('cuts chunks only after a newline followed by a non-space, and matches a one-shot encode', () => {
    const text = 'one two\n  indented\nthree\n\nfour five\nsix'.repeat(50);
    const pieces: string[] = [];
    const t = charTokenizer([...new Set(text)].join(''));
    const spy = {
      ...t,
      encode: (s: string) => {
        pieces.push(s);
        return t.encode(s);
      },
    };
    const ids = encodeText(text, spy, { chunkChars: 7 });
    expect(Array.from(ids)).toEqual(t.encode(text));
    expect(pieces.length).toBeGreaterThan(10);
    expect(pieces.join('')).toBe(text);
    for (const p of pieces.slice(0, -1)) {
      expect(p.endsWith('\n')).toBe(true);
    }
    for (const p of pieces.slice(1)) expect(p[0]).not.toMatch(/\s/);
  });

  it('uses an Int32Array for vocabularies above 65,536', () => {
    const big = { vocabSize: 100000, encode: (s: string) => Array.from(s, () => 99999), decode: () => '' };
    const ids = encodeText('abc', big);
    expect(ids).toBeInstanceOf(Int32Array);
    expect(Array.from(ids)).toEqual([99999, 99999, 99999]);
  });
});
