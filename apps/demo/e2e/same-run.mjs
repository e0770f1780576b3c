// The same-run check: one run spec trains for a few steps on the deterministic `cpu` backend in Node and
// in the demo's worker in Chromium, and the two must agree on the split sizes and on every step's loss.
// Both sides call @makemore/run's prepareRun; a difference means one of them builds the run differently.
//
// The Node side is one function, `trainInNode`. It runs e2e/node-run.mjs (prepareRun + train directly)
// unless E2E_SAME_RUN_NODE=cli, which runs the built CLI instead:
//   makemore train --config <spec.json> --backend cpu --json --log-every 1 --out <tmp>
// Both print the same JSON lines ({"type":"start",…,"splitSizes":{…}}, {"type":"step","step":n,"loss":x}).
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

/** Which program trains the Node side: `prepareRun` (e2e/node-run.mjs) or the built `cli`. */
export const NODE_SIDE = process.env.E2E_SAME_RUN_NODE === 'cli' ? 'cli' : 'prepareRun';

/**
 * Trains `spec` in Node on the cpu backend; returns `{ splitSizes, losses }` with `losses[i]` the loss
 * of step i + 1.
 */
export function trainInNode(spec, { repoRoot, dataDir }) {
  const tmp = mkdtempSync(join(tmpdir(), 'makemore-same-run-'));
  try {
    const specPath = join(tmp, 'spec.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const args =
      NODE_SIDE === 'cli'
        ? [
            join(repoRoot, 'apps/cli/dist/bin.js'),
            'train',
            '--config',
            specPath,
            '--backend',
            'cpu',
            '--json',
            '--log-every',
            '1',
            '--out',
            join(tmp, 'out'),
          ]
        : [join(here, 'node-run.mjs'), specPath, 'cpu'];
    const r = spawnSync(process.execPath, args, {
      cwd: join(here, '..'),
      encoding: 'utf8',
      env: { ...process.env, ...(dataDir ? { MAKEMORE_DATA_DIR: dataDir } : {}) },
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) {
      throw new Error(
        `the Node side (${NODE_SIDE}) failed, exit ${r.status}: ${(r.stderr || r.stdout).trim()}`,
      );
    }
    return parseJsonLines(r.stdout);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
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
 * Differences between the two sides, one line each (empty when they agree): split sizes exactly, losses
 * to `tolerance` (absolute).
 */
export function compareRuns(node, browser, steps, tolerance = 1e-5) {
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
    if (side.losses.length !== steps || side.losses.some((x) => typeof x !== 'number'))
      problems.push(
        `${name} reported ${side.losses.filter((x) => typeof x === 'number').length} of ${steps} step losses`,
      );
  }
  for (let i = 0; i < steps; i++) {
    const a = node.losses[i];
    const b = browser.losses[i];
    if (typeof a === 'number' && typeof b === 'number' && !(Math.abs(a - b) <= tolerance)) {
      problems.push(`step ${i + 1}: Node ${a}, browser ${b} (|Δ| ${Math.abs(a - b).toExponential(2)})`);
    }
  }
  return problems;
}
