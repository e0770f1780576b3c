/**
 * `pnpm bench` for @makemore/backend: matmul GFLOP/s, data-movement kernels and per-op overhead on each backend configuration,
 * stock wasm against repaired wasm, each in its own process. Prints a table and the JSON rows.
 *
 *   tsx bench/run.ts [configs...]      (default: cpu wasm-stock wasm-xnnpack wasm-mul-add wasm wasm-2t)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const configs =
  process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : ['cpu', 'wasm-stock', 'wasm-xnnpack', 'wasm-mul-add', 'wasm', 'wasm-2t'];
const script = fileURLToPath(new URL('./kernels.ts', import.meta.url));

type Row = {
  config: string;
  threads: number;
  matmul: { name: string; gflops: number }[];
  moves: { name: string; ms: number | null }[];
  opOverheadUs: number;
};
const rows: Row[] = [];
for (const config of configs) {
  const env = { ...process.env, BENCH_BUDGET_MS: config === 'cpu' ? '300' : '600' };
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', script, config], {
    encoding: 'utf8',
    env,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  const line = stdout.trim().split('\n').pop()!;
  rows.push(JSON.parse(line) as Row);
  process.stderr.write(`done: ${config}\n`);
}

const names = rows[0]!.matmul.map((m) => m.name);
const header = ['GFLOP/s', ...rows.map((r) => `${r.config} (${r.threads}t)`)];
const body = names.map((n) => [n, ...rows.map((r) => r.matmul.find((m) => m.name === n)!.gflops.toFixed(1))]);
body.push(['op overhead µs', ...rows.map((r) => r.opOverheadUs.toFixed(1))]);
const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(fmt(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const b of body) console.log(fmt(b));
console.log();
const moveNames = rows[0]!.moves.map((m) => m.name);
const moveHeader = ['ms per call', ...rows.map((r) => `${r.config} (${r.threads}t)`)];
const moveBody = moveNames.map((n) => [
  n,
  ...rows.map((r) => {
    const ms = r.moves.find((m) => m.name === n)!.ms;
    return ms === null ? 'n/a' : ms.toFixed(3);
  }),
]);
const moveWidths = moveHeader.map((h, i) => Math.max(h.length, ...moveBody.map((b) => b[i]!.length)));
const fmtMove = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(moveWidths[i]!)).join(' | ')} |`;
console.log(fmtMove(moveHeader));
console.log(`|${moveWidths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const b of moveBody) console.log(fmtMove(b));
console.log(JSON.stringify(rows));
