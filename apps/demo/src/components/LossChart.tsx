/**
 * The live loss chart: the minibatch loss at every step (raw and smoothed), and the evaluated train and
 * dev losses, on a log-scale y axis as nanoGPT and the lectures plot them.
 */
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import type { History } from '../state';
import { UPlotChart } from './UPlotChart';

/** Merges the step series and the eval series onto one x axis (uPlot wants aligned columns). */
export function alignHistory(h: History): uPlot.AlignedData {
  const batch = new Map<number, number>();
  const smooth = new Map<number, number>();
  // Exponential moving average of the batch loss (β = 0.95, bias-corrected), to read the trend.
  let avg = 0;
  for (let i = 0; i < h.steps.length; i++) {
    batch.set(h.steps[i]!, h.losses[i]!);
    avg = 0.95 * avg + 0.05 * h.losses[i]!;
    smooth.set(h.steps[i]!, avg / (1 - 0.95 ** (i + 1)));
  }
  const train = new Map<number, number>();
  const dev = new Map<number, number>();
  for (let i = 0; i < h.evalSteps.length; i++) {
    train.set(h.evalSteps[i]!, h.trainLoss[i]!);
    dev.set(h.evalSteps[i]!, h.devLoss[i]!);
  }
  const xs = [...new Set([...batch.keys(), ...train.keys()])].sort((a, b) => a - b);
  const col = (m: Map<number, number>) => xs.map((x) => m.get(x) ?? null);
  return [xs, col(batch), col(smooth), col(train), col(dev)];
}

/** About five evenly spaced ticks at round values; uPlot's log ticks are only 1–9 × 10^k. */
function lossTicks(_u: uPlot, _axis: number, min: number, max: number): number[] {
  if (min == null || max == null) return [];
  const span = max - min;
  if (!(span > 0)) return [min];
  const step = [0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10].find((s) => span / s <= 6) ?? span / 5;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + 1e-9; t += step) ticks.push(Number(t.toFixed(6)));
  return ticks;
}

export function LossChart({ history }: { history: History }) {
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 260,
      scales: {
        x: { time: false },
        // Log scale fitted to the data (uPlot's default snaps to whole decades, which flattens a 2–3.5 curve).
        y: {
          distr: 3,
          log: 10,
          range: (_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax =>
            min !== null && max !== null && min > 0 && max > 0 ? [min / 1.1, max * 1.1] : [1, 10],
        },
      },
      axes: [
        { label: 'step' },
        {
          label: 'loss (log scale)',
          size: 60,
          splits: lossTicks,
          values: (_u, ticks) => ticks.map((t) => (t == null ? '' : t.toFixed(2))),
        },
      ],
      series: [
        { label: 'step' },
        {
          label: 'batch',
          stroke: 'rgba(120,120,160,0.3)',
          width: 1,
          spanGaps: true,
          points: { show: false },
        },
        { label: 'smoothed', stroke: '#6a5acd', width: 1.5, spanGaps: true, points: { show: false } },
        { label: 'train', stroke: '#1f77b4', width: 2, spanGaps: true, points: { show: true, size: 5 } },
        { label: 'dev', stroke: '#d62728', width: 2, spanGaps: true, points: { show: true, size: 5 } },
      ],
      legend: { live: true },
    }),
    [],
  );
  const data = useMemo(() => alignHistory(history), [history]);
  const lastDev = history.devLoss.at(-1);
  const lastLoss = history.losses.at(-1);
  const label = `Loss chart, log scale. ${history.steps.length} steps${
    lastLoss !== undefined ? `, latest batch loss ${lastLoss.toFixed(3)}` : ''
  }${lastDev !== undefined ? `, latest dev loss ${lastDev.toFixed(3)}` : ''}.`;
  return <UPlotChart options={options} data={data} label={label} testId="loss-chart" />;
}
