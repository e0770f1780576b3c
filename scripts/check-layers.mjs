#!/usr/bin/env node
// Enforces the package graph: data flows one way, random/tokenizers → datasets → backend → models →
// trainer → run → apps. A package may depend only on packages in a strictly lower layer, and the browser-safe
// source of a package (everything except src/node.ts, src/node/** and tests) imports no Node built-in.
//
// Every code folder of a package or app counts, not only src/: its test/, bench/ and scripts/ folders too,
// since a benchmark that imports a higher layer ties the package to it as surely as its source would. Those
// folders may not reach into another package or an app by a relative path either (that skips the package's
// exports and its package.json), nor into another package's build output (dist/). Code that needs several
// packages at once belongs in the repository's own bench/ or scripts/, which may import anything; there the
// check only asks that each relative import points at a file that exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

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

/** The folders of a package or app whose code the check reads. */
const PACKAGE_CODE_FOLDERS = ['src', 'test', 'bench', 'scripts'];
/** The repository's own code folders: cross-package by design, so only their relative imports are checked. */
const ROOT_CODE_FOLDERS = ['bench', 'scripts'];

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const importRe =
  /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function walk(dir) {
  const out = [];
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(name)) out.push(p);
  }
  return out;
}

/** Every module specifier a file imports, re-exports or requires. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(importRe)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]);
}

/** Whether a relative import names a file (or a folder with an index or package.json) that exists. */
function resolves(file, spec) {
  const base = resolve(dirname(file), spec.replace(/[?#].*$/, ''));
  const stems = [base, base.replace(/\.(c|m)?js$/, '.$1ts'), base.replace(/\.js$/, '.tsx')];
  const endings = ['', '.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.d.ts'];
  const indexes = ['/index.ts', '/index.tsx', '/index.js', '/index.mjs', '/package.json'];
  return stems.some(
    (stem) =>
      endings.some((e) => existsSync(stem + e) && statSync(stem + e).isFile()) ||
      indexes.some((i) => existsSync(stem + i)),
  );
}

const isTest = (file) => /\.test\.tsx?$|\/test\/|\/e2e\//.test(file);
const isNodeOnly = (rel) => /(^|\/)src\/node(\.ts|\/)/.test(rel) || /(^|\/)src\/bin\.ts$/.test(rel);
const toPosix = (p) => p.split(sep).join('/');

/** The workspace's packages and apps: folder, package.json and layer. */
function workspaceOf(root) {
  const members = [];
  for (const group of ['packages', 'apps']) {
    let dirs = [];
    try {
      dirs = readdirSync(join(root, group));
    } catch {
      continue;
    }
    for (const dir of dirs) {
      const pkgDir = join(root, group, dir);
      let pkg;
      try {
        pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      members.push({ group, folder: `${group}/${dir}`, pkg, layer: LAYERS[pkg.name] });
    }
  }
  return members;
}

/**
 * What is wrong with a relative import from a package's file: `undefined` when it stays inside the package,
 * else why it may not leave it (an app, another package's dist/, a higher package, any package by path).
 */
function relativeImportProblem(root, member, members, target) {
  const rel = toPosix(relative(root, target));
  if (rel === member.folder || rel.startsWith(`${member.folder}/`)) return undefined;
  const owner = members.find((m) => rel === m.folder || rel.startsWith(`${m.folder}/`));
  if (owner === undefined)
    return 'reaches outside its package; cross-package code belongs in the root bench/';
  if (owner.group === 'apps') {
    return `reaches into the app ${owner.pkg.name} (${owner.folder}); a package may not import an app`;
  }
  const where =
    rel === `${owner.folder}/dist` || rel.startsWith(`${owner.folder}/dist/`) ? ' build output' : '';
  if (owner.layer !== undefined && member.layer !== undefined && owner.layer >= member.layer) {
    return `reaches up into ${owner.pkg.name}'s${where || ' files'} (layer ${owner.layer}): ${member.pkg.name} (layer ${member.layer}) may not import it`;
  }
  if (where)
    return `reaches into ${owner.pkg.name}'s build output (${owner.folder}/dist); import ${owner.pkg.name} by name`;
  return `reaches into ${owner.pkg.name}'s files by path; import ${owner.pkg.name} by name and list it in package.json`;
}

/** Checks the package graph of the repository at `root` (this repository by default); returns the problems. */
export function checkLayers(root = repoRoot) {
  const problems = [];
  const members = workspaceOf(root);
  for (const member of members) {
    const { group, folder, pkg, layer } = member;
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
    const browserApp = pkg.name === 'demo';
    for (const codeFolder of PACKAGE_CODE_FOLDERS) {
      for (const file of walk(join(root, folder, codeFolder))) {
        const rel = toPosix(relative(root, file));
        for (const spec of importsOf(file)) {
          if (spec.startsWith('.')) {
            const why = relativeImportProblem(root, member, members, resolve(dirname(file), spec));
            if (why !== undefined) problems.push(`${rel} imports ${spec}, which ${why}`);
            continue;
          }
          const target = spec.startsWith('@makemore/') ? spec.split('/').slice(0, 2).join('/') : null;
          if (target && target in LAYERS && LAYERS[target] >= layer && target !== pkg.name) {
            problems.push(
              `${rel} imports ${spec}: ${pkg.name} (layer ${layer}) may not import layer ${LAYERS[target]}`,
            );
          }
          if (target && target !== pkg.name && !(target in deps)) {
            problems.push(`${rel} imports ${spec}, which ${pkg.name}'s package.json does not list`);
          }
          const browserSafe =
            codeFolder === 'src' && (group === 'packages' || browserApp) && !isTest(rel) && !isNodeOnly(rel);
          if (browserSafe && builtins.has(spec.split('/')[0])) {
            problems.push(
              `${rel} imports the Node built-in '${spec}' in browser-safe code; move it to src/node.ts or src/node/`,
            );
          }
        }
      }
    }
  }
  for (const codeFolder of ROOT_CODE_FOLDERS) {
    // Test files are left to their test runner, which fails on a missing import anyway (and this check's
    // own tests hold fixture imports in strings).
    for (const file of walk(join(root, codeFolder))) {
      const rel = toPosix(relative(root, file));
      if (isTest(rel)) continue;
      for (const spec of importsOf(file)) {
        // A package's dist/ exists only after a build, and lint runs before one.
        if (spec.startsWith('.') && !/(^|\/)dist(\/|$)/.test(spec) && !resolves(file, spec)) {
          problems.push(`${rel} imports ${spec}, which is not a file; fix the path`);
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
    'Package graph check: dependencies point down (src, test, bench and scripts alike), no package reaches into ' +
      'an app or another package by path, and browser-safe code imports no Node built-ins.',
  );
}
