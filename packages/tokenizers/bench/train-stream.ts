/**
 * Training from a file stream against HuggingFace `tokenizers` on the same file, in the same run
 * (`pnpm --filter @makemore/tokenizers bench:train-stream [--copies 30] [--vocab 4096]`).
 *
 * The file is the State of the Union corpus repeated `--copies` times (30 × 10.6 MB = 318 MB). Each side
 * trains a byte-level BPE with the GPT-4 split pattern in a fresh process and reports its wall time and
 * peak RSS: ours streams the file in 1 MiB chunks through `BpeTokenizer.train`; HF runs
 * `Tokenizer.train([file])` with the same regex, ByteLevel alphabet and vocabulary size (Python with
 * `tokenizers` installed; PYTHON and PYTHONPATH are honoured). The sides alternate over `--rounds`.
 * `--copies 190 --ours-only` makes the 2 GB file, beyond V8's longest string, and trains ours alone.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stateOfTheUnion } from './corpus';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const copies = arg('copies', 30);
const vocab = arg('vocab', 4096);
const rounds = arg('rounds', 1);
/** `--ours-only`: skip HF (e.g. for the 2 GB run, which only checks that streaming training completes). */
const oursOnly = process.argv.includes('--ours-only');

const work = mkdtempSync(join(tmpdir(), 'train-stream-'));
const file = join(work, 'corpus.txt');
const sotu = Buffer.from(stateOfTheUnion(), 'utf8');
await new Promise<void>((done, fail) => {
  const out = createWriteStream(file);
  out.on('error', fail);
  let left = copies;
  const write = () => {
    while (left > 0) {
      left--;
      if (!out.write(sotu)) return void out.once('drain', write);
    }
    out.end(done);
  };
  write();
});
const mb = (sotu.length * copies) / 1e6;

const oursScript = `
import { createReadStream } from 'node:fs';
const { BpeTokenizer } = await import(${JSON.stringify(fileURLToPath(new URL('../dist/index.js', import.meta.url)))});
const t0 = performance.now();
const tok = await BpeTokenizer.train(createReadStream(${JSON.stringify(file)}, { encoding: 'utf8', highWaterMark: 1 << 20 }), { vocabSize: ${vocab}, pattern: 'gpt4' });
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ seconds: s, peakRssMB: process.resourceUsage().maxRSS / 1024, vocab: tok.vocabSize }));
`;
const hfScript = `
import json, resource, time
from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers
pattern = r"""'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s+\\z|\\s*[\\r\\n]|\\s+(?!\\S)|\\s"""
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(pattern), behavior="isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
trainer = trainers.BpeTrainer(vocab_size=${vocab}, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
t0 = time.perf_counter()
tok.train([${JSON.stringify(file)}], trainer=trainer)
s = time.perf_counter() - t0
print(json.dumps({"seconds": s, "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "vocab": tok.get_vocab_size()}))
`;

type Result = { seconds: number; peakRssMB: number; vocab: number };
const run = (cmd: string, args: string[]): Result | string => {
  try {
    const out = execFileSync(cmd, args, {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out.trim().split('\n').at(-1)!) as Result;
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error)
      .trim()
      .split('\n')
      .at(-1)!;
  }
};

console.log(
  `# Training vocab ${vocab} (GPT-4 split) on State of the Union × ${copies} (${mb.toFixed(0)} MB)\n`,
);
console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average at start ` +
    `${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}\n`,
);
const rows: string[] = [];
for (let round = 0; round < rounds; round++) {
  const sides: Array<[string, () => Result | string]> = [
    ['@makemore/tokenizers (stream)', () => run(process.execPath, ['--input-type=module', '-e', oursScript])],
    ['HF tokenizers (Rust)', () => run(process.env.PYTHON ?? 'python3', ['-c', hfScript])],
  ];
  if (oursOnly) sides.pop();
  if (round % 2 === 1) sides.reverse();
  for (const [name, side] of sides) {
    const r = side();
    rows.push(
      typeof r === 'string'
        ? `| ${name} | – | – | – | not run: ${r} |`
        : `| ${name} | ${r.seconds.toFixed(1)} | ${(mb / r.seconds).toFixed(1)} | ${r.peakRssMB.toFixed(0)} | vocab ${r.vocab} |`,
    );
  }
}
console.log('| trainer | seconds | MB/s | peak RSS (MB) | note |\n|---|---|---|---|---|');
for (const row of rows) console.log(row);
rmSync(work, { recursive: true });
