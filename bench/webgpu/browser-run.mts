/**
 * Fused WebGPU kernels in a real browser: bundles browser/page.ts with esbuild, serves it on 127.0.0.1 and
 * drives Chromium (playwright-core) with WebGPU enabled. Without a GPU, Chromium's WebGPU runs on
 * SwiftShader (`--use-webgpu-adapter=swiftshader`, a fallback adapter): slow, but the same WGSL.
 *
 * 1. Correctness: every fused kernel of @makemore/backend on webgpu against the cpu backend's composed ops
 *    (or float64 formulas for the optimizer's), values and gradients; exit 1 when one is off.
 * 2. Counts and speed (skipped by --check): the CLI bench's models (apps/cli/src/commands/bench-specs.ts)
 *    train on webgpu with and without the fused kernels: compute dispatches per step (every
 *    `dispatchWorkgroups`), tfjs kernel calls per step, and the best ms per step.
 *
 *   pnpm build && tsx bench/webgpu/browser-run.mts [--check] [--only gpt,transformer] [--steps 3]
 *       [--gpu] (use the machine's GPU: no SwiftShader flag) [--json FILE] [--kernels] (tfjs kernels by name)
 *       [--fused-only] (skip the stock kernels' rows)
 *       [--grad-clip N] (clip gradients to norm N: two fused rows per model, the clipping composed of tf ops
 *       before the update, and folded into AdamW's kernel)
 *
 * Env: CHROMIUM (default /usr/bin/chromium). ./tsconfig.json maps the package names to their built dist/.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { BENCH_SPECS } from '../../apps/cli/src/commands/bench-specs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: flags } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    gpu: { type: 'boolean', default: false },
    only: { type: 'string' },
    steps: { type: 'string', default: '3' },
    json: { type: 'string' },
    kernels: { type: 'boolean', default: false },
    'fused-only': { type: 'boolean', default: false },
    'grad-clip': { type: 'string' },
  },
});

/** What page.ts puts on the page's globalThis (its functions run inside page.evaluate). */
interface WithPage {
  makemoreWebGpu: {
    init(): Promise<string>;
    checkFusedKernels(): Promise<{ name: string; worst: number; fused: boolean }[]>;
    measureSteps(
      spec: unknown,
      options: { fused: boolean; steps: number; gradClip?: number; clipInKernel?: boolean },
    ): Promise<{
      dispatchesPerStep: number;
      kernelsPerStep: number;
      msPerStep: number;
      loss: number;
      kernelNames: Record<string, number>;
    }>;
  };
}

/** Worst relative difference |a − b| / (1 + |b|) allowed for a fused kernel against cpu. */
const TOLERANCE = 1e-4;

const bundle = await build({
  entryPoints: [join(here, 'browser/page.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  tsconfig: join(here, 'tsconfig.json'),
  logLevel: 'error',
  // tfjs-backend-cpu's package marks its entry side-effect free; the page imports a named export.
  define: { 'process.env.NODE_ENV': '"production"' },
});
const script = bundle.outputFiles[0]?.text ?? '';
const server = createServer((req, res) => {
  if (req.url === '/page.js') {
    res.setHeader('content-type', 'text/javascript');
    res.end(script);
    return;
  }
  res.setHeader('content-type', 'text/html');
  res.end('<!doctype html><script type="module" src="/page.js"></script>');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;

const browser = await chromium.launch({
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: a local browser path, not a build input.
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    ...(flags.gpu ? [] : ['--use-webgpu-adapter=swiftshader']),
    '--disable-quic',
    '--no-first-run',
  ],
});
let failed = false;
const report: Record<string, unknown> = {};
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`console ${m.type()}: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => 'makemoreWebGpu' in globalThis);
  const adapter = await page.evaluate(() => (globalThis as unknown as WithPage).makemoreWebGpu.init());
  console.log(`adapter: ${adapter}`);
  report.adapter = adapter;

  const checks: { name: string; worst: number; fused: boolean }[] = await page.evaluate(() =>
    (globalThis as unknown as WithPage).makemoreWebGpu.checkFusedKernels(),
  );
  report.checks = checks;
  for (const c of checks) {
    const ok = c.fused && c.worst <= TOLERANCE;
    if (!ok) failed = true;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(36)} worst rel. diff ${c.worst.toExponential(2)}${c.fused ? '' : ' (the fused kernels did not run)'}`,
    );
  }

  if (!flags.check) {
    const only = flags.only?.split(',');
    const rows = [];
    for (const spec of BENCH_SPECS.filter((s) => only === undefined || only.includes(s.name))) {
      const gradClip = flags['grad-clip'] === undefined ? undefined : Number(flags['grad-clip']);
      // Without --grad-clip: stock and fused kernels; with it: both fused, the clipping composed or in AdamW.
      const modes: { label: string; fused: boolean; clipInKernel?: boolean }[] =
        gradClip === undefined
          ? [
              ...(flags['fused-only'] ? [] : [{ label: 'stock  ', fused: false }]),
              { label: 'fused  ', fused: true },
            ]
          : [
              { label: 'clip composed  ', fused: true, clipInKernel: false },
              { label: 'clip in AdamW  ', fused: true, clipInKernel: true },
            ];
      for (const mode of modes) {
        const options = {
          fused: mode.fused,
          steps: Number(flags.steps),
          ...(gradClip === undefined ? {} : { gradClip, clipInKernel: mode.clipInKernel }),
        };
        const row = await page.evaluate(
          ([s, o]) => (globalThis as unknown as WithPage).makemoreWebGpu.measureSteps(s, o),
          [spec, options] as const,
        );
        rows.push({ ...row, mode: mode.label.trim() });
        if (flags.kernels) console.log(JSON.stringify(row.kernelNames));
        console.log(
          `${spec.name.padEnd(12)} ${mode.label} ${String(row.dispatchesPerStep).padStart(5)} dispatches/step  ${String(row.kernelsPerStep).padStart(5)} tfjs kernels/step  ${row.msPerStep.toFixed(1).padStart(8)} ms/step  loss ${row.loss.toFixed(4)}`,
        );
      }
    }
    report.steps = rows;
  }
} finally {
  await browser.close();
  server.close();
}
if (flags.json) writeFileSync(flags.json, `${JSON.stringify(report, null, 2)}\n`);
console.log(
  failed ? 'FAILED: a fused WebGPU kernel disagrees with cpu' : 'all fused WebGPU kernels agree with cpu',
);
process.exit(failed ? 1 : 0);
