// End-to-end: `train --threads auto` (the default) says how many threads it chose and why, `--threads N`
// forces N, and `bench --backend webgpu` runs through Dawn where the optional `webgpu` package and an adapter
// are present, and otherwise refuses with the one-line message that says what is missing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTO_THREADS_MAX, AUTO_THREADS_MIN_MULTIPLY_ADDS } from '@makemore/run';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_DIR, ensureBuilt, jsonLines, REPO, runCli } from './helpers';

let work: string;
beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'makemore-cli-threads-'));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The error contract: exit code 2, one line on stderr, no stack trace. With `dawn`, lines that Dawn's native
 * code prints itself (adapter warnings, e.g. for a Vulkan driver it rejects) are not ours and are left out.
 */
function expectUsageError(r: { code: number | null; stderr: string }, pattern: RegExp, dawn = false): void {
  expect(r.code).toBe(2);
  const lines = r.stderr
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('makemore: note:'))
    .filter((l) => !dawn || l.startsWith('makemore'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^makemore: error: /);
  expect(lines[0]).toMatch(pattern);
}

describe('train --threads', () => {
  it("defaults to auto: one thread for the lecture MLP, the reason in the start event; run.json keeps 'auto'", async () => {
    const r = await runCli(
      ['train', '--steps', '3', '--eval-every', '0', '--backend', 'wasm', '--out', 'auto', '--json'],
      { cwd: work },
    );
    expect(r.code).toBe(0);
    const start = jsonLines(r.stdout).find((l) => l.type === 'start')!;
    expect(start.threads).toBe(1);
    expect(start.threadsReason).toMatch(/^1 thread: 1\.9 M multiply-adds per step, under the 1\.5 G /);
    expect((start.spec as { backend: unknown }).backend).toEqual({ name: 'wasm', threads: 'auto' });
    const saved = JSON.parse(readFileSync(join(work, 'auto', 'run.json'), 'utf8'));
    expect(saved.backend.threads).toBe('auto');
  });

  it('--threads 2 forces two threads, said on the start line', async () => {
    const r = await runCli(
      ['train', '--steps', '3', '--eval-every', '0', '--backend', 'wasm', '--threads', '2', '--out', 'two'],
      { cwd: work },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/backend wasm, 2 threads, as asked/);
    const saved = JSON.parse(readFileSync(join(work, 'two', 'run.json'), 'utf8'));
    expect(saved.backend.threads).toBe(2);
  });

  it('refuses a --threads that is neither auto nor a whole number', async () => {
    const r = await runCli(['train', '--threads', 'two', '--steps', '3'], { cwd: work });
    expectUsageError(
      r,
      /backend\.threads: must be 'auto' or a whole number >= 1, got "two" \(set with --threads\)$/,
    );
  });

  it('--help states the rule with the library’s threshold, and why', async () => {
    const r = await runCli(['train', '--help'], { cwd: work });
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      `auto: every core (at most ${AUTO_THREADS_MAX}) when a step has at least ${AUTO_THREADS_MIN_MULTIPLY_ADDS / 1e9} G multiply-adds`,
    );
    expect(help).toMatch(/threaded wasm build costs more on every small kernel/);
    expect(help).toMatch(/\[default: auto\]/);
  });
});

/** Whether the optional `webgpu` package resolves from where the CLI looks (its backend's folder, the cwd). */
function webgpuInstalled(): boolean {
  for (const base of [join(REPO, 'packages', 'backend', 'dist'), REPO]) {
    try {
      createRequire(join(base, 'x.cjs')).resolve('webgpu');
      return true;
    } catch {}
  }
  return false;
}

/** Dawn's default adapter in a child process: undefined when none, else whether it is a software one. */
function dawnAdapter(): { software: boolean } | undefined {
  const probe = `
    const { create } = require(${JSON.stringify(createRequire(join(REPO, 'x.cjs')).resolve('webgpu'))});
    create([]).requestAdapter({ powerPreference: 'high-performance' }).then((a) => {
      const text = a ? [a.info.vendor, a.info.architecture, a.info.description].join(' ') : '';
      console.log(JSON.stringify(a ? { software: a.info.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|software/i.test(text) } : null));
      process.exit(0);
    });`;
  const out = execFileSync(process.execPath, ['-e', probe], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string) ?? undefined;
}

describe('bench --backend webgpu (Dawn)', () => {
  const bench = ['bench', '--backend', 'webgpu', '--only', 'mlp', '--steps', '4', '--warmup', '1', '--json'];

  it('runs where Dawn finds an adapter, and otherwise says exactly what is missing', async () => {
    if (!webgpuInstalled()) {
      // CI and most machines: the optional package is not installed.
      const r = await runCli(bench, { cwd: REPO });
      expectUsageError(
        r,
        /--backend webgpu: WebGPU in Node needs the optional package webgpu \(Dawn\): npm install webgpu@0\.6\.2 @tensorflow\/tfjs-backend-webgpu@4\.22\.0$/,
      );
      return;
    }
    const adapter = dawnAdapter();
    if (adapter === undefined) {
      const r = await runCli([...bench, '--allow-software'], { cwd: REPO });
      expectUsageError(r, /Dawn found no WebGPU adapter .*VK_ICD_FILENAMES=/, true);
      return;
    }
    if (adapter.software) {
      const refused = await runCli(bench, { cwd: REPO });
      expectUsageError(
        refused,
        /the only WebGPU adapter is .*, a software \(CPU\) one.*--allow-software/,
        true,
      );
    }
    const r = await runCli([...bench, '--allow-software'], { cwd: REPO, timeoutMs: 180_000 });
    expect(r.code).toBe(0);
    const row = jsonLines(r.stdout).find((l) => l.type === 'bench')!;
    expect(row).toMatchObject({ name: 'mlp', backend: 'webgpu', steps: 4, leak: false });
    expect(row.msPerStep as number).toBeGreaterThan(0);
    expect(row.kernelsPerStep as number).toBeGreaterThan(10);
  }, 240_000);

  it('refuses --allow-software without --backend webgpu, and --threads with it', async () => {
    expectUsageError(
      await runCli(['bench', '--only', 'mlp', '--allow-software'], { cwd: CLI_DIR }),
      /--allow-software applies only to --backend webgpu/,
    );
    expectUsageError(
      await runCli(['bench', '--backend', 'webgpu', '--threads', '2'], { cwd: CLI_DIR }),
      /--threads applies to the wasm backend, not --backend webgpu/,
    );
  });
});
