/**
 * A uPlot chart as a Preact component. It creates the plot once per `options` object, feeds new data
 * with `setData` (batched to one update per animation frame) and follows its container's width.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface UPlotChartProps {
  /** uPlot options without width (taken from the container). */
  options: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
  /** Text alternative for screen readers: what the chart shows and its latest values. */
  label: string;
  testId?: string;
}

export function UPlotChart({ options, data, label, testId }: UPlotChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  const frame = useRef(0);
  latest.current = data;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const width = Math.max(200, element.clientWidth);
    const chart = new uPlot({ ...options, width } as uPlot.Options, latest.current, element);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const next = Math.max(200, element.clientWidth);
      if (next !== chart.width) chart.setSize({ width: next, height: chart.height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame.current);
      chart.destroy();
      plot.current = null;
    };
  }, [options]);

  useEffect(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => plot.current?.setData(latest.current));
  }, [data]);

  return <div class="chart" ref={container} role="img" aria-label={label} data-testid={testId} />;
}
