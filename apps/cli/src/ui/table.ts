/** Plain-text tables with aligned columns: numbers right-aligned, text left-aligned. */

/** A table cell: text, or a number printed with `digits` decimals. */
export type Cell = string | number;

/** Renders rows under a header as aligned lines separated by two spaces, with a rule under the header. */
export function table(header: readonly string[], rows: readonly (readonly Cell[])[], digits = 4): string[] {
  const text = rows.map((row) => row.map((c) => (typeof c === 'number' ? formatNumber(c, digits) : c)));
  const numeric = header.map((_, j) => rows.length > 0 && rows.every((row) => typeof row[j] === 'number'));
  const widths = header.map((h, j) => Math.max(h.length, ...text.map((row) => (row[j] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, j) => (numeric[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...text.map(line)];
}

function formatNumber(value: number, digits: number): string {
  if (Number.isInteger(value) && Math.abs(value) >= 1000) return value.toLocaleString('en-US');
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(digits);
}

/** Human-readable byte count, e.g. `1.1 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Seconds as `1m05s` or `12.3s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return `${m}m${String(s).padStart(2, '0')}s`;
}
