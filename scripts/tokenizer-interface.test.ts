/**
 * One tokenizer interface across the packages: `TextTokenizer` (and `Tokenizer`, which extends it with
 * `toJSON`) are declared in @makemore/tokenizers, and every other package uses them by name. A second
 * structural declaration elsewhere (an interface or type literal with an `encode(…)` signature) is what
 * this test refuses, so that the packages cannot drift apart on what a tokenizer is.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM helper without types
import { root } from './published-packages.mjs';

/** Where the tokenizer shape is declared. */
const HOME = 'packages/tokenizers/src/';

/**
 * Declarations still to be switched to the shared interface by name (issue #20: the run package and the apps
 * change after this one merges). Remove a line once its file uses `TextTokenizer`/`Tokenizer`.
 */
const PENDING = new Set<string>([]);

/** A method or function-typed property named `encode` in a type: a signature that ends in `;`, no body. */
const encodeSignature = /^\s*(?:readonly\s+)?encode\s*\??\s*(?:\(|:\s*\()[^{}]*;\s*$/m;

function sources(dir: string): string[] {
  const out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/** The source files (tests aside) of every package and app that declare a tokenizer shape of their own. */
function tokenizerDeclarations(): string[] {
  const found: string[] = [];
  for (const group of ['packages', 'apps']) {
    for (const dir of readdirSync(join(root, group))) {
      for (const file of sources(join(root, group, dir, 'src'))) {
        const rel = relative(root, file).split('\\').join('/');
        if (encodeSignature.test(readFileSync(file, 'utf8'))) found.push(rel);
      }
    }
  }
  return found.sort();
}

describe('the tokenizer interface', () => {
  it('is declared in @makemore/tokenizers only (the other packages use TextTokenizer by name)', () => {
    const elsewhere = tokenizerDeclarations().filter((f) => !f.startsWith(HOME) && !PENDING.has(f));
    expect(elsewhere, 'use TextTokenizer (or Tokenizer) from @makemore/tokenizers instead').toEqual([]);
  });

  it('is found where it is declared, so the search above works', () => {
    expect(tokenizerDeclarations()).toContain(`${HOME}tokenizer.ts`);
  });

  it('has no stale exceptions: every pending file still declares its own shape', () => {
    const declared = new Set(tokenizerDeclarations());
    const switched = [...PENDING].filter((f) => !declared.has(f));
    expect(switched, 'these now use the shared interface: remove them from PENDING').toEqual([]);
  });
});
