/**
 * Token shards: memory when preparing and training on a corpus larger than memory, next to the in-memory
 * path on a smaller corpus. Each phase runs in its own process and reports its peak RSS
 * (`process.resourceUsage().maxRSS`); the shard phases run with a 256 MB V8 heap (`--max-old-space-size`).
 *
 *   phases   prepare   collectCharacters + prepareTokenShards of a corpus of --bytes (tiny Shakespeare repeated)
 *            shards    --steps steps of the baby GPT (4 layers, 4 heads, 128 wide, block 64, batch 12, AdamW)
 *                      on openTokenShards of it, evaluating every 10 steps on 2 batches
 *            memory    the same training on the in-memory path (read the text, encode, createTrainingData) of
 *                      a --ref-bytes corpus: what the corpus costs when it has to fit in memory
 *
 *   MAKEMORE_DATA_DIR=... pnpm --filter @makemore/trainer exec tsx --tsconfig bench/tsconfig.json \
 *     bench/token-shards.ts [--bytes 2000000000] [--ref-bytes 100000000] [--steps 30] [--dir /tmp/x]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useBestBackend } from '@makemore/backend/node';
import { collectCharacters, prepareTokenShards } from '@makemore/datasets/node';
import { createModel, type LanguageModel } from '@makemore/models';
import { AdamW, createTrainingData, type TrainingData, train } from '@makemore/trainer';
import { openTokenShards } from '@makemore/trainer/node';

const { values } = parseArgs({
  options: {
    bytes: { type: 'string', default: '2000000000' },
    'ref-bytes': { type: 'string', default: '100000000' },
    steps: { type: 'string', default: '30' },
    dir: { type: 'string', default: join(tmpdir(), 'makemore-shards-bench') },
    phase: { type: 'string' },
  },
});
const dir = values.dir as string;
const steps = Number(values.steps);
const dataDir = process.env.MAKEMORE_DATA_DIR;
if (!dataDir) throw new Error('set MAKEMORE_DATA_DIR to a folder with shakespeare.txt');

/** Writes `bytes` of tiny Shakespeare repeated (each copy numbered, so the text is not one period). */
async function makeCorpus(path: string, bytes: number): Promise<void> {
  if (existsSync(path)) return;
  const base = readFileSync(join(dataDir as string, 'shakespeare.txt'), 'utf8');
  const out = createWriteStream(path);
  let written = 0;
  for (let copy = 0; written < bytes; copy++) {
    const piece = `COPY ${copy}:\n${base}\n`;
    const chunk = Buffer.from(piece).subarray(0, Math.min(Buffer.byteLength(piece), bytes - written));
    written += chunk.length;
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}

const peakMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function trainOn(data: TrainingData, vocabSize: number): Promise<number> {
  const model = createModel({
    type: 'transformer',
    vocabSize,
    blockSize: 64,
    nLayer: 4,
    nHead: 4,
    nEmbd: 128,
    tieWeights: true,
    gelu: 'erf',
    init: 'gpt2',
  }) as LanguageModel;
  const optimizer = new AdamW(model.parameters(), { lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0.1 });
  const start = Date.now();
  await train({ model, data, optimizer, steps, batchSize: 12, evalEvery: 10, evalIters: 2 });
  return (Date.now() - start) / steps;
}

async function phase(name: string): Promise<Record<string, unknown>> {
  const corpus = join(dir, `corpus-${values.bytes}.txt`);
  const shards = join(dir, `shards-${values.bytes}`);
  if (name === 'prepare') {
    const start = Date.now();
    const chars = await collectCharacters(corpus);
    if (chars.some((c) => c.length !== 1)) throw new Error('the bench corpus must be BMP text');
    const table = new Int32Array(65536).fill(-1);
    for (const [i, c] of chars.entries()) table[c.charCodeAt(0)] = i;
    const index = await prepareTokenShards({
      input: corpus,
      outDir: shards,
      tokenizer: {
        vocabSize: chars.length,
        encode: (s: string) => {
          // Shakespeare is ASCII: a table by UTF-16 code unit (the CLI uses CharTokenizer.encode instead).
          const ids = new Array<number>(s.length);
          for (let i = 0; i < s.length; i++) ids[i] = table[s.charCodeAt(i)] as number;
          return ids;
        },
        decode: () => '',
      },
    });
    const tokens = [...index.splits.train, ...index.splits.val].reduce((s, x) => s + x.tokens, 0);
    return { seconds: (Date.now() - start) / 1000, tokens, peakRssMb: peakMb() };
  }
  await useBestBackend({ prefer: 'wasm' });
  if (name === 'shards') {
    const data = openTokenShards(shards, { inputKind: 'sequence', blockSize: 64 });
    const msPerStep = await trainOn(data, data.vocabSize);
    data.close();
    return { msPerStep, peakRssMb: peakMb() };
  }
  const ref = join(dir, `corpus-${values['ref-bytes']}.txt`);
  const text = readFileSync(ref, 'utf8');
  const chars = [...new Set(text)].sort();
  const lookup = new Map(chars.map((c, i) => [c, i]));
  const ids = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) ids[i] = lookup.get(text[i] as string) as number;
  const cut = Math.floor(ids.length * 0.9);
  const data = createTrainingData({
    kind: 'text',
    splits: { train: ids.subarray(0, cut), val: ids.subarray(cut) },
    inputKind: 'sequence',
    blockSize: 64,
  });
  const msPerStep = await trainOn(data, chars.length);
  return { msPerStep, peakRssMb: peakMb() };
}

async function main(): Promise<void> {
  if (values.phase) {
    console.log(JSON.stringify(await phase(values.phase)));
    return;
  }
  mkdirSync(dir, { recursive: true });
  const bytes = Number(values.bytes);
  const refBytes = Number(values['ref-bytes']);
  await makeCorpus(join(dir, `corpus-${bytes}.txt`), bytes);
  await makeCorpus(join(dir, `corpus-${refBytes}.txt`), refBytes);
  rmSync(join(dir, `shards-${bytes}`), { recursive: true, force: true });
  const run = (p: string) => {
    // The shard phases run with a 256 MB heap: if they held the corpus, they would fail.
    const heap = p === 'memory' ? [] : ['--max-old-space-size=256'];
    const r = spawnSync(
      process.execPath,
      [...heap, ...process.execArgv, process.argv[1] as string, ...process.argv.slice(2), '--phase', p],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    );
    if (r.status !== 0) throw new Error(`phase ${p} failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, number>;
  };
  const prep = run('prepare');
  const sharded = run('shards');
  const memory = run('memory');
  const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
  console.log(
    `corpus ${gb(bytes)} (tiny Shakespeare repeated), char tokens, baby GPT 4L/4H/128, block 64, batch 12, ${steps} steps`,
  );
  console.log(
    `prepare (stream → shards): ${prep.seconds.toFixed(1)} s, ${(bytes / 1e6 / prep.seconds).toFixed(1)} MB/s, ${prep.tokens} tokens, peak RSS ${prep.peakRssMb} MB`,
  );
  console.log(
    `train on shards (${gb(bytes)}):      ${sharded.msPerStep.toFixed(1)} ms/step, peak RSS ${sharded.peakRssMb} MB`,
  );
  console.log(
    `train in memory (${gb(refBytes)}):    ${memory.msPerStep.toFixed(1)} ms/step, peak RSS ${memory.peakRssMb} MB`,
  );
  console.log(
    `RSS ratio shards/in-memory: ${(sharded.peakRssMb / memory.peakRssMb).toFixed(2)} with a ${(bytes / refBytes).toFixed(0)}x larger corpus`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
