/**
 * A labelled 2-D scatter on uPlot: each point is drawn with its label (a character), like the lecture's
 * plot of the embedding table C.
 */
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { UPlotChart } from './UPlotChart';

export function ScatterChart(props: {
  labels: string[];
  x: number[];
  y: number[];
  label: string;
  testId?: string;
}) {
  const { labels, x, y } = props;
  // uPlot's x axis must ascend, so sort the points by x and keep each label with its point.
  const order = useMemo(() => x.map((_, i) => i).sort((a, b) => x[a]! - x[b]!), [x]);
  const data = useMemo<uPlot.AlignedData>(
    () => [order.map((i) => x[i]!), order.map((i) => y[i]!)],
    [order, x, y],
  );
  const options = useMemo<Omit<uPlot.Options, 'width'>>(() => {
    const sortedLabels = order.map((i) => labels[i] ?? '');
    return {
      height: 360,
      scales: { x: { time: false } },
      legend: { show: false },
      cursor: { show: false },
      axes: [{ label: 'dimension 1' }, { label: 'dimension 2', size: 55 }],
      series: [
        {},
        {
          stroke: '#3949ab',
          fill: 'rgba(57,73,171,0.15)',
          paths: () => null,
          points: { show: true, size: 18 },
        },
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.fillStyle = '#fff';
            ctx.font = `bold ${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
            ctx.textAlign = 'center';
            ctx.textBaseline = 'middle';
            const xs = u.data[0];
            const ys = u.data[1]!;
            for (let i = 0; i < xs.length; i++) {
              const px = u.valToPos(xs[i]!, 'x', true);
              const py = u.valToPos(ys[i] as number, 'y', true);
              ctx.fillStyle = '#1b1d23';
              ctx.fillText(sortedLabels[i] ?? '', px, py);
            }
            ctx.restore();
          },
        ],
      },
    };
  }, [order, labels]);
  return <UPlotChart options={options} data={data} label={props.label} testId={props.testId} />;
}
