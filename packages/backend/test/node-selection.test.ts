import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOptionalPackage, useBestBackend } from '../src/node';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An empty directory: nothing resolves from it except what its parents hold. */
function emptyDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'makemore-backend-absent-'));
  dirs.push(d);
  return d;
}

/**
 * A directory whose node_modules holds a package `name` that fails the way a broken tfjs-node does:
 * its main file loads a native addon, and the addon file is not a loadable shared object.
 */
function brokenNativeDir(name: string): string {
  const d = mkdtempSync(join(tmpdir(), 'makemore-backend-broken-'));
  dirs.push(d);
  const pkg = join(d, 'node_modules', ...name.split('/'));
  mkdirSync(join(pkg, 'lib'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name, version: '4.22.0', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), "module.exports = require('./lib/tfjs_binding.node');\n");
  writeFileSync(join(pkg, 'lib', 'tfjs_binding.node'), 'this is not an ELF shared object');
  return d;
}

describe('loadOptionalPackage', () => {
  it('reports a package that is not installed as absent', () => {
    const found = loadOptionalPackage('@tensorflow/tfjs-node', [emptyDir()]);
    expect(found).toMatchObject({ state: 'absent', why: '@tensorflow/tfjs-node is not installed' });
  });

  it('reports a package whose native addon fails to load as broken, with the loader message', () => {
    const found = loadOptionalPackage('@tensorflow/tfjs-node', [brokenNativeDir('@tensorflow/tfjs-node')]);
    expect(found.state).toBe('broken');
    expect(found.state === 'broken' ? found.why : '').toMatch(
      /failed to load: .*(ELF|shared object|too short)/i,
    );
  });

  it('loads a package that works', () => {
    const found = loadOptionalPackage('@tensorflow/tfjs-backend-cpu');
    expect(found.state).toBe('loaded');
  });
});

describe('useBestBackend in Node', () => {
  it('falls back to the repaired wasm when tfjs-node is absent, with exactly one notice', async () => {
    const notices: string[] = [];
    const choice = await useBestBackend({ resolveFrom: emptyDir(), onNotice: (m) => notices.push(m) });
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.tried.map((t) => [t.name, t.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['wasm', true],
    ]);
    expect(choice.tried[1]!.why).toContain('@tensorflow/tfjs-node is not installed');
    expect(choice.reason).toMatch(/^wasm is the fastest backend that loaded/);
    expect(choice.threads).toBe(1);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('npm install @tensorflow/tfjs-node@4.22.0');
  });

  it('falls back without crashing when tfjs-node is installed but broken, and says so once', async () => {
    const notices: string[] = [];
    const base = brokenNativeDir('@tensorflow/tfjs-node');
    const choice = await useBestBackend({ resolveFrom: base, onNotice: (m) => notices.push(m) });
    expect(choice.backend).toBe('wasm');
    expect(choice.tried[1]).toMatchObject({ name: 'tensorflow', ok: false });
    expect(choice.tried[1]!.why).toContain('failed to load');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('@tensorflow/tfjs-node is installed at');
    expect(notices[0]).toContain('npm rebuild @tensorflow/tfjs-node');
  });

  it('rejects a forced tensorflow backend that cannot load, saying why and how to install it', async () => {
    await expect(useBestBackend({ prefer: 'tensorflow', resolveFrom: emptyDir() })).rejects.toThrow(
      /'tensorflow' backend was requested but cannot be used: @tensorflow\/tfjs-node is not installed\. To use it, install it with `npm install @tensorflow\/tfjs-node@4\.22\.0`/,
    );
    const base = brokenNativeDir('@tensorflow/tfjs-node-gpu');
    await expect(useBestBackend({ prefer: 'tensorflow-gpu', resolveFrom: base })).rejects.toThrow(
      /failed to load.*CUDA/,
    );
  });

  it('honours a forced cpu backend without a notice', async () => {
    const notices: string[] = [];
    const choice = await useBestBackend({ prefer: 'cpu', onNotice: (m) => notices.push(m) });
    expect(choice).toMatchObject({ backend: 'cpu', tried: [{ name: 'cpu', ok: true }] });
    expect(tf.getBackend()).toBe('cpu');
    expect(notices).toEqual([]);
  });

  it('rejects unknown and browser-only names with the list of choices', async () => {
    await expect(useBestBackend({ prefer: 'cuda' })).rejects.toThrow(
      "Unknown backend 'cuda'. Choose one of: auto, tensorflow-gpu, tensorflow, wasm, cpu",
    );
    await expect(useBestBackend({ prefer: 'webgl' })).rejects.toThrow(/webgl exists only in the browser/);
  });
});
