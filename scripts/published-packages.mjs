// The workspace packages that are published to npm (everything but private apps).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** @returns {{ name: string, version: string, dir: string, rel: string }[]} */
export function publishedPackages() {
  const out = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const rel = `${group}/${name}`;
      let pkg;
      try {
        pkg = JSON.parse(readFileSync(join(root, rel, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      if (!pkg.private) out.push({ name: pkg.name, version: pkg.version, dir: join(root, rel), rel });
    }
  }
  return out;
}
