/**
 * Terminal charts from plain characters: a one-line sparkline for loss curves and a small x–y plot for
 * the learning-rate sweep. Both work in any terminal font and in CI logs.
 */

const BARS = '▁▂▃▄▅▆▇█';

/** Averages `values` down to at most `width` buckets, so a long curve fits one line. */
export function downsample(values: readonly number[], width: number): number[] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length <= width) return finite;
  const out: number[] = [];
  for (let b = 0; b < width; b++) {
    const start = Math.floor((b * finite.length) / width);
    const end = Math.floor(((b + 1) * finite.length) / width);
    let sum = 0;
    for (let i = start; i < end; i++) sum += finite[i]!;
    out.push(sum / Math.max(1, end - start));
  }
  return out;
}

/** A one-line sparkline of `values` (non-finite values are dropped), at most `width` characters wide. */
export function sparkline(values: readonly number[], width = 60): string {
  const points = downsample(values, width);
  if (points.length === 0) return '';
  const lo = Math.min(...points);
  const hi = Math.max(...points);
  const span = hi - lo;
  return points
    .map((v) => BARS[span === 0 ? 0 : Math.min(BARS.length - 1, Math.floor(((v - lo) / span) * BARS.length))])
    .join('');
}

/** Options for {@link plot}. */
export interface PlotOptions {
  width?: number;
  height?: number;
  /** Plot x on a log10 axis (the LR sweep). */
  logX?: boolean;
  /** An x value to mark with a vertical `│` line, e.g. the suggested LR. */
  markX?: number;
  xLabel?: string;
  yLabel?: string;
  /** Clip y to this maximum so a diverging tail does not flatten the curve. */
  yMax?: number;
}

function formatTick(v: number): string {
  if (v !== 0 && (Math.abs(v) < 1e-2 || Math.abs(v) >= 1e4)) return v.toExponential(0);
  return Number(v.toPrecision(3)).toString();
}

/** A small scatter plot of (x, y) points drawn with `•`, with axis labels, as lines of text. */
export function plot(xs: readonly number[], ys: readonly number[], options: PlotOptions = {}): string[] {
  const width = options.width ?? 60;
  const height = options.height ?? 12;
  const tx = (x: number) => (options.logX ? Math.log10(x) : x);
  const points = xs
    .map((x, i) => [x, ys[i]!] as const)
    .filter(([x, y]) => Number.isFinite(tx(x)) && Number.isFinite(y));
  if (points.length === 0) return ['(no finite points to plot)'];
  const yMaxData = Math.max(...points.map(([, y]) => y));
  const yHi = Math.min(yMaxData, options.yMax ?? Number.POSITIVE_INFINITY);
  const yLo = Math.min(...points.map(([, y]) => y));
  const xLo = Math.min(...points.map(([x]) => tx(x)));
  const xHi = Math.max(...points.map(([x]) => tx(x)));
  const grid = Array.from({ length: height }, () => Array.from({ length: width }, () => ' '));
  const col = (x: number) => (xHi === xLo ? 0 : Math.round(((tx(x) - xLo) / (xHi - xLo)) * (width - 1)));
  const row = (y: number) =>
    yHi === yLo
      ? height - 1
      : height - 1 - Math.round(((Math.min(y, yHi) - yLo) / (yHi - yLo)) * (height - 1));
  if (options.markX !== undefined && Number.isFinite(tx(options.markX))) {
    const c = col(options.markX);
    if (c >= 0 && c < width) for (const line of grid) line[c] = '│';
  }
  for (const [x, y] of points) grid[row(y)]![col(x)] = '•';
  const top = formatTick(yHi);
  const bottom = formatTick(yLo);
  const pad = Math.max(top.length, bottom.length);
  const lines = grid.map((cells, r) => {
    const label = r === 0 ? top : r === height - 1 ? bottom : '';
    return `${label.padStart(pad)} ┤${cells.join('')}`;
  });
  const xLeft = formatTick(options.logX ? 10 ** xLo : xLo);
  const xRight = formatTick(options.logX ? 10 ** xHi : xHi);
  lines.push(`${' '.repeat(pad)} └${'─'.repeat(width)}`);
  const middle = options.xLabel ?? '';
  const gap = Math.max(1, width - xLeft.length - xRight.length - middle.length);
  const left = Math.floor(gap / 2);
  lines.push(`${' '.repeat(pad + 2)}${xLeft}${' '.repeat(left)}${middle}${' '.repeat(gap - left)}${xRight}`);
  if (options.yLabel) lines.unshift(`${' '.repeat(pad + 2)}${options.yLabel}`);
  return lines;
}
