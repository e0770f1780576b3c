/** A simple uPlot line chart, with an optional log-scale x axis (the LR finder's curve). */
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { UPlotChart } from './UPlotChart';

export function LineChart(props: {
  x: number[];
  y: number[];
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  label: string;
  testId?: string;
  marker?: number;
  /** Pixels (default 260). */
  height?: number;
}) {
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: props.height ?? 260,
      scales: { x: props.logX ? { time: false, distr: 3, log: 10 } : { time: false } },
      axes: [{ label: props.xLabel }, { label: props.yLabel, size: 55 }],
      series: [{ label: props.xLabel }, { label: props.yLabel, stroke: '#1f77b4', width: 2 }],
      hooks: {
        draw: [
          (u: uPlot) => {
            if (props.marker === undefined) return;
            const px = u.valToPos(props.marker, 'x', true);
            u.ctx.save();
            u.ctx.strokeStyle = '#d62728';
            u.ctx.setLineDash([6, 4]);
            u.ctx.beginPath();
            u.ctx.moveTo(px, u.bbox.top);
            u.ctx.lineTo(px, u.bbox.top + u.bbox.height);
            u.ctx.stroke();
            u.ctx.restore();
          },
        ],
      },
    }),
    [props.xLabel, props.yLabel, props.logX, props.marker, props.height],
  );
  const data = useMemo<uPlot.AlignedData>(() => [props.x, props.y], [props.x, props.y]);
  return <UPlotChart options={options} data={data} label={props.label} testId={props.testId} />;
}
