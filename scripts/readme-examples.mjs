// README examples as programs. Every fenced ts/js block of a published package's README whose first code
// line (after `//` comments) is an `import` is a complete program: the release rehearsal runs each one,
// unchanged but for TypeScript's types stripped, against the packed packages installed from its local
// registry. A block that is not meant to run (browser-only, a signature) has the marker
// `<!-- fragment -->` (optionally `<!-- fragment: why -->`) on the line right before its fence; it is
// skipped and counted, and scripts/readme-examples.test.ts keeps that count small.

/** The marker line that exempts the next fenced block. */
export const FRAGMENT_MARKER = /^<!--\s*fragment\b[^>]*-->\s*$/;

/** How many marked fragments all published READMEs together may hold. */
export const MAX_FRAGMENTS = 4;

const FENCE_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'mts']);

/**
 * The runnable-looking blocks of a markdown text.
 *
 * @param {string} markdown
 * @returns {{ line: number, lang: string, code: string, fragment: boolean }[]} line: 1-based line of the fence
 */
export function importBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]);
    if (open === null) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const body = lines.slice(i + 1, end);
    const lang = open[1].toLowerCase();
    const firstCode = body.find((l) => l.trim() !== '' && !l.trim().startsWith('//')) ?? '';
    if (FENCE_LANGS.has(lang) && /^import[\s{*'"]/.test(firstCode.trim())) {
      const fragment = i > 0 && FRAGMENT_MARKER.test(lines[i - 1].trim());
      blocks.push({ line: i + 1, lang, code: `${body.join('\n')}\n`, fragment });
    }
    i = end;
  }
  return blocks;
}
