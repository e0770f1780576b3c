// The same-run check: one run spec trains for a few steps on the deterministic `cpu` backend in Node and
// in the demo's worker in Chromium, and the two must agree on the split sizes and on every step's loss.
// Both sides call @makemore/run's prepareRun; a difference means one of them builds the run differently.
//
// The Node side is one function, `trainInNode`. It runs the built CLI,
//   makemore train --config <spec.json> --backend cpu --json --log-every 1 --out <tmp>
// or, with E2E_SAME_RUN_NODE=prepareRun, e2e/node-run.mjs (prepareRun + train directly, no CLI):
// Both print the same JSON lines ({"type":"start",…,"splitSizes":{…}}, {"type":"step","step":n,"loss":x}).
// `resumeInNode` continues a run folder the same way (`makemore train --resume --out DIR --steps M`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Steps each spec trains; the losses of all of them are compared. */
export const SAME_RUN_STEPS = 20;

/** Two small runs on names: makemore.py's transformer cut to 2 layers of 32, and the lecture MLP. */
export const SAME_RUN_SPECS = [
  {
    recipe: 'makemore-transformer',
    model: { nLayer: 2, nEmbd: 32 },
    training: { steps: SAME_RUN_STEPS },
    eval: { every: 0, iters: 2 },
  },
  {
    recipe: 'lecture-mlp',
    training: { steps: SAME_RUN_STEPS },
    eval: { every: 0, iters: 2 },
  },
];

/** The recipe's partial spec with `overrides` merged in, as one JSON object both sides read. */
export async function specOf(overrides) {
  const { getRecipe, mergeSpec } = await import('@makemore/run');
  const { recipe, ...rest } = overrides;
  return mergeSpec({ ...getRecipe(recipe).spec, recipe }, rest);
}

/** Which program trains the Node side: the built `cli` (default) or `prepareRun` (e2e/node-run.mjs). */
export const NODE_SIDE = process.env.E2E_SAME_RUN_NODE === 'prepareRun' ? 'prepareRun' : 'cli';

/**
 * Trains `spec` in Node on the cpu backend; returns `{ splitSizes, losses }` with `losses[i]` the loss
 * of step i + 1. With `out`, the run's folder (DIR/run.json, DIR/last/…) is kept there.
 */
export function trainInNode(spec, { repoRoot, dataDir, out }) {
  const tmp = mkdtempSync(join(tmpdir(), 'makemore-same-run-'));
  try {
    const specPath = join(tmp, 'spec.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const dir = out ?? join(tmp, 'out');
    const args =
      NODE_SIDE === 'cli'
        ? [cliBin(repoRoot), 'train', '--config', specPath, ...CLI_FLAGS, '--out', dir]
        : [join(here, 'node-run.mjs'), specPath, '--backend', 'cpu', ...(out ? ['--out', out] : [])];
    return parseJsonLines(runNode(args, dataDir));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Continues the run kept in `dir` (the layout of `makemore train --out DIR`) in Node up to `steps`;
 * returns `{ splitSizes, losses }` with `losses[i]` the loss of step i + 1 (from the resumed step on).
 */
export function resumeInNode(dir, steps, { repoRoot, dataDir }) {
  const args =
    NODE_SIDE === 'cli'
      ? [cliBin(repoRoot), 'train', '--resume', '--out', dir, '--steps', String(steps), ...CLI_FLAGS]
      : [join(here, 'node-run.mjs'), '--resume', dir, '--steps', String(steps), '--backend', 'cpu'];
  return parseJsonLines(runNode(args, dataDir));
}

const CLI_FLAGS = ['--backend', 'cpu', '--json', '--log-every', '1'];
const cliBin = (repoRoot) => join(repoRoot, 'apps/cli/dist/bin.js');

function runNode(args, dataDir) {
  const r = spawnSync(process.execPath, args, {
    cwd: join(here, '..'),
    encoding: 'utf8',
    env: { ...process.env, ...(dataDir ? { MAKEMORE_DATA_DIR: dataDir } : {}) },
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    throw new Error(
      `the Node side (${NODE_SIDE}) failed, exit ${r.status}: ${(r.stderr || r.stdout).trim()}`,
    );
  }
  return r.stdout;
}

/** The split sizes and per-step losses of `--json` output. */
export function parseJsonLines(text) {
  let splitSizes = null;
  const losses = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line);
    if (event.type === 'start') splitSizes = event.splitSizes;
    if (event.type === 'step') losses[event.step - 1] = event.loss;
  }
  if (!splitSizes) throw new Error(`no {"type":"start"} line with splitSizes in:\n${text.slice(0, 500)}`);
  return { splitSizes, losses };
}

/** The spec as the demo's `?spec=` URL parameter carries it (base64url of its JSON). */
export function specParam(spec) {
  return Buffer.from(JSON.stringify(spec), 'utf8').toString('base64url');
}

/**
 * Differences between the two sides, one line each (empty when they agree): split sizes exactly, the
 * losses of steps `from` to `steps` to `tolerance` (absolute).
 */
export function compareRuns(node, browser, steps, tolerance = 1e-5, from = 1) {
  const problems = [];
  if (JSON.stringify(node.splitSizes) !== JSON.stringify(browser.splitSizes)) {
    problems.push(
      `split sizes differ: Node ${JSON.stringify(node.splitSizes)}, browser ${JSON.stringify(browser.splitSizes)}`,
    );
  }
  for (const [name, side] of [
    ['Node', node],
    ['browser', browser],
  ]) {
    const reported = side.losses.slice(from - 1, steps).filter((x) => typeof x === 'number').length;
    if (reported !== steps - from + 1)
      problems.push(`${name} reported ${reported} of the losses of steps ${from} to ${steps}`);
  }
  for (let i = from - 1; i < steps; i++) {
    const a = node.losses[i];
    const b = browser.losses[i];
    if (typeof a === 'number' && typeof b === 'number' && !(Math.abs(a - b) <= tolerance)) {
      problems.push(`step ${i + 1}: Node ${a}, browser ${b} (|Δ| ${Math.abs(a - b).toExponential(2)})`);
    }
  }
  return problems;
}
