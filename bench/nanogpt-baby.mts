/**
 * The `nanogpt-baby` recipe against nanoGPT's own train.py, on the same machine in the same run: the same
 * iterations, the same evaluation (every 250 steps, 20 batches per split), the same threads. Prints the val
 * loss at every evaluation and the wall time of each side.
 *
 *   pnpm turbo run build --filter=@makemore/cli...
 *   PYTHONPATH=<torch, numpy> npx tsx bench/nanogpt-baby.mts --nanogpt <a nanoGPT checkout> [--iters 2000] [--threads 2]
 *   (or NANOGPT_DIR=<checkout>; without either, `pnpm bench` skips it)
 *
 * nanoGPT runs unmodified from a temporary copy of the checkout: its data/shakespeare_char/prepare.py reads
 * input.txt (copied from $MAKEMORE_DATA_DIR/shakespeare.txt, so nothing is downloaded), then
 * `train.py config/train_shakespeare_char.py` with its README's CPU overrides.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    nanogpt: { type: 'string' },
    iters: { type: 'string', default: '2000' },
    threads: { type: 'string', default: '2' },
    only: { type: 'string' },
    python: { type: 'string', default: 'python3' },
  },
});
const nanogptDir = values.nanogpt ?? process.env.NANOGPT_DIR;
if (!nanogptDir && values.only !== 'ours') {
  console.log(
    'nanogpt-baby: skipped (pass --nanogpt <a nanoGPT checkout> or set NANOGPT_DIR, and PYTHONPATH to torch)',
  );
  process.exit(0);
}
const dataDir = process.env.MAKEMORE_DATA_DIR;
if (!dataDir) throw new Error('set MAKEMORE_DATA_DIR to the folder holding shakespeare.txt');
const iters = Number(values.iters);
const threads = Number(values.threads);
const repo = resolve(new URL('..', import.meta.url).pathname);

interface Side {
  side: string;
  evals: { step: number; train: number; val: number }[];
  wallSeconds: number;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.on('close', (code) =>
      code === 0 ? resolvePromise(out) : reject(new Error(`${command} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}

async function nanoGpt(): Promise<Side> {
  const work = mkdtempSync(join(tmpdir(), 'nanogpt-'));
  try {
    cpSync(nanogptDir as string, work, { recursive: true, filter: (p) => !p.includes('/.git') });
    const data = join(work, 'data', 'shakespeare_char');
    copyFileSync(join(dataDir as string, 'shakespeare.txt'), join(data, 'input.txt'));
    const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
    execFileSync(values.python as string, ['prepare.py'], { cwd: data, env, stdio: 'ignore' });
    const started = performance.now();
    const out = await run(
      values.python as string,
      [
        'train.py',
        'config/train_shakespeare_char.py',
        '--device=cpu',
        '--compile=False',
        '--eval_iters=20',
        '--log_interval=100',
        '--block_size=64',
        '--batch_size=12',
        '--n_layer=4',
        '--n_head=4',
        '--n_embd=128',
        `--max_iters=${iters}`,
        `--lr_decay_iters=${iters}`,
        '--dropout=0.0',
        `--out_dir=${join(work, 'out')}`,
      ],
      { cwd: work, env },
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const evals = [...out.matchAll(/step (\d+): train loss ([\d.]+), val loss ([\d.]+)/g)].map((m) => ({
      step: Number(m[1]),
      train: Number(m[2]),
      val: Number(m[3]),
    }));
    return { side: `nanoGPT train.py (torch, ${threads} threads)`, evals, wallSeconds };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function ours(): Promise<Side> {
  const out = mkdtempSync(join(tmpdir(), 'makemore-baby-'));
  try {
    const started = performance.now();
    const stdout = await run(
      process.execPath,
      [
        join(repo, 'apps/cli/dist/bin.js'),
        'train',
        '--preset',
        'nanogpt-baby',
        '--steps',
        String(iters),
        '--threads',
        String(threads),
        '--json',
        '--out',
        out,
      ],
      { cwd: repo, env: process.env },
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const lines = stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const evals = lines
      .filter((l) => l.type === 'eval')
      .map((l) => ({ step: l.step as number, ...(l.losses as { train: number; val: number }) }));
    const backend = (lines.find((l) => l.type === 'start')?.backend as string) ?? '?';
    return {
      side: `makemore train --preset nanogpt-baby (${backend}, ${threads} threads)`,
      evals,
      wallSeconds,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const sides: Side[] = [];
if (values.only !== 'ours') sides.push(await nanoGpt());
if (values.only !== 'nanogpt') sides.push(await ours());
for (const s of sides) {
  const last = s.evals.at(-1);
  console.log(
    `${s.side}: ${s.wallSeconds.toFixed(0)} s wall; val ${s.evals.map((e) => `${e.step}:${e.val.toFixed(4)}`).join(' ')}; final val ${last?.val.toFixed(4)}`,
  );
}
if (sides.length === 2)
  console.log(
    `wall-time ratio (ours ÷ nanoGPT): ${(sides[1]!.wallSeconds / sides[0]!.wallSeconds).toFixed(2)}`,
  );
console.log(`RESULT ${JSON.stringify(sides)}`);
