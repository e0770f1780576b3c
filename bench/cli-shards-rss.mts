/**
 * `makemore train --shards` on a corpus larger than memory: the peak RSS of the whole CLI process training a
 * few steps on a 2 GB corpus prepared into token shards, side by side with the same command on the in-memory
 * path (`--dataset FILE`) of a smaller corpus, which has to hold the text and its ids.
 *
 *   pnpm turbo run build --filter=@makemore/cli...
 *   MAKEMORE_DATA_DIR=... npx tsx bench/cli-shards-rss.mts [--bytes 2000000000] [--ref-bytes 20000000]
 *     [--steps 5] [--rounds 1] [--dir /tmp/makemore-cli-shards]
 *
 * The corpus is tiny Shakespeare repeated, each copy numbered. It is encoded once into char-level uint16
 * shards with `prepareTokenShards` (through a lookup table by code unit, which gives the ids
 * `CharTokenizer.encode` gives on this ASCII text, far faster; the index records the CharTokenizer's JSON, as
 * `makemore prepare` does); the shards are kept between runs. Each side is then `node dist/bin.js train` in its
 * own process under `/usr/bin/time -f %M` (peak RSS in KiB), sides alternating for `--rounds` rounds (best
 * of each). The model is the baby GPT's shape (4 layers, 4 heads, 128 wide, block 64, batch 12) on wasm.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// The packages as the CLI resolves them (the root has no dependencies of its own), built.
const req = createRequire(fileURLToPath(new URL('../apps/cli/package.json', import.meta.url)));
const { collectCharacters, prepareTokenShards } = req(
  '@makemore/datasets/node',
) as typeof import('../packages/datasets/src/node');
const { CharTokenizer } = req('@makemore/tokenizers') as typeof import('../packages/tokenizers/src/index');

const { values } = parseArgs({
  options: {
    bytes: { type: 'string', default: '2000000000' },
    'ref-bytes': { type: 'string', default: '20000000' },
    steps: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '1' },
    dir: { type: 'string', default: join(tmpdir(), 'makemore-cli-shards') },
  },
});
const dataDir = process.env.MAKEMORE_DATA_DIR;
if (!dataDir) throw new Error('set MAKEMORE_DATA_DIR to a folder with shakespeare.txt');
const repo = resolve(new URL('..', import.meta.url).pathname);
const bin = join(repo, 'apps/cli/dist/bin.js');
if (!existsSync(bin)) throw new Error('build the CLI first: pnpm turbo run build --filter=@makemore/cli...');
const dir = values.dir as string;
const bytes = Number(values.bytes);
const refBytes = Number(values['ref-bytes']);

/** Writes `size` bytes of tiny Shakespeare repeated (each copy numbered, so the text is not one period). */
async function makeCorpus(path: string, size: number): Promise<void> {
  if (existsSync(path)) return;
  const base = readFileSync(join(dataDir as string, 'shakespeare.txt'), 'utf8');
  const out = createWriteStream(path);
  let written = 0;
  for (let copy = 0; written < size; copy++) {
    const piece = Buffer.from(`COPY ${copy}:\n${base}\n`);
    const chunk = piece.subarray(0, Math.min(piece.length, size - written));
    written += chunk.length;
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}

/** Encodes the corpus into char-level shards, recording the CharTokenizer as `makemore prepare` does. */
async function prepare(corpus: string, shards: string): Promise<number> {
  if (existsSync(join(shards, 'index.json'))) return 0;
  rmSync(shards, { recursive: true, force: true });
  const started = Date.now();
  const chars = await collectCharacters(corpus);
  const tokenizer = CharTokenizer.fromJSON({
    type: 'char',
    version: 1,
    vocab: chars,
    specialTokens: [],
    unknown: 'error',
    vocabSize: chars.length,
  });
  const table = new Int32Array(65536).fill(-1);
  for (const [i, c] of chars.entries()) {
    if (c.length !== 1) throw new Error('the bench corpus must be BMP text');
    table[c.charCodeAt(0)] = i;
  }
  await prepareTokenShards({
    input: corpus,
    outDir: shards,
    tokenizer: {
      vocabSize: chars.length,
      encode: (s: string) => {
        const ids = new Array<number>(s.length);
        for (let i = 0; i < s.length; i++) ids[i] = table[s.charCodeAt(i)] as number;
        return ids;
      },
      decode: (ids) => tokenizer.decode(ids),
      toJSON: () => tokenizer.toJSON(),
    },
  });
  return (Date.now() - started) / 1000;
}

/** One `makemore train` in its own process: peak RSS (MB) and wall seconds. */
function train(data: string[], out: string): { rssMb: number; seconds: number; valLoss: number } {
  rmSync(out, { recursive: true, force: true });
  const args = [
    '-f',
    '%M',
    process.execPath,
    bin,
    'train',
    ...data,
    '--model',
    'transformer',
    '--n-layer',
    '4',
    '--n-head',
    '4',
    '--n-embd',
    '128',
    '--block-size',
    '64',
    '--batch-size',
    '12',
    '--steps',
    String(values.steps),
    '--eval-every',
    String(values.steps),
    '--eval-iters',
    '2',
    '--backend',
    'wasm',
    '--out',
    out,
    '--json',
  ];
  const started = Date.now();
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (Date.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`makemore train ${data.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  const kib = Number(r.stderr.trim().split('\n').pop());
  const done = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; losses?: Record<string, number> })
    .find((e) => e.type === 'done');
  return { rssMb: Math.round(kib / 1024), seconds, valLoss: done?.losses?.val ?? Number.NaN };
}

mkdirSync(dir, { recursive: true });
const corpus = join(dir, `corpus-${bytes}.txt`);
const refCorpus = join(dir, `corpus-${refBytes}.txt`);
const shards = join(dir, `shards-${bytes}`);
await makeCorpus(corpus, bytes);
await makeCorpus(refCorpus, refBytes);
const prepSeconds = await prepare(corpus, shards);
if (prepSeconds > 0) console.log(`prepared ${shards} in ${prepSeconds.toFixed(0)} s`);
const best = { shards: Number.POSITIVE_INFINITY, memory: Number.POSITIVE_INFINITY };
for (let round = 0; round < Number(values.rounds); round++) {
  const a = train(['--shards', shards], join(dir, 'run-shards'));
  const b = train(['--dataset', refCorpus], join(dir, 'run-memory'));
  console.log(
    `round ${round + 1}: shards ${a.rssMb} MB (${a.seconds.toFixed(0)} s, val ${a.valLoss.toFixed(3)}), in memory ${b.rssMb} MB (${b.seconds.toFixed(0)} s, val ${b.valLoss.toFixed(3)})`,
  );
  best.shards = Math.min(best.shards, a.rssMb);
  best.memory = Math.min(best.memory, b.rssMb);
}
const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
console.log(
  `makemore train, baby GPT shape (4L/4H/128, block 64, batch 12), ${values.steps} steps, wasm, peak RSS of the process:`,
);
console.log(`  --shards  (${gb(bytes)} corpus):  ${best.shards} MB`);
console.log(`  --dataset (${gb(refBytes)} corpus): ${best.memory} MB (reference: the in-memory path)`);
console.log(
  `  ratio shards / in-memory: ${(best.shards / best.memory).toFixed(2)} with a ${(bytes / refBytes).toFixed(0)}x larger corpus`,
);
