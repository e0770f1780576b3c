/**
 * Generation speed against PyTorch, same machine, same run, one thread each side (our wasm backend with
 * threads 1, torch.set_num_threads(1)); random weights, 1-token prompt:
 *   - tokens/s for 500 new tokens, batch 1, of nanoGPT's baby GPT (4L/4H/128, block 64) and of its
 *     shakespeare-char GPT (6L/6H/384, block 256): ours in `window: 'shift'` (the default) and `'exact'`
 *     mode against nanoGPT's `model.generate` (its model.py, unmodified) and against nanoGPT's modules
 *     with a small KV cache (bench/pytorch/generate_speed.py);
 *   - seconds for 1,000 names from makemore's transformer (4L/4H/64, block 16): our `generateBatch` (one
 *     batch of 1,000, rows leave at the boundary token) against makemore.py's batched `generate`.
 * Sides alternate within each round and each keeps its best of --rounds.
 *
 *   NANOGPT_DIR=… MAKEMORE_DIR=… npx tsx bench/generate.mts [--rounds 2] [--tokens 500] [--python python3]
 *                                                          [--only gpt64,gpt256,names] [--no-exact]
 *
 * Without python3 + torch, or without NANOGPT_DIR / MAKEMORE_DIR, only our side is printed. Needs `pnpm build`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { backend, models, numberFlag } from './cli-packages.mts';

const rounds = numberFlag('rounds', 2);
const tokens = numberFlag('tokens', 500);
const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
};
const python = option('python', 'python3');
const only = option('only', 'gpt64,gpt256,names').split(',');
/** `--no-exact` leaves out our `window: 'exact'` side, the slowest at block 256 (a 256-token prefill per token). */
const withExact = !argv.includes('--no-exact');
const script = fileURLToPath(new URL('./pytorch/generate_speed.py', import.meta.url));

const choice = await backend.useBestBackend({ prefer: 'wasm', threads: 1, onNotice: () => {} });
console.log(`backend: ${choice.reason}`);

type Model = ReturnType<typeof models.createModel>;
const gpt = (nLayer: number, nHead: number, nEmbd: number, blockSize: number): Model =>
  models.createModel({
    type: 'transformer',
    vocabSize: 65,
    blockSize,
    nLayer,
    nHead,
    nEmbd,
    bias: false,
    tieWeights: true,
    gelu: 'erf',
    init: 'gpt2',
    seed: 1,
  });

/** Seconds of one call of `run`. */
function seconds(run: () => unknown): number {
  const start = performance.now();
  run();
  return (performance.now() - start) / 1000;
}

/** The PyTorch side's seconds for `pyCase`, or null (with the reason printed once) when it cannot run. */
let pythonProblem: string | null = null;
function pytorch(pyCase: string): number | null {
  if (pythonProblem !== null) return null;
  const r = spawnSync(python, [script, '--case', pyCase, '--reps', '1', '--tokens', String(tokens)], {
    encoding: 'utf8',
  });
  const last = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !last.startsWith('{')) {
    pythonProblem = (r.stderr || r.error?.message || 'no output').trim().split('\n').at(-1) ?? '';
    console.log(`PyTorch side unavailable: ${pythonProblem}`);
    return null;
  }
  return (JSON.parse(last) as { seconds: number }).seconds;
}

/** Best-of-rounds seconds for each named side, the sides alternating within every round. */
function race(sides: Record<string, () => number | null>): Record<string, number | null> {
  const best: Record<string, number | null> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(sides)) {
      const s = run();
      const prev = best[name];
      best[name] = s === null ? (prev ?? null) : prev == null ? s : Math.min(prev, s);
    }
  }
  return best;
}

const fmt = (x: number | null, digits = 1) => (x === null ? 'n/a' : x.toFixed(digits));

for (const [name, shape] of [
  ['gpt64', [4, 4, 128, 64]],
  ['gpt256', [6, 6, 384, 256]],
] as const) {
  if (!only.includes(name)) continue;
  const model = gpt(...shape);
  const ours = (window: 'shift' | 'exact') => () =>
    seconds(() => models.generate(model, { context: [0], maxNewTokens: tokens, window, seed: 1 }));
  models.generate(model, { context: [0], maxNewTokens: 20 }); // warm-up: kernels compiled, weights on the heap
  const best = race({
    'ours (shift)': ours('shift'),
    'nanoGPT generate': () => pytorch(name),
    ...(withExact ? { 'ours (exact)': ours('exact') } : {}),
    'nanoGPT + KV cache': () => pytorch(`${name}-kv`),
  });
  const reference = best['nanoGPT generate'] ?? null;
  console.log(
    `\n${name}: ${shape[0]}L/${shape[1]}H/${shape[2]}, block ${shape[3]}, ${tokens} new tokens, batch 1`,
  );
  for (const [side, s] of Object.entries(best)) {
    const rate = s === null ? null : tokens / s;
    const ratio = s === null || reference === null ? '' : `  ${(reference / s).toFixed(2)}x nanoGPT generate`;
    console.log(`  ${side.padEnd(20)} ${fmt(rate).padStart(8)} tokens/s${ratio}`);
  }
  model.dispose();
}

if (only.includes('names')) {
  const model = models.createModel({ type: 'transformer', vocabSize: 27, blockSize: 16, seed: 1 });
  const names = 1000;
  const ours = () =>
    seconds(() =>
      models.generateBatch(model, { n: names, context: [0], maxNewTokens: 15, stopToken: 0, seed: 1 }),
    );
  models.generateBatch(model, { n: 8, context: [0], maxNewTokens: 15 });
  const best = race({ ours, 'makemore.py generate': () => pytorch('names') });
  console.log(`\nnames: makemore's transformer 4L/4H/64, block 16: ${names} names (15 new tokens at most)`);
  for (const [side, s] of Object.entries(best))
    console.log(`  ${side.padEnd(20)} ${fmt(s, 2).padStart(8)} s`);
  model.dispose();
}
