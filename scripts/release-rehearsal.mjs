#!/usr/bin/env node
// Release rehearsal: version and publish every public package with changesets to a real, local npm registry
// (verdaccio on 127.0.0.1), install @makemore/tokenizers alone into an empty folder and use it from ESM and CJS
// (including the bundled cl100k_base encoding, checked against tiktoken's ids),
// then publish a patch of one package and check that every other package keeps its version.
// A new user's view: every published package is installed from the registry into fresh npm and pnpm projects,
// the install size and the bundle size of single exports are measured against their targets, and every
// README example runs unchanged (scripts/readme-examples.mjs) in both projects.
// Works on a throw-away copy of the workspace, so the repository itself is never versioned or modified.
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';
import { publishedPackages, root } from './published-packages.mjs';
import { importBlocks } from './readme-examples.mjs';

const bin = (name) => join(root, 'node_modules/.bin', name);
let failures = 0;
let passes = 0;

function check(label, ok, detail = '') {
  if (ok) passes++;
  else failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${detail ? `: ${detail}` : ''}`);
}

function sh(cmd, args, cwd, env = {}) {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForRegistry(url, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}-/ping`);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`verdaccio did not answer on ${url} within 30 s`);
}

/** A copy of the workspace with just what changesets and `pnpm publish` read: manifests, docs, dist, changesets. */
function copyWorkspace(dest) {
  for (const f of ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml'])
    cpSync(join(root, f), join(dest, f));
  cpSync(join(root, '.changeset'), join(dest, '.changeset'), { recursive: true });
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const from = join(root, group, name);
      if (!existsSync(join(from, 'package.json'))) continue;
      for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist']) {
        if (existsSync(join(from, f))) cpSync(join(from, f), join(dest, group, name, f), { recursive: true });
      }
    }
  }
  linkWorkspaceDependencies(dest);
  sh('git', ['init', '-q', '-b', 'main'], dest);
  sh('git', ['add', '-A'], dest);
  sh(
    'git',
    ['-c', 'user.email=rehearsal@localhost', '-c', 'user.name=rehearsal', 'commit', '-qm', 'snapshot'],
    dest,
  );
}

/** `pnpm publish` resolves `workspace:` ranges from the linked packages, so link them as `pnpm install` would. */
function linkWorkspaceDependencies(dest) {
  const dirs = {};
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(dest, group))) {
      const pkg = JSON.parse(readFileSync(join(dest, group, name, 'package.json'), 'utf8'));
      dirs[pkg.name] = join(dest, group, name);
    }
  }
  for (const dir of Object.values(dirs)) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const deps = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies };
    for (const [dep, range] of Object.entries(deps)) {
      if (!String(range).startsWith('workspace:') || !dirs[dep]) continue;
      mkdirSync(join(dir, 'node_modules', dirname(dep)), { recursive: true });
      symlinkSync(dirs[dep], join(dir, 'node_modules', dep), 'dir');
    }
  }
}

/** Bytes of every file under `dir` (symlinks not followed, hard links counted once per path). */
function dirBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

const MB = 1e6;
const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;
const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

/** Targets of issue 25: a Node install of the library packages, and what one import costs a bundle. */
const INSTALL_TARGET_BYTES = 80 * MB;
const BUNDLE_TARGETS = [
  { pkg: '@makemore/models', name: 'BigramCounts', gzipBytes: 10_000 },
  { pkg: '@makemore/tokenizers', name: 'CharTokenizer', gzipBytes: 5_000 },
];

/** A fresh project that depends on `deps`, with the rehearsal's registry. */
function freshProject(dir, deps, npmrc) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.npmrc'), npmrc);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'rehearsal-user',
      version: '1.0.0',
      private: true,
      type: 'module',
      dependencies: deps,
    }),
  );
}

/** Bundles `import { name } from pkg` for the browser with esbuild, minified; returns raw and gzipped bytes. */
async function bundleBytes(projectDir, pkg, name) {
  const result = await build({
    stdin: {
      contents: `import { ${name} } from '${pkg}';\nglobalThis.keep = ${name};\n`,
      resolveDir: projectDir,
      loader: 'js',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { raw: code.length, gzip: gzipSync(code).length, tfjs: Buffer.from(code).includes('tfjs') };
}

/** Runs every README example of every published package in `projectDir`; returns [ran, fragments]. */
async function runReadmeExamples(projectDir, label, packages) {
  let ran = 0;
  let fragments = 0;
  const dataDir = process.env.MAKEMORE_DATA_DIR;
  for (const p of packages) {
    // The README as published: the one in the installed package.
    const readme = readFileSync(join(projectDir, 'node_modules', p.name, 'README.md'), 'utf8');
    for (const block of importBlocks(readme)) {
      if (block.fragment) {
        fragments++;
        continue;
      }
      const where = `${p.rel}/README.md:${block.line}`;
      const { code } = await transform(block.code, { loader: 'ts', format: 'esm', target: 'es2022' });
      const file = `readme-${p.rel.replace('/', '-')}-${block.line}.mjs`;
      writeFileSync(join(projectDir, file), code);
      const started = Date.now();
      let ok = true;
      let detail = '';
      try {
        execFileSync('node', [file], {
          cwd: projectDir,
          encoding: 'utf8',
          env: { ...process.env, MAKEMORE_DATA_DIR: dataDir },
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 240_000,
        });
      } catch (error) {
        ok = false;
        const stderr = String(error.stderr ?? error.message ?? error)
          .trim()
          .split('\n');
        detail =
          stderr
            .filter((l) => /Error|error/.test(l))
            .slice(0, 2)
            .join(' | ') || stderr.slice(-3).join(' | ');
      }
      ran++;
      check(
        `${label}: ${where} runs as written (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        ok,
        detail,
      );
    }
  }
  return [ran, fragments];
}

const versionOf = (dir, rel) => JSON.parse(readFileSync(join(dir, rel, 'package.json'), 'utf8')).version;

async function main() {
  const packages = publishedPackages();
  for (const p of packages) {
    if (!existsSync(join(p.dir, 'dist')))
      throw new Error(`${p.rel}/dist is missing: run \`pnpm build\` first`);
  }

  const work = mkdtempSync(join(tmpdir(), 'makemore-release-'));
  const workspace = join(work, 'workspace');
  const storage = join(work, 'storage');
  const port = await freePort();
  const registry = `http://127.0.0.1:${port}/`;
  writeFileSync(
    join(work, 'verdaccio.yaml'),
    [
      `storage: ${storage}`,
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $all',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const verdaccio = spawn(
    bin('verdaccio'),
    ['--config', join(work, 'verdaccio.yaml'), '--listen', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let verdaccioLog = '';
  verdaccio.stdout.on('data', (d) => (verdaccioLog += d));
  verdaccio.stderr.on('data', (d) => (verdaccioLog += d));

  try {
    await waitForRegistry(registry, verdaccio);
    console.log(`verdaccio is up on ${registry}`);
    copyWorkspace(workspace);
    const npmrc = `registry=${registry}\n//127.0.0.1:${port}/:_authToken=rehearsal\n`;
    writeFileSync(join(workspace, '.npmrc'), npmrc);
    const env = {
      npm_config_registry: registry,
      NPM_CONFIG_USERCONFIG: join(workspace, '.npmrc'),
      CI: 'true',
    };

    // 1. Version with the pending changesets, then publish every public package.
    sh(bin('changeset'), ['version'], workspace, env);
    sh(bin('changeset'), ['publish'], workspace, env);
    const published = {};
    for (const p of packages) {
      const expected = versionOf(workspace, p.rel);
      let got = '';
      try {
        got = sh(
          'npm',
          ['view', `${p.name}@${expected}`, 'version', '--registry', registry],
          work,
          env,
        ).trim();
      } catch {}
      published[p.name] = expected;
      check(`published ${p.name}@${expected}`, got === expected, got ? '' : 'not in the registry');
    }

    // 1b. A new user installs the packages into fresh npm and pnpm projects and runs every README example.
    if (!process.env.MAKEMORE_DATA_DIR)
      throw new Error('set MAKEMORE_DATA_DIR: the README examples load datasets');
    const libraries = packages.filter((p) => p.rel.startsWith('packages/'));
    const cli = packages.filter((p) => !p.rel.startsWith('packages/'));
    // The READMEs tell a user to install tfjs-core (a peer) and, for the examples without @makemore/backend,
    // the cpu backend.
    const tfjs = { '@tensorflow/tfjs-core': '4.22.0', '@tensorflow/tfjs-backend-cpu': '4.22.0' };
    const depsOf = (list) => Object.fromEntries(list.map((p) => [p.name, published[p.name]]));
    // @makemore/* come from the local registry; everything else (tfjs) from the user's usual registry.
    const userNpmrc = `@makemore:registry=${registry}\n//127.0.0.1:${port}/:_authToken=rehearsal\n`;
    const userEnv = { CI: 'true', npm_config_registry: undefined, NPM_CONFIG_USERCONFIG: undefined };
    const npmApp = join(work, 'user-npm');
    freshProject(npmApp, { ...depsOf(libraries), ...tfjs }, userNpmrc);
    let started = Date.now();
    sh('npm', ['install', '--no-audit', '--no-fund'], npmApp, userEnv);
    const libraryBytes = dirBytes(join(npmApp, 'node_modules'));
    console.log(
      `     npm install of the ${libraries.length} library packages: ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    check(
      `install size of the ${libraries.length} library packages with npm (${libraries.map((p) => p.name.split('/')[1]).join(', ')}) ≤ ${mb(INSTALL_TARGET_BYTES)}`,
      libraryBytes <= INSTALL_TARGET_BYTES,
      mb(libraryBytes),
    );
    for (const browserOnly of ['@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-webgpu']) {
      check(
        `a Node install carries no ${browserOnly}`,
        !existsSync(join(npmApp, 'node_modules', browserOnly)),
      );
    }
    for (const target of BUNDLE_TARGETS) {
      const size = await bundleBytes(npmApp, target.pkg, target.name);
      check(
        `esbuild bundle of { ${target.name} } from ${target.pkg} ≤ ${kB(target.gzipBytes)} gzipped`,
        size.gzip <= target.gzipBytes,
        `${kB(size.raw)} minified, ${kB(size.gzip)} gzipped${size.tfjs ? ', includes tfjs' : ''}`,
      );
    }
    sh(
      'npm',
      ['install', '--no-audit', '--no-fund', ...cli.map((p) => `${p.name}@${published[p.name]}`)],
      npmApp,
      userEnv,
    );
    console.log(
      `     libraries + ${cli.map((p) => p.name).join(', ')} with npm: ${mb(dirBytes(join(npmApp, 'node_modules')))}`,
    );

    for (const p of packages) {
      const installed = join(npmApp, 'node_modules', p.name);
      const changelog = join(installed, 'CHANGELOG.md');
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
      check(
        `${p.name} ships LICENSE, a CHANGELOG from \`changeset version\` with ## ${published[p.name]}, keywords, homepage, bugs`,
        existsSync(join(installed, 'LICENSE')) &&
          existsSync(changelog) &&
          readFileSync(changelog, 'utf8').includes(`## ${published[p.name]}`) &&
          manifest.keywords?.length > 0 &&
          Boolean(manifest.homepage) &&
          Boolean(manifest.bugs?.url),
      );
    }

    const pnpmApp = join(work, 'user-pnpm');
    freshProject(pnpmApp, { ...depsOf(packages), ...tfjs }, userNpmrc);
    started = Date.now();
    sh('pnpm', ['install', '--config.confirmModulesPurge=false'], pnpmApp, userEnv);
    console.log(
      `     pnpm install of every published package: ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );

    started = Date.now();
    const [ranNpm, fragments] = await runReadmeExamples(npmApp, 'npm', packages);
    const [ranPnpm] = await runReadmeExamples(pnpmApp, 'pnpm', packages);
    console.log(
      `     README examples: ${ranNpm} run under npm, ${ranPnpm} under pnpm, ${fragments} marked fragments skipped ` +
        `(${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );

    // 2. A user installs only the tokenizer package from the local registry.
    const app = join(work, 'app');
    cpSync(join(workspace, '.npmrc'), join(app, '.npmrc'), { recursive: true });
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'rehearsal-app', version: '1.0.0', private: true }),
    );
    sh(
      'npm',
      ['install', '@makemore/tokenizers', '--registry', registry, '--no-audit', '--no-fund'],
      app,
      env,
    );
    const top = readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.'));
    const scoped = readdirSync(join(app, 'node_modules/@makemore'));
    check(
      'npm install @makemore/tokenizers installs nothing else',
      top.join() === '@makemore' && scoped.join() === 'tokenizers',
      `node_modules has ${top.join(', ')}; @makemore has ${scoped.join(', ')}`,
    );

    const text = 'hello world, héllo 🌍!';
    writeFileSync(
      join(app, 'esm.mjs'),
      `import { CharTokenizer, BpeTokenizer } from '@makemore/tokenizers';
const text = ${JSON.stringify(text)};
const char = CharTokenizer.fromText(text);
const bpe = BpeTokenizer.train(text.repeat(20), { vocabSize: 260 });
const ok = char.decode(char.encode(text)) === text && bpe.decode(bpe.encode(text)) === text;
console.log(ok ? 'roundtrip-ok' : 'roundtrip-broken');
`,
    );
    writeFileSync(
      join(app, 'cjs.cjs'),
      `const { CharTokenizer, BpeTokenizer } = require('@makemore/tokenizers');
const text = ${JSON.stringify(text)};
const char = CharTokenizer.fromText(text);
const bpe = BpeTokenizer.train(text.repeat(20), { vocabSize: 260 });
const ok = char.decode(char.encode(text)) === text && bpe.decode(bpe.encode(text)) === text;
console.log(ok ? 'roundtrip-ok' : 'roundtrip-broken');
`,
    );
    for (const script of ['esm.mjs', 'cjs.cjs']) {
      let out = '';
      try {
        out = sh('node', [script], app).trim();
      } catch (error) {
        out = String(error.stderr ?? error);
      }
      check(
        `tokenizers encode/decode round trip from ${script.endsWith('.mjs') ? 'ESM' : 'CJS'}`,
        out === 'roundtrip-ok',
        out,
      );
    }

    // 2b. The bundled encodings from the installed tarball: ids equal Python tiktoken's on the fixture texts
    // (packages/tokenizers/test/fixtures/tiktoken-ids.json, written by generate_tiktoken_fixtures.py).
    const fixture = JSON.parse(
      readFileSync(join(root, 'packages/tokenizers/test/fixtures/tiktoken-ids.json'), 'utf8'),
    );
    const expected = JSON.stringify(fixture.ids.cl100k_base);
    writeFileSync(
      join(app, 'encodings.mjs'),
      `import enc from '@makemore/tokenizers/encodings/cl100k_base';
import { encodingForModel } from '@makemore/tokenizers';
const texts = ${JSON.stringify(fixture.texts)};
const ids = JSON.stringify(texts.map((t) => enc.encodeOrdinary(t)));
const lazy = (await encodingForModel('gpt-4')) === enc;
console.log(ids === ${JSON.stringify(expected)} && lazy ? 'tiktoken-ids-ok' : 'tiktoken-ids-differ');
`,
    );
    writeFileSync(
      join(app, 'encodings.cjs'),
      `const enc = require('@makemore/tokenizers/encodings/cl100k_base').default;
const texts = ${JSON.stringify(fixture.texts)};
const ids = JSON.stringify(texts.map((t) => enc.encodeOrdinary(t)));
console.log(ids === ${JSON.stringify(expected)} ? 'tiktoken-ids-ok' : 'tiktoken-ids-differ');
`,
    );
    for (const script of ['encodings.mjs', 'encodings.cjs']) {
      let out = '';
      try {
        out = sh('node', [script], app).trim();
      } catch (error) {
        out = String(error.stderr ?? error);
      }
      check(
        `@makemore/tokenizers/encodings/cl100k_base gives tiktoken's ids from ${script.endsWith('.mjs') ? 'ESM' : 'CJS'}`,
        out === 'tiktoken-ids-ok',
        out,
      );
    }

    // 3. A patch of one package only; the others keep their versions.
    const target = '@makemore/tokenizers';
    writeFileSync(
      join(workspace, '.changeset/rehearsal-patch.md'),
      `---\n"${target}": patch\n---\n\nRehearsal patch.\n`,
    );
    sh('git', ['add', '-A'], workspace);
    sh(
      'git',
      ['-c', 'user.email=rehearsal@localhost', '-c', 'user.name=rehearsal', 'commit', '-qm', 'patch'],
      workspace,
    );
    sh(bin('changeset'), ['version'], workspace, env);
    sh(bin('changeset'), ['publish'], workspace, env);
    for (const p of packages) {
      const latest = sh(
        'npm',
        ['view', p.name, 'dist-tags.latest', '--registry', registry],
        work,
        env,
      ).trim();
      if (p.name === target) {
        const [maj, min, pat] = published[p.name].split('.').map(Number);
        const want = `${maj}.${min}.${pat + 1}`;
        check(`${target} patched to ${want}`, latest === want, `registry has ${latest}`);
      } else {
        check(`${p.name} keeps ${published[p.name]}`, latest === published[p.name], `registry has ${latest}`);
      }
    }
    const changelog = join(workspace, 'packages/tokenizers/CHANGELOG.md');
    check(
      'the patched package has a CHANGELOG entry',
      existsSync(changelog) && readFileSync(changelog, 'utf8').includes('Rehearsal patch.'),
    );
  } catch (error) {
    failures++;
    console.error(`FAIL rehearsal stopped: ${error.stderr ?? error.message ?? error}`);
    if (verdaccioLog) console.error(`verdaccio log:\n${verdaccioLog.slice(-3000)}`);
  } finally {
    verdaccio.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`${passes} passed, ${failures} failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main();
