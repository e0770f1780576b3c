#!/usr/bin/env node
// Enforces the package graph: data flows one way, random/tokenizers → datasets → backend → models →
// trainer → run → apps. A package may depend only on packages in a strictly lower layer, and the browser-safe
// source of a package (everything except src/node.ts, src/node/** and tests) imports no Node built-in.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const LAYERS = {
  '@makemore/random': 0,
  '@makemore/tokenizers': 0,
  '@makemore/datasets': 1,
  '@makemore/backend': 2,
  '@makemore/models': 3,
  '@makemore/trainer': 4,
  '@makemore/run': 5,
  '@makemore/cli': 6,
  demo: 6,
};

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const importRe =
  /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

const isTest = (file) => /\.test\.tsx?$|\/test\/|\/e2e\//.test(file);
const isNodeOnly = (rel) => /(^|\/)src\/node(\.ts|\/)/.test(rel) || /(^|\/)src\/bin\.ts$/.test(rel);

export function checkLayers() {
  const problems = [];
  for (const group of ['packages', 'apps']) {
    for (const dir of readdirSync(join(root, group))) {
      const pkgDir = join(root, group, dir);
      let pkg;
      try {
        pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      const layer = LAYERS[pkg.name];
      if (layer === undefined) {
        problems.push(`${pkg.name}: not in LAYERS of scripts/check-layers.mjs; give it a layer`);
        continue;
      }
      const deps = { ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.devDependencies };
      for (const dep of Object.keys(deps)) {
        if (dep in LAYERS && LAYERS[dep] >= layer && dep !== pkg.name) {
          problems.push(
            `${pkg.name} (layer ${layer}) depends on ${dep} (layer ${LAYERS[dep]}): dependencies must point down`,
          );
        }
      }
      let files = [];
      try {
        files = walk(join(pkgDir, 'src'));
      } catch {}
      const browserApp = pkg.name === 'demo';
      for (const file of files) {
        const rel = relative(root, file);
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(importRe)) {
          const spec = m[1] ?? m[2] ?? m[3];
          const target = spec.startsWith('@makemore/') ? spec.split('/').slice(0, 2).join('/') : null;
          if (target && target in LAYERS && LAYERS[target] >= layer && target !== pkg.name) {
            problems.push(
              `${rel} imports ${spec}: ${pkg.name} (layer ${layer}) may not import layer ${LAYERS[target]}`,
            );
          }
          if (target && target !== pkg.name && !(target in deps)) {
            problems.push(`${rel} imports ${spec}, which ${pkg.name}'s package.json does not list`);
          }
          const browserSafe = (group === 'packages' || browserApp) && !isTest(rel) && !isNodeOnly(rel);
          if (browserSafe && builtins.has(spec.split('/')[0])) {
            problems.push(
              `${rel} imports the Node built-in '${spec}' in browser-safe code; move it to src/node.ts or src/node/`,
            );
          }
        }
      }
    }
  }
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problems = checkLayers();
  if (problems.length > 0) {
    console.error(`Package graph check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log(
    'Package graph check: dependencies point down and browser-safe code imports no Node built-ins.',
  );
}
