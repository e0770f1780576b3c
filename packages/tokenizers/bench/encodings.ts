/**
 * The bundled encodings next to gpt-tokenizer, measured in one run (`pnpm bench:encodings`; `--quick` for
 * fewer rounds and a 1 MB text). Prints markdown tables:
 *
 * 1. gzipped browser bundle: esbuild (minify, ESM, browser, UTF-8 output) of a one-line program that
 *    imports the encoding and encodes a string, gzip level 9. Ours is bundled from dist/, as published.
 * 2. time from `import` to the first encoded string, in a fresh Node process per sample, sides alternating,
 *    best of N: wall-clock time, and the process's CPU time over the same span (user + system, all threads,
 *    so V8's background compilation counts too), which a busy machine disturbs less than wall time;
 *    `--load-only` stops after this part;
 * 3. encode throughput on the State of the Union corpus, same process, sides alternating, best of N, with
 *    the ids checked equal.
 *
 * Needs `pnpm build` first (it measures dist/).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { megabytes, stateOfTheUnion } from './corpus';

const require = createRequire(import.meta.url);
// esbuild comes with tsup (a root devDependency), so the bench needs no dependency of its own.
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ outputFiles: Array<{ text: string }> }>;
}
const esbuild = createRequire(require.resolve('tsup'))('esbuild') as Esbuild;
const quick = process.argv.includes('--quick');
const loadOnly = process.argv.includes('--load-only');
const rounds = quick ? 3 : 5;
/** Load times swing most on a shared machine: more samples for the best of. */
const loadRounds = quick ? 3 : 9;
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dist = join(packageDir, 'dist');
if (!existsSync(join(dist, 'encodings', 'cl100k_base.js'))) throw new Error('Run `pnpm build` first.');

const names = ['r50k_base', 'p50k_base', 'cl100k_base', 'o200k_base'] as const;
type Name = (typeof names)[number];
const programs = {
  ours: (name: string) =>
    `import enc from ${JSON.stringify(join(dist, 'encodings', `${name}.js`))};\n` +
    'globalThis.out = enc.encode("hello world");\n',
  'gpt-tokenizer': (name: string) =>
    `import { encode } from 'gpt-tokenizer/encoding/${name}';\nglobalThis.out = encode("hello world");\n`,
};
type Side = keyof typeof programs;
const sides: Side[] = ['ours', 'gpt-tokenizer'];

function table(header: string[], rows: Array<Array<string | number>>): void {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log();
}
const kB = (bytes: number) => (bytes / 1000).toFixed(0);

console.log('# Bundled encodings against gpt-tokenizer 3.4.0\n');
console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average at start ` +
    `${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}\n`,
);

const work = mkdtempSync(join(tmpdir(), 'encodings-bench-'));

// 1. Bundle size.
async function bundle(source: string): Promise<{ raw: number; gzip: number; code: string }> {
  const entry = join(work, 'entry.mjs');
  writeFileSync(entry, source);
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    charset: 'utf8',
    write: false,
    nodePaths: [join(packageDir, 'node_modules')],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  const bytes = Buffer.from(code, 'utf8');
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, code };
}

console.log('## Browser bundle of "import the encoding, encode a string" (esbuild --minify, gzip -9)\n');
const sizeRows: Array<Array<string | number>> = [];
for (const name of names) {
  const ours = await bundle(programs.ours(name));
  const theirs = await bundle(programs['gpt-tokenizer'](name));
  sizeRows.push([
    name,
    kB(ours.raw),
    kB(ours.gzip),
    kB(theirs.raw),
    kB(theirs.gzip),
    (ours.gzip / theirs.gzip).toFixed(2),
  ]);
}
table(
  [
    'encoding',
    'ours kB',
    'ours kB gzip',
    'gpt-tokenizer kB',
    'gpt-tokenizer kB gzip',
    'ours / theirs (gzip)',
  ],
  sizeRows,
);
const charOnly = await bundle(
  `import { CharTokenizer } from ${JSON.stringify(join(dist, 'index.js'))};\n` +
    "globalThis.out = CharTokenizer.fromText('hello').encode('hello');\n",
);
console.log(
  `\`CharTokenizer\` alone: ${kB(charOnly.raw)} kB minified, ${(charOnly.gzip / 1000).toFixed(1)} kB gzipped.\n`,
);

// 2. Import to first encoded string, fresh process each time.
/** Milliseconds from `import` to the first encoded string: wall clock and the process's CPU time. */
function loadMs(side: Side, name: Name): { wall: number; cpu: number } {
  const target =
    side === 'ours'
      ? JSON.stringify(join(dist, 'encodings', `${name}.js`))
      : JSON.stringify(join(packageDir, 'node_modules', 'gpt-tokenizer', 'esm', 'encoding', `${name}.js`));
  const script =
    'const c0 = process.cpuUsage();\n' +
    'const t0 = performance.now();\n' +
    `const m = await import(${target});\n` +
    `const ids = ${side === 'ours' ? 'm.default.encode' : 'm.encode'}('hello world');\n` +
    'const wall = performance.now() - t0;\n' +
    'const c = process.cpuUsage(c0);\n' +
    'process.stdout.write(JSON.stringify({ wall, cpu: (c.user + c.system) / 1000 }));\n';
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  );
}

console.log(
  `## Time from \`import\` to the first encoded string (fresh Node process, best of ${loadRounds})\n`,
);
const loadRows: Array<Array<string | number>> = [];
for (const name of names) {
  const best = {
    ours: { wall: Infinity, cpu: Infinity },
    'gpt-tokenizer': { wall: Infinity, cpu: Infinity },
  };
  const all: Record<Side, number[]> = { ours: [], 'gpt-tokenizer': [] };
  for (let round = 0; round < loadRounds; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const { wall, cpu } = loadMs(side, name);
      all[side].push(wall);
      best[side] = { wall: Math.min(best[side].wall, wall), cpu: Math.min(best[side].cpu, cpu) };
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [ours, theirs] = [best.ours, best['gpt-tokenizer']];
  loadRows.push([
    name,
    ours.wall.toFixed(0),
    median(all.ours).toFixed(0),
    theirs.wall.toFixed(0),
    median(all['gpt-tokenizer']).toFixed(0),
    (ours.wall / theirs.wall).toFixed(2),
    ours.cpu.toFixed(0),
    theirs.cpu.toFixed(0),
    (ours.cpu / theirs.cpu).toFixed(2),
  ]);
}
table(
  [
    'encoding',
    'ours ms (best)',
    'ours ms (median)',
    'gpt-tokenizer ms (best)',
    'gpt-tokenizer ms (median)',
    'ours / theirs (best)',
    'ours CPU ms (best)',
    'gpt-tokenizer CPU ms (best)',
    'ours / theirs (CPU)',
  ],
  loadRows,
);
if (loadOnly) {
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}

// 3. Encode throughput.
const text = quick ? stateOfTheUnion().slice(0, 1_000_000) : stateOfTheUnion();
const mb = megabytes(text);
console.log(`## Encoding the State of the Union corpus (${mb.toFixed(1)} MB), best of ${rounds}\n`);
const encodeRows: Array<Array<string | number>> = [];
for (const name of ['cl100k_base', 'o200k_base'] as const) {
  const ours = (await import(join(dist, 'encodings', `${name}.js`))) as {
    default: { encode: (s: string) => number[] };
  };
  const theirs = (await import(`gpt-tokenizer/encoding/${name}`)) as { encode: (s: string) => number[] };
  const encoders: Record<Side, (s: string) => number[]> = {
    ours: (s) => ours.default.encode(s),
    'gpt-tokenizer': (s) => theirs.encode(s),
  };
  const best: Record<Side, number> = {
    ours: Number.POSITIVE_INFINITY,
    'gpt-tokenizer': Number.POSITIVE_INFINITY,
  };
  const ids: Partial<Record<Side, number[]>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const t0 = performance.now();
      const out = encoders[side](text);
      best[side] = Math.min(best[side], performance.now() - t0);
      ids[side] ??= out;
    }
  }
  const same =
    ids.ours!.length === ids['gpt-tokenizer']!.length &&
    ids.ours!.every((t, i) => t === ids['gpt-tokenizer']![i]);
  encodeRows.push([
    name,
    (mb / (best.ours / 1000)).toFixed(1),
    (mb / (best['gpt-tokenizer'] / 1000)).toFixed(1),
    (best['gpt-tokenizer'] / best.ours).toFixed(2),
    ids.ours!.length,
    same ? 'yes' : 'NO',
  ]);
}
table(
  ['encoding', 'ours MB/s', 'gpt-tokenizer MB/s', 'ours / theirs (speed)', 'tokens', 'same ids'],
  encodeRows,
);
rmSync(work, { recursive: true });
