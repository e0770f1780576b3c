// Every published package passes publint and "Are the types wrong?" on what `npm pack` would ship,
// and carries the metadata the foundation issue asks for.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM helper without types
import { publishedPackages, root } from './published-packages.mjs';

const packages: { name: string; dir: string; rel: string }[] = publishedPackages();
const attw = join(root, 'node_modules/.bin/attw');
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** A bare module specifier in built JavaScript or declarations: `from "x"`, `import("x")`, `require("x")`, `import "x"`. */
// A module specifier has no whitespace, and `from`/`import`/`require` start a word: prose and strings such as
// `'from' | 'model'` or `"--init-from"` are not imports.
const bareImportRe =
  /(?<![\w$-])(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)["']([^"'./\s][^"'\s]*)["']/g;

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

  it('imports, once built, only the packages its dependencies and peerDependencies name', () => {
    // A dev dependency is not installed for users: what the build takes from one (e.g. @makemore/models'
    // fused-kernel names from @makemore/backend) must be bundled in, types included.
    const installed = new Set([
      name,
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
    ]);
    const stray: string[] = [];
    for (const file of readdirSync(join(dir, 'dist'), { recursive: true, encoding: 'utf8' })) {
      if (!/\.(c?js|d\.c?ts)$/.test(file)) continue;
      for (const [, spec = ''] of readFileSync(join(dir, 'dist', file), 'utf8').matchAll(bareImportRe)) {
        const segments = spec.split('/');
        const target = spec.startsWith('@') ? segments.slice(0, 2).join('/') : (segments[0] ?? spec);
        if (!installed.has(target) && !builtins.has(target)) stray.push(`dist/${file} imports ${spec}`);
      }
    }
    expect(stray, `${rel}: list these in dependencies or bundle them in`).toEqual([]);
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
