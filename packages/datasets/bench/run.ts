// Benchmarks for @makemore/datasets: loading with sha256 checks, encoding, example building and batch
// sampling. Prints wall-clock figures; run with `pnpm --filter @makemore/datasets bench`.
import { performance } from 'node:perf_hooks';
import {
  bigramCounts,
  contextWindows,
  encodeText,
  encodeWordSequences,
  loadDataset,
  sequenceBatches,
  vocabulary,
  wordSequenceBatches,
} from '../src/node.js';

const dataDir = process.env.MAKEMORE_DATA_DIR ?? '';
if (!dataDir)
  throw new Error('set MAKEMORE_DATA_DIR to the folder of the dataset files (e.g. ../shared/datasets)');

function charTokenizer(chars: string[]) {
  const itos = ['.', ...chars.filter((c) => c !== '.')];
  const table = new Int32Array(65536).fill(-1);
  itos.forEach((c, i) => {
    table[c.charCodeAt(0)] = i;
  });
  return {
    vocabSize: itos.length,
    encode: (s: string) => {
      const out = new Array<number>(s.length);
      for (let i = 0; i < s.length; i++) out[i] = table[s.charCodeAt(i)] as number;
      return out;
    },
    decode: (ids: ArrayLike<number>) => Array.from(ids as number[], (i) => itos[i]).join(''),
  };
}

async function time<T>(
  label: string,
  fn: () => T | Promise<T>,
  unit?: (r: T, ms: number) => string,
): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(52)} ${ms.toFixed(1).padStart(8)} ms${unit ? `  ${unit(r, ms)}` : ''}`);
  return r;
}

console.log(`@makemore/datasets bench, node ${process.version}, data ${dataDir}`);
const names = await time('load names (read + sha256 + split lines)', () => loadDataset('names', { dataDir }));
await time('load shakespeare', () => loadDataset('shakespeare', { dataDir }));
const sotu = await time('load sotu (227 files, sha256 each)', () => loadDataset('sotu', { dataDir }));
const words = names.words as string[];
const nameTok = charTokenizer(vocabulary(words));
await time(
  'contextWindows(names, blockSize 3)',
  () => contextWindows(words, nameTok, 3),
  (r) => `${r.n} examples`,
);
await time(
  'contextWindows(names, blockSize 8)',
  () => contextWindows(words, nameTok, 8),
  (r) => `${r.n} examples`,
);
await time('bigramCounts(names)', () => bigramCounts(words));
const seqs = await time('encodeWordSequences(names)', () => encodeWordSequences(words, nameTok));
const sotuTok = charTokenizer(vocabulary(sotu.text));
const tokens = await time(
  'encodeText(sotu, char tokenizer)',
  () => encodeText(sotu.text, sotuTok),
  (r, ms) =>
    `${(r.length / ms / 1000).toFixed(1)} M tokens/s, ${(r.byteLength / r.length).toFixed(0)} B/token`,
);
for (const [B, T] of [
  [64, 256],
  [12, 1024],
] as const) {
  const it = sequenceBatches(tokens, { blockSize: T, batchSize: B, seed: 1 });
  const steps = 2000;
  await time(
    `sequenceBatches B=${B} T=${T}, ${steps} steps`,
    () => {
      for (let i = 0; i < steps; i++) it.next();
    },
    (_r, ms) => `${((steps * 1000) / ms).toFixed(0)} batches/s`,
  );
}
const wb = wordSequenceBatches(seqs, { batchSize: 32, seed: 1 });
await time(
  'wordSequenceBatches B=32, 20000 steps',
  () => {
    for (let i = 0; i < 20000; i++) wb.next();
  },
  (_r, ms) => `${((20000 * 1000) / ms).toFixed(0)} batches/s`,
);
