/**
 * Same-run comparison of makemore.ts training speed against PyTorch on this machine.
 *
 *   npx tsx bench/compare.ts [--backends tensorflow,wasm,wasm:2,cpu] [--only gpt,transformer,mlp] [--steps-scale 1]
 *                            [--python python3] [--torch-threads N] [--rounds N] [--json]
 *
 * 1. Runs bench/pytorch/train_speed.py (when python3 can import torch) for the reference figures.
 * 2. Runs `node apps/cli/dist/bin.js bench --json --backend <b>` for each backend; a backend that cannot
 *    load on this machine (the CLI exits with "cannot use --backend") is reported as unavailable.
 *    If the CLI is not built, falls back to bench/tfjs/train_speed.mts, which runs the same three models
 *    written directly on tfjs-core ops (see bench/README.md for both JSON shapes).
 * 3. Prints ms/step for each and the ratio tfjs ÷ PyTorch (1.0 = parity; 2.0 = twice as slow).
 * With `--rounds N`, model by model, steps 1 and 2 alternate N times and each side keeps its fastest
 * figure: on a shared host whose speed drifts by ±25 % within minutes, one PyTorch run followed by one tfjs
 * run can catch the two in different phases; back-to-back pairs and the best of several give both sides the
 * same chances.
 * The cpu backend runs only the mlp and transformer by default: its GPT step takes ~17 s.
 * `wasm:2` is the wasm backend with 2 threads (any `<backend>:<threads>` is passed on as `--threads`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const backends = flag('backends', 'tensorflow-gpu,tensorflow,wasm,cpu').split(',');
const only = flag('only', 'gpt,transformer,mlp').split(',');
const stepsScale = Number(flag('steps-scale', '1'));
const python = flag('python', 'python3');
const torchThreads = flag('torch-threads', '0');
const asJson = argv.includes('--json');
const rounds = Math.max(1, Math.floor(Number(flag('rounds', '1'))));
const DEFAULT_STEPS: Record<string, number> = { gpt: 40, transformer: 60, mlp: 600 };

/** One model's figure, as both sides report it. */
export interface Figure {
  msPerStep: number;
  stepsPerSec: number;
  leak?: boolean;
}
type Side = { label: string; available: boolean; why?: string; results: Record<string, Figure> };

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

let torchImports: boolean | undefined;

function runPytorch(models: string[]): Side {
  torchImports ??= spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  if (!torchImports) {
    return { label: 'pytorch', available: false, why: `${python} cannot import torch`, results: {} };
  }
  log(`pytorch: bench/pytorch/train_speed.py --only ${models.join(',')}`);
  const run = spawnSync(
    python,
    [
      'bench/pytorch/train_speed.py',
      '--only',
      models.join(','),
      '--steps-scale',
      String(stepsScale),
      '--threads',
      torchThreads,
    ],
    { cwd: root, encoding: 'utf8' },
  );
  if (run.status !== 0) return { label: 'pytorch', available: false, why: run.stderr.trim(), results: {} };
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    torch: string;
    threads: number;
    results: Record<string, Figure>;
  };
  return { label: `pytorch ${out.torch} (${out.threads} threads)`, available: true, results: out.results };
}

function runTfjs(spec: string, models: string[]): Side {
  const [backend = spec, threads] = spec.split(':');
  const threadArgs = threads === undefined ? [] : ['--threads', threads];
  const label = threads === undefined ? backend : `${backend} ${threads} threads`;
  const names = backend === 'cpu' ? models.filter((n) => n !== 'gpt') : models;
  const cli = `${root}apps/cli/dist/bin.js`;
  const results: Record<string, Figure> = {};
  if (existsSync(cli)) {
    for (const name of names) {
      const steps = Math.max(4, Math.round(DEFAULT_STEPS[name]! * stepsScale));
      log(`tfjs ${label}: makemore bench --only ${name} --steps ${steps}`);
      const run = spawnSync(
        process.execPath,
        [
          cli,
          'bench',
          '--json',
          '--backend',
          backend,
          ...threadArgs,
          '--only',
          name,
          '--steps',
          String(steps),
        ],
        { cwd: root, encoding: 'utf8' },
      );
      if (/cannot use --backend/.test(run.stderr + run.stdout)) {
        const why = (run.stderr + run.stdout).split('\n').find((l) => l.includes('cannot use')) ?? '';
        return { label, available: false, why: why.trim(), results };
      }
      for (const line of run.stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const row = JSON.parse(line) as { type: string; name: string } & Figure;
        if (row.type === 'bench') results[row.name] = row;
      }
      if (results[name] === undefined) {
        return {
          label,
          available: false,
          why: `the CLI bench failed: ${run.stderr.trim()}`,
          results,
        };
      }
    }
    return { label: `tfjs ${label} (CLI)`, available: true, results };
  }
  log(`tfjs ${label}: apps/cli is not built; using bench/tfjs/train_speed.mts`);
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/tfjs/train_speed.mts',
      '--backend',
      backend,
      ...threadArgs,
      '--only',
      names.join(','),
      '--steps-scale',
      String(stepsScale),
    ],
    { cwd: root, encoding: 'utf8' },
  );
  if (run.status !== 0) return { label, available: false, why: run.stderr.trim().split('\n').pop(), results };
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { results: Record<string, Figure> };
  return { label: `tfjs ${label} (standalone)`, available: true, results: out.results };
}

/** Per model, the fastest figure of the rounds (a leak in any round is kept). */
function fastest(runs: Side[]): Side {
  const [first] = runs as [Side, ...Side[]];
  const results: Record<string, Figure> = {};
  for (const run of runs) {
    for (const [name, figure] of Object.entries(run.results)) {
      const best = results[name];
      const kept = best === undefined || figure.msPerStep < best.msPerStep ? figure : best;
      const reported = [best?.leak, figure.leak].filter((leak) => leak !== undefined);
      results[name] = reported.length === 0 ? kept : { ...kept, leak: reported.includes(true) };
    }
  }
  return { ...first, results };
}

// With rounds, each model's two sides alternate back to back, so that a pair of figures is seconds apart.
const torchRuns: Side[] = [];
const tfjsRuns: Side[][] = backends.map(() => []);
for (const group of rounds > 1 ? only.map((name) => [name]) : [only]) {
  for (let round = 0; round < rounds; round++) {
    if (rounds > 1) log(`${group.join(',')}: round ${round + 1} of ${rounds}`);
    torchRuns.push(runPytorch(group));
    for (const [i, backend] of backends.entries()) tfjsRuns[i]!.push(runTfjs(backend, group));
  }
}
const torch = fastest(torchRuns);
const sides = tfjsRuns.map(fastest);
const rows: string[][] = [];
for (const name of only) {
  const ref = torch.results[name];
  for (const side of sides.filter((s) => s.available)) {
    const r = side.results[name];
    if (r === undefined) continue;
    rows.push([
      name,
      side.label,
      r.msPerStep.toFixed(2),
      r.stepsPerSec.toFixed(1),
      ref ? ref.msPerStep.toFixed(2) : '-',
      ref ? `${(r.msPerStep / ref.msPerStep).toFixed(2)}×` : '-',
      r.leak === undefined ? '-' : r.leak ? 'LEAK' : 'flat',
    ]);
  }
}
if (asJson) {
  console.log(JSON.stringify({ pytorch: torch, tfjs: sides }));
} else {
  const header = [
    'model',
    'tfjs backend',
    'ms/step',
    'steps/s',
    'pytorch ms/step',
    'tfjs ÷ pytorch',
    'memory',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`PyTorch: ${torch.available ? torch.label : `unavailable (${torch.why})`}`);
  if (rounds > 1) console.log(`fastest of ${rounds} alternating rounds per side`);
  for (const s of sides.filter((x) => !x.available)) console.log(`${s.label}: unavailable (${s.why})`);
  console.log(fmt(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(fmt(r));
}
