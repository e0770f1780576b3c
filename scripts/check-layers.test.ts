/**
 * The package-graph check (check-layers.mjs): the repository passes it, and small fixture repositories,
 * each with one planted mistake, fail it with a message that names the file and the import.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without types
import { checkLayers } from './check-layers.mjs';

const fixtures: string[] = [];

afterEach(() => {
  for (const dir of fixtures.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A package.json of a workspace package or app with the given @makemore dependencies. */
function packageJson(name: string, dependencies: string[] = [], devDependencies: string[] = []): string {
  const asMap = (names: string[]) => Object.fromEntries(names.map((n) => [n, 'workspace:^']));
  return JSON.stringify({
    name,
    dependencies: asMap(dependencies),
    devDependencies: asMap(devDependencies),
  });
}

/** The files of a fixture repository that passes the check: five packages, the CLI, a root bench. */
const CLEAN: Record<string, string> = {
  'packages/random/package.json': packageJson('@makemore/random'),
  'packages/random/src/index.ts': 'export const seed = 1;\n',
  'packages/tokenizers/package.json': packageJson('@makemore/tokenizers'),
  'packages/tokenizers/src/index.ts': 'export const vocab = 27;\n',
  'packages/backend/package.json': packageJson('@makemore/backend', [], ['@makemore/random']),
  'packages/backend/src/index.ts': "export { seed } from '@makemore/random';\n",
  'packages/backend/src/node.ts': "import { cpus } from 'node:os';\nexport const cores = cpus().length;\n",
  'packages/backend/src/webgpu/add-n.ts': 'export const limit = 8;\n',
  'packages/backend/bench/kernels.ts':
    "import { limit } from '../src/webgpu/add-n';\nimport { seed } from '@makemore/random';\nconsole.log(limit, seed);\n",
  'packages/backend/scripts/build.ts': "import { readFileSync } from 'node:fs';\nexport { readFileSync };\n",
  'packages/models/package.json': packageJson(
    '@makemore/models',
    ['@makemore/random'],
    ['@makemore/backend'],
  ),
  'packages/models/src/index.ts': "export { seed } from '@makemore/random';\n",
  'packages/models/bench/models.bench.ts':
    "import { cores } from '@makemore/backend/node';\nimport { seed } from '@makemore/models';\nconsole.log(cores, seed);\n",
  'packages/trainer/package.json': packageJson('@makemore/trainer', ['@makemore/models', '@makemore/random']),
  'packages/trainer/src/index.ts': "export { seed } from '@makemore/models';\n",
  'apps/cli/package.json': packageJson('@makemore/cli', ['@makemore/trainer']),
  'apps/cli/src/bench-specs.ts': "import { seed } from '@makemore/trainer';\nexport const specs = [seed];\n",
  // The root bench/ is the cross-package place: an app's source and packages' dist/ are allowed there.
  'bench/webgpu/webgpu-node.ts':
    "import { specs } from '../../apps/cli/src/bench-specs';\nimport { seed } from '../../packages/models/dist/index.js';\nimport { limit } from '../../packages/backend/src/webgpu/add-n.js';\nconsole.log(specs, seed, limit);\n",
  'scripts/release.mjs': "import { seed } from '../packages/random/src/index.ts';\nconsole.log(seed);\n",
};

/** Writes a fixture repository: the clean files, with `planted` added or replacing some. */
function fixture(planted: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'check-layers-'));
  fixtures.push(root);
  for (const [rel, text] of Object.entries({ ...CLEAN, ...planted })) {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  }
  return root;
}

/** The problems of a clean fixture with one planted file; there must be exactly one, about that file. */
function problemOf(rel: string, text: string): string {
  const problems: string[] = checkLayers(fixture({ [rel]: text }));
  expect(problems).toHaveLength(1);
  expect(problems[0]).toContain(`${rel} imports`);
  return problems[0] as string;
}

describe('package graph', () => {
  it('holds for the repository as it is', () => {
    expect(checkLayers()).toEqual([]);
  });

  it('holds for the clean fixture, root bench/ and scripts/ included', () => {
    expect(checkLayers(fixture())).toEqual([]);
  });

  it('fails when a lower package imports a higher one', () => {
    const problems: string[] = checkLayers(
      fixture({
        'packages/tokenizers/src/upward.ts': "import { seed } from '@makemore/trainer';\nexport { seed };\n",
      }),
    );
    expect(problems).toContain(
      'packages/tokenizers/src/upward.ts imports @makemore/trainer: @makemore/tokenizers (layer 0) may not import layer 4',
    );
  });

  it('fails when browser-safe code imports a Node built-in', () => {
    const problem = problemOf(
      'packages/random/src/fs.ts',
      "import { readFileSync } from 'node:fs';\nexport { readFileSync };\n",
    );
    expect(problem).toContain("imports the Node built-in 'node:fs' in browser-safe code");
  });

  it("fails when a package's bench imports a higher package by name", () => {
    const problems: string[] = checkLayers(
      fixture({
        'packages/backend/bench/train.ts': "import { seed } from '@makemore/trainer';\nconsole.log(seed);\n",
      }),
    );
    expect(problems).toContain(
      'packages/backend/bench/train.ts imports @makemore/trainer: @makemore/backend (layer 2) may not import layer 4',
    );
  });

  it("fails when a package's scripts import an app by a relative path", () => {
    const problem = problemOf(
      'packages/models/scripts/bench-sequence.ts',
      "import { specs } from '../../../apps/cli/src/bench-specs';\nconsole.log(specs);\n",
    );
    expect(problem).toContain('reaches into the app @makemore/cli (apps/cli)');
  });

  it("fails when a package's bench imports a lower package's dist/ by path", () => {
    const problem = problemOf(
      'packages/backend/bench/seeded.ts',
      "import { seed } from '../../random/dist/index.js';\nconsole.log(seed);\n",
    );
    expect(problem).toContain("reaches into @makemore/random's build output (packages/random/dist)");
  });

  it("fails when a package's bench imports a higher package's dist/ or source by path", () => {
    const problem = problemOf(
      'packages/backend/bench/webgpu-node.ts',
      "const m = await import('../../models/dist/index.js');\nconsole.log(m);\n",
    );
    expect(problem).toContain("reaches up into @makemore/models's build output (layer 3)");
    const viaSource = problemOf('packages/backend/scripts/profile.ts', "import '../../trainer/src/index';\n");
    expect(viaSource).toContain("reaches up into @makemore/trainer's files (layer 4)");
  });

  it("fails when a package reaches into a lower package's source by path instead of by name", () => {
    const problem = problemOf(
      'packages/models/test/seed.test.ts',
      "const { seed } = require('../../random/src/index');\nconsole.log(seed);\n",
    );
    expect(problem).toContain(
      "reaches into @makemore/random's files by path; import @makemore/random by name",
    );
  });

  it("fails when a package's bench reaches out of the workspace's packages, into the root bench/", () => {
    const problem = problemOf(
      'packages/trainer/bench/run.ts',
      "import '../../../bench/webgpu/webgpu-node';\n",
    );
    expect(problem).toContain('reaches outside its package');
  });

  it('fails when the root bench/ imports a file that does not exist', () => {
    const problem = problemOf(
      'bench/compare.ts',
      "import { limit } from '../packages/backend/bench/webgpu-node';\nconsole.log(limit);\n",
    );
    expect(problem).toContain('which is not a file; fix the path');
  });
});
