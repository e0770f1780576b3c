// The README doc-test's block extraction, and the rule that few README blocks are exempt from running.
// (The blocks themselves run in the release rehearsal, against the packed packages.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM helper without types
import { publishedPackages } from './published-packages.mjs';
// @ts-expect-error: plain ESM helper without types
import { importBlocks, MAX_FRAGMENTS } from './readme-examples.mjs';

type Block = { line: number; lang: string; code: string; fragment: boolean };
const blocksOf = importBlocks as (markdown: string) => Block[];

describe('importBlocks', () => {
  it('finds ts/js blocks whose first code line is an import, after leading comments', () => {
    const md = [
      '# x',
      '```ts',
      '// Node',
      "import { a } from 'a';",
      'a();',
      '```',
      '```sh',
      'import nothing',
      '```',
      '```ts',
      'const notAProgram = 1;',
      '```',
      '```js',
      "import 'side-effect';",
      '```',
    ].join('\n');
    const blocks = blocksOf(md);
    expect(blocks.map((b) => [b.line, b.lang, b.fragment])).toEqual([
      [2, 'ts', false],
      [13, 'js', false],
    ]);
    expect(blocks[0]?.code).toBe("// Node\nimport { a } from 'a';\na();\n");
  });

  it('marks a block as a fragment only when the marker is on the line right before its fence', () => {
    const md = [
      '<!-- fragment: browser only -->',
      '```ts',
      "import { a } from 'a';",
      '```',
      '<!-- fragment -->',
      '',
      '```ts',
      "import { b } from 'b';",
      '```',
    ].join('\n');
    expect(blocksOf(md).map((b) => b.fragment)).toEqual([true, false]);
  });
});

describe('published READMEs', () => {
  const readmes = (publishedPackages() as { name: string; dir: string }[]).map((p) => ({
    name: p.name,
    blocks: blocksOf(readFileSync(join(p.dir, 'README.md'), 'utf8')),
  }));

  it(`mark at most ${MAX_FRAGMENTS} import blocks as fragments, all of them together`, () => {
    const fragments = readmes.flatMap((r) =>
      r.blocks.filter((b) => b.fragment).map((b) => `${r.name} README line ${b.line}`),
    );
    expect(fragments.length, fragments.join('\n')).toBeLessThanOrEqual(MAX_FRAGMENTS);
  });

  it('have runnable examples (the rehearsal runs them)', () => {
    const runnable = readmes.reduce((n, r) => n + r.blocks.filter((b) => !b.fragment).length, 0);
    expect(runnable).toBeGreaterThanOrEqual(15);
  });
});
