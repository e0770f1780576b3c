// The WebGPU correctness check of the demo: every model family trains a few steps in the demo's worker on
// the `webgpu` backend and on `cpu`, each started through a shareable-run link
// (`?spec=…&backend=webgpu&autostart=1`), and every step's loss must agree within a float32 tolerance.
//
// It runs in its own Chromium with WebGPU on SwiftShader (`--enable-unsafe-webgpu
// --use-webgpu-adapter=swiftshader`: Vulkan on the CPU, which Chromium reports as a fallback adapter), so a
// machine without a GPU checks the same WGSL that a GPU runs: tfjs's own kernels and @makemore/backend's
// fused ones (LayerNorm, GELU, attention, cross-entropy, AdamW, the gradient norm), which the models and
// the trainer use wherever the backend registers them. The badge must name the adapter.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { specOf, specParam } from './same-run.mjs';

/** Steps each family trains on each backend. */
export const WEBGPU_STEPS = 3;

/**
 * Loss tolerances, absolute, for losses near ln(27) ≈ 3.3. The first loss (same weights, same batch,
 * forward only) differs by summation order and WGSL's exp/log/tanh/erf: ~1e-6 relative. Later losses also
 * carry the updates' differences (Adam divides by √v, so a gradient coordinate near zero can move its
 * parameter by up to lr a step), as bench/webgpu/webgpu-node.ts argues; a wrong index or a missing term
 * moves a loss by 1e-2 or more at once.
 */
const FIRST_LOSS_TOL = 1e-4;
const LOSS_TOL = 2e-3;

/** Adam-family defaults at a constant rate (the families' warm-up is longer than these runs). */
const ADAMW = {
  optimizer: {
    type: 'adamw',
    lr: 0.005,
    betas: [0.9, 0.99],
    eps: 1e-8,
    weightDecay: 0.01,
    decay: 'matrices',
  },
  schedule: { type: 'constant' },
};
const STEPS = { training: { steps: WEBGPU_STEPS }, eval: { every: 0, iters: 2 } };
const small = (type) => ({ model: { type, blockSize: 'auto', nEmbd: 8, nEmbd2: 8 } });

/** One small run per model family, all on names. */
export const WEBGPU_CASES = [
  { name: 'bigram-nn', recipe: 'lecture-mlp', model: { type: 'bigram-nn', blockSize: 'auto' }, ...ADAMW },
  { name: 'mlp', recipe: 'lecture-mlp', model: { nHidden: 64 } },
  { name: 'mlp+batchnorm', recipe: 'lecture-batchnorm', model: { nHidden: 64 } },
  { name: 'wavenet', recipe: 'wavenet', model: { nEmbd: 8, nHidden: 32 } },
  { name: 'rnn', recipe: 'lecture-mlp', ...small('rnn'), ...ADAMW, training: { gradClip: 1 } },
  { name: 'gru', recipe: 'lecture-mlp', ...small('gru'), ...ADAMW, training: { gradClip: 1 } },
  { name: 'lstm', recipe: 'lecture-mlp', ...small('lstm'), ...ADAMW, training: { gradClip: 1 } },
  { name: 'bow', recipe: 'lecture-mlp', ...small('bow'), ...ADAMW, training: { gradClip: 1 } },
  {
    name: 'transformer (tanh GELU, biases)',
    recipe: 'makemore-transformer',
    model: { nLayer: 1, nEmbd: 16 },
    training: { gradClip: 1 },
  },
  {
    name: 'nanogpt (erf GELU, no biases)',
    recipe: 'nanogpt-baby',
    model: { nLayer: 1, nEmbd: 16, blockSize: 'auto' },
    data: { dataset: 'names', split: { rule: 'fractions', fractions: [0.8, 0.1, 0.1] } },
    schedule: { type: 'constant' },
    training: { batchSize: 4 },
  },
];

/** The case's full spec: its recipe with the overrides merged in (a model `type` replaces the model). */
async function caseSpec({ name: _name, recipe, model, training, ...rest }) {
  const spec = await specOf({
    recipe,
    ...rest,
    training: { ...training, ...STEPS.training },
    eval: STEPS.eval,
  });
  if (model?.type !== undefined) {
    spec.model = model;
    delete spec.recipe;
  } else if (model) {
    spec.model = { ...spec.model, ...model };
  }
  return spec;
}

/** Opens `link` and waits until the worker's run reports `steps` steps; returns its losses and the badge. */
async function trainThroughLink(page, link, steps, timeout) {
  await page.goto(link);
  const badge = (await page.getByTestId('backend').textContent({ timeout: 60_000 })) ?? '';
  // Done, or an error shown on the page (a spec the demo rejects never starts).
  await page.waitForFunction(
    (n) =>
      (globalThis.__makemoreRun?.status === 'done' && globalThis.__makemoreRun.steps.length >= n) ||
      document.querySelector('[role=alert]') !== null,
    steps,
    { timeout, polling: 200 },
  );
  const alert = await page
    .locator('[role=alert]')
    .first()
    .textContent({ timeout: 100 })
    .catch(() => null);
  if (alert) throw new Error(`the page shows an error: ${alert}`);
  const run = await page.evaluate(() => globalThis.__makemoreRun);
  const losses = [];
  for (const s of run.steps) losses[s.step - 1] = s.loss;
  return { losses, badge };
}

/**
 * Trains every case on webgpu and on cpu in a Chromium with SwiftShader WebGPU; returns one line per
 * problem (none when all agree). `only` keeps the cases whose name contains it.
 */
export async function checkWebGpuTraining({ serverUrl, log, executablePath, only = '' }) {
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--use-webgpu-adapter=swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  const problems = [];
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && errors.push(m.text())));
    // Automatic selection: SwiftShader's WebGPU is slower than wasm, so the demo takes wasm and says why.
    await page.goto(serverUrl);
    const auto = (await page.getByTestId('backend').textContent({ timeout: 60_000 })) ?? '';
    if (!/backend: wasm/.test(auto) || !/no WebGPU: software adapter/.test(auto)) {
      problems.push(`auto on a software adapter should pick wasm and say so; the badge says "${auto}"`);
    }
    log(`  auto with SwiftShader WebGPU: "${auto.trim()}"`);
    let adapterShown = false;
    for (const c of WEBGPU_CASES.filter((x) => x.name.includes(only))) {
      const spec = await caseSpec(c);
      const link = (backend) => `${serverUrl}?spec=${specParam(spec)}&backend=${backend}&autostart=1`;
      const started = Date.now();
      let gpu;
      try {
        gpu = await trainThroughLink(page, link('webgpu'), WEBGPU_STEPS, 120_000);
      } catch (error) {
        // SwiftShader runs in Chromium's GPU process; when that process drops the WebGPU instance (seen once
        // in about ten CI runs, mid-suite, never on one case twice) every buffer read fails with this message.
        // That is the software adapter's host failing, not a kernel: the case runs once more, said in the log,
        // and a second loss fails the test.
        if (!/external Instance reference no longer exists/.test(String(error))) throw error;
        log(
          `  ${c.name}: the GPU process lost its WebGPU instance (${String(error).slice(0, 120)}); running the case again`,
        );
        gpu = await trainThroughLink(page, link('webgpu'), WEBGPU_STEPS, 120_000);
      }
      const gpuSeconds = (Date.now() - started) / 1000;
      const cpu = await trainThroughLink(page, link('cpu'), WEBGPU_STEPS, 120_000);
      if (!/webgpu/.test(gpu.badge))
        problems.push(`${c.name}: asked for webgpu, the badge says "${gpu.badge}"`);
      if (/swiftshader/i.test(gpu.badge)) adapterShown = true;
      let worst = 0;
      for (let i = 0; i < WEBGPU_STEPS; i++) {
        const [a, b] = [gpu.losses[i], cpu.losses[i]];
        const tol = i === 0 ? FIRST_LOSS_TOL : LOSS_TOL;
        if (typeof a !== 'number' || typeof b !== 'number' || !(Math.abs(a - b) <= tol)) {
          problems.push(`${c.name} step ${i + 1}: webgpu ${a}, cpu ${b} (tolerance ${tol})`);
        } else worst = Math.max(worst, Math.abs(a - b));
      }
      if (process.env.E2E_DEBUG)
        log(`    badges: "${gpu.badge}" / "${cpu.badge}"; ${gpu.losses} / ${cpu.losses}`);
      log(
        `  ${c.name}: ${WEBGPU_STEPS} losses agree within ${worst.toExponential(1)} (${cpu.losses[0]?.toFixed(4)} → ${cpu.losses.at(-1)?.toFixed(4)}); webgpu run ${gpuSeconds.toFixed(1)} s`,
      );
    }
    if (!adapterShown) problems.push('the badge never named the SwiftShader adapter');
    for (const e of errors) problems.push(`console error: ${e}`);
  } finally {
    await browser.close();
  }
  return problems;
}

/**
 * Each fused WebGPU kernel against cpu, values and gradients (bench/webgpu/browser-run.mts --check, in its
 * own Chromium with SwiftShader WebGPU); returns its output and whether every kernel agreed.
 */
export function checkFusedKernels({ repoRoot }) {
  const r = spawnSync('pnpm', ['exec', 'tsx', join(repoRoot, 'bench/webgpu/browser-run.mts'), '--check'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}
