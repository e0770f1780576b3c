/**
 * Fine-tuning GPT-2 (124M) on a CPU, the whole way a user goes: Hugging Face's `model.safetensors` layout →
 * `makemore import hf-gpt2` → `makemore train --init-from … --dataset shakespeare` (GPT-2's r50k_base), with
 * seconds per optimisation step and the peak RSS of each CLI process, next to PyTorch taking the same step
 * (nanoGPT's own GPT class and configure_optimizers: forward, backward, clip, AdamW) on the same threads.
 *
 *   pnpm turbo run build --filter=@makemore/cli...
 *   MAKEMORE_DATA_DIR=... npx tsx bench/finetune-gpt2.mts [--steps 4] [--block 256] [--batch 1]
 *     [--threads 2] [--dir /tmp/makemore-gpt2] [--python python3] [--nanogpt <checkout>]
 *
 * No download: the weights are GPT-2 small's shapes (12 layers, 12 heads, 768 wide, 1,024 positions, 50,257
 * ids, the `attn.bias` mask buffers, Conv1D [in, out] matrices) filled with seeded N(0, 0.02) numbers by our
 * own safetensors writer, so the speed and memory are GPT-2's while the loss is a random model's (≈ ln 50257 ≈
 * 10.8 at the start). The training side is interrupted with SIGINT after `--steps` steps (the CLI saves a
 * checkpoint and exits 130): the timing comes from its `step` events (the first step, which compiles and
 * allocates, is reported apart), the peak RSS from /proc (VmHWM). The PyTorch side runs when `--nanogpt`
 * (or NANOGPT_DIR) names a nanoGPT checkout and torch imports (PYTHONPATH as needed); otherwise it is left out.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const req = createRequire(fileURLToPath(new URL('../apps/cli/package.json', import.meta.url)));
const { serializeSafetensors } = req('@makemore/models') as typeof import('../packages/models/src/index');

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '4' },
    block: { type: 'string', default: '256' },
    batch: { type: 'string', default: '1' },
    threads: { type: 'string', default: '2' },
    dir: { type: 'string', default: join(tmpdir(), 'makemore-gpt2') },
    python: { type: 'string', default: 'python3' },
    nanogpt: { type: 'string', default: process.env.NANOGPT_DIR ?? '' },
  },
});
const dataDir = process.env.MAKEMORE_DATA_DIR;
if (!dataDir) throw new Error('set MAKEMORE_DATA_DIR to a folder with shakespeare.txt');
const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const bin = join(repo, 'apps/cli/dist/bin.js');
if (!existsSync(bin)) throw new Error('build the CLI first: pnpm turbo run build --filter=@makemore/cli...');
const dir = values.dir as string;
const steps = Number(values.steps);
const block = Number(values.block);
const batch = Number(values.batch);
const threads = Number(values.threads);
mkdirSync(dir, { recursive: true });

const LAYERS = 12;
const WIDTH = 768;
const POSITIONS = 1024;
const VOCAB = 50257;

/** GPT-2 small in Hugging Face's layout, seeded N(0, 0.02) weights, unit LayerNorm gains. */
function writeGpt2(path: string): void {
  if (existsSync(path)) return;
  let state = 20261207;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  const normal = () => 0.02 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const tensor = (shape: number[], fill: () => number = normal) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = fill();
    return { dtype: 'F32' as const, shape, data };
  };
  const c = WIDTH;
  const record: Record<string, ReturnType<typeof tensor>> = {
    'wte.weight': tensor([VOCAB, c]),
    'wpe.weight': tensor([POSITIONS, c]),
    'ln_f.weight': tensor([c], () => 1),
    'ln_f.bias': tensor([c], () => 0),
  };
  const mask = tensor([1, 1, POSITIONS, POSITIONS], () => 1);
  for (let l = 0; l < LAYERS; l++) {
    const h = `h.${l}`;
    Object.assign(record, {
      [`${h}.ln_1.weight`]: tensor([c], () => 1),
      [`${h}.ln_1.bias`]: tensor([c], () => 0),
      [`${h}.attn.bias`]: mask,
      [`${h}.attn.c_attn.weight`]: tensor([c, 3 * c]),
      [`${h}.attn.c_attn.bias`]: tensor([3 * c], () => 0),
      [`${h}.attn.c_proj.weight`]: tensor([c, c]),
      [`${h}.attn.c_proj.bias`]: tensor([c], () => 0),
      [`${h}.ln_2.weight`]: tensor([c], () => 1),
      [`${h}.ln_2.bias`]: tensor([c], () => 0),
      [`${h}.mlp.c_fc.weight`]: tensor([c, 4 * c]),
      [`${h}.mlp.c_fc.bias`]: tensor([4 * c], () => 0),
      [`${h}.mlp.c_proj.weight`]: tensor([4 * c, c]),
      [`${h}.mlp.c_proj.bias`]: tensor([c], () => 0),
    });
  }
  writeFileSync(path, serializeSafetensors(record));
}

/** Peak RSS of a live process in MB (VmHWM), or NaN once it is gone. */
function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const weights = join(dir, 'model.safetensors');
let started = Date.now();
writeGpt2(weights);
console.log(`GPT-2 small layout (random weights): ${weights} (${(Date.now() - started) / 1000} s to write)`);

// 1. Import.
const runs = join(dir, 'runs');
started = Date.now();
const imported = spawnSync(
  '/usr/bin/time',
  [
    '-f',
    '%M',
    process.execPath,
    bin,
    'import',
    'hf-gpt2',
    weights,
    '--out',
    join(runs, 'gpt2'),
    '--backend',
    'wasm',
  ],
  { encoding: 'utf8' },
);
if (imported.status !== 0) throw new Error(`import failed: ${imported.stderr}`);
const importRss = Number(imported.stderr.trim().split('\n').at(-1)) / 1024;
const importSeconds = (Date.now() - started) / 1000;
console.log(`import hf-gpt2: ${importSeconds.toFixed(1)} s, peak RSS ${importRss.toFixed(0)} MB`);

// 2. Fine-tune, interrupted after `steps` steps.
interface Step {
  step: number;
  loss: number;
  elapsedMs: number;
}
const train = await new Promise<{ steps: Step[]; rss: number; code: number | null; start: unknown }>(
  (done) => {
    const args = [
      bin,
      'train',
      '--init-from',
      join(runs, 'gpt2'),
      '--dataset',
      'shakespeare',
      '--block-size',
      String(block),
      '--batch-size',
      String(batch),
      '--grad-accum',
      '1',
      '--steps',
      '1000',
      '--eval-every',
      '0',
      '--backend',
      'wasm',
      '--threads',
      String(threads),
      '--out',
      join(runs, 'shakespeare'),
      '--json',
      '--log-every',
      '1',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const seen: Step[] = [];
    let rss = 0;
    let start: unknown;
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const event = JSON.parse(line);
        if (event.type === 'start') start = event;
        if (event.type !== 'step') continue;
        seen.push({ step: event.step, loss: event.loss, elapsedMs: event.elapsedMs });
        rss = Math.max(rss, peakRss(child.pid as number));
        console.log(
          `  step ${event.step}: loss ${event.loss.toFixed(4)}, ${(event.elapsedMs / 1000).toFixed(1)} s`,
        );
        if (seen.length === steps) child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => done({ steps: seen, rss, code, start }));
  },
);
if (train.steps.length < steps)
  throw new Error(`training stopped after ${train.steps.length} steps (exit ${train.code})`);
const after = train.steps.slice(1);
const perStep = after.map((s, i) => s.elapsedMs - (train.steps[i] as Step).elapsedMs);
const best = Math.min(...perStep) / 1000;
const mean = perStep.reduce((a, b) => a + b, 0) / perStep.length / 1000;
const params = (train.start as { params?: number } | undefined)?.params ?? 0;
console.log(
  `makemore train --init-from (wasm, ${threads} threads): ${params.toLocaleString('en-US')} params, batch ${batch}×${block}: ` +
    `first step ${((train.steps[0] as Step).elapsedMs / 1000).toFixed(1)} s, then best ${best.toFixed(2)} s/step, mean ${mean.toFixed(2)} s/step; ` +
    `peak RSS ${train.rss.toFixed(0)} MB; exit ${train.code} (interrupted: checkpoint saved)`,
);

// 3. PyTorch: nanoGPT's GPT on the same shapes and batch.
let torch: { best: number; mean: number; rss: number } | undefined;
const nanogpt = values.nanogpt as string;
if (nanogpt && existsSync(join(nanogpt, 'model.py'))) {
  const script = join(repo, 'bench/pytorch/gpt2_step.py');
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%M',
      values.python as string,
      script,
      '--steps',
      String(steps),
      '--block',
      String(block),
      '--batch',
      String(batch),
      '--threads',
      String(threads),
    ],
    { encoding: 'utf8', env: { ...process.env, NANOGPT_DIR: nanogpt } },
  );
  if (r.status !== 0)
    console.log(`PyTorch side failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  else {
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    torch = { best: result.best, mean: result.mean, rss: Number(r.stderr.trim().split('\n').at(-1)) / 1024 };
    console.log(
      `PyTorch ${result.torch} (nanoGPT GPT, ${threads} threads): best ${torch.best.toFixed(2)} s/step, mean ${torch.mean.toFixed(2)} s/step; peak RSS ${torch.rss.toFixed(0)} MB`,
    );
  }
} else
  console.log(
    'PyTorch side left out: pass --nanogpt <nanoGPT checkout> (or NANOGPT_DIR) with torch importable',
  );
if (torch) {
  console.log(
    `ratio (makemore / PyTorch), best step: ${(best / torch.best).toFixed(2)}×; peak RSS ${(train.rss / torch.rss).toFixed(2)}×`,
  );
}
