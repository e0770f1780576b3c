// Every published package passes publint and "Are the types wrong?" on what `npm pack` would ship,
// and carries the metadata the foundation issue asks for.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM helper without types
import { publishedPackages, root } from './published-packages.mjs';

const packages: { name: string; dir: string; rel: string }[] = publishedPackages();
const attw = join(root, 'node_modules/.bin/attw');

describe.each(packages)('$name', ({ name, dir, rel }) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

  it('is built (run `pnpm build` first)', () => {
    expect(existsSync(join(dir, 'dist/index.js')), `${rel}/dist/index.js`).toBe(true);
    expect(existsSync(join(dir, 'dist/index.cjs')), `${rel}/dist/index.cjs`).toBe(true);
    expect(existsSync(join(dir, 'dist/index.d.ts')), `${rel}/dist/index.d.ts`).toBe(true);
  });

  it('has the metadata every published package needs', () => {
    // false, or the built files that register tfjs kernels or gradients when imported (bundlers must keep them).
    if (Array.isArray(pkg.sideEffects)) {
      for (const file of pkg.sideEffects as string[]) {
        if (!file.includes('*')) {
          expect(existsSync(join(dir, file)), `sideEffects names ${file}, which is not built`).toBe(true);
        }
        expect(file.startsWith('./dist/'), `sideEffects names ${file}, which is not published`).toBe(true);
      }
    } else {
      expect(pkg.sideEffects).toBe(false);
    }
    expect(pkg.license).toBe('MIT');
    expect(pkg.engines?.node).toBeTruthy();
    expect(pkg.repository?.directory).toBe(rel);
    expect(pkg.publishConfig?.access).toBe('public');
    expect(pkg.files).toContain('dist');
    for (const [entry, target] of Object.entries<Record<string, Record<string, string>>>(pkg.exports)) {
      if (entry === './package.json') continue;
      expect(Object.keys(target).sort(), `exports["${entry}"]`).toEqual(['import', 'require']);
      expect(target.import?.types && target.require?.types, `exports["${entry}"] types`).toBeTruthy();
    }
    expect(existsSync(join(dir, 'README.md')), `${rel}/README.md`).toBe(true);
  });

  it('passes publint', async () => {
    const { messages } = await publint({ pkgDir: dir, level: 'suggestion', strict: true, pack: 'pnpm' });
    const text = messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
    expect(text).toEqual([]);
  });

  it('passes "Are the types wrong?" for node16 (ESM and CJS) and bundlers', () => {
    let output = '';
    let failed = false;
    try {
      output = execFileSync(attw, ['--pack', '.', '--profile', 'node16', '--no-emoji', '--no-color'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      failed = true;
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(failed, `${name}: attw reported problems\n${output}`).toBe(false);
  });
});

describe('@makemore/tokenizers', () => {
  it('has zero runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'packages/tokenizers/package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
  });
});

describe('TensorFlow.js', () => {
  it('is a peer dependency of every library package that uses it', () => {
    for (const { rel } of packages.filter((p) => p.rel.startsWith('packages/'))) {
      const pkg = JSON.parse(readFileSync(join(root, rel, 'package.json'), 'utf8'));
      expect(
        pkg.dependencies?.['@tensorflow/tfjs-core'],
        `${rel} must not bundle its own tfjs-core`,
      ).toBeUndefined();
    }
  });
});
