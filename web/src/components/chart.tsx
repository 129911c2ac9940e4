import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useTheme } from '../theme.ts';

/**
 * A line chart on uPlot (canvas, so thousands of points stay smooth). Data arrive already
 * downsampled by the API. When only the values change the plot is updated in place, so a live
 * run's chart moves without being rebuilt; new series, a new theme or a new size rebuild it.
 */
export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  width?: number;
  dash?: number[];
  /** Draw as steps (a best-so-far curve). */
  stepped?: boolean;
  points?: boolean;
}

export function LineChart(props: {
  x: number[];
  series: ChartSeries[];
  height?: number;
  xLabel?: string;
  yLabel?: string;
  /** x values are epoch milliseconds. */
  time?: boolean;
  testId?: string;
}): JSX.Element {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useTheme();
  const shape = `${props.series.map((series) => series.label).join('|')}|${theme}|${props.time === true}|${props.height ?? 240}`;
  const data = [props.time === true ? props.x.map((value) => value / 1000) : props.x, ...props.series.map((series) => series.values)] as uPlot.AlignedData;

  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    const styles = getComputedStyle(document.documentElement);
    const axisColor = styles.getPropertyValue('--muted').trim() || '#888';
    const gridColor = styles.getPropertyValue('--grid').trim() || 'rgba(128,128,128,0.2)';
    const axis = (label: string | undefined): uPlot.Axis => ({
      stroke: axisColor,
      grid: { stroke: gridColor, width: 1 },
      ticks: { stroke: gridColor, width: 1 },
      ...(label === undefined ? {} : { label }),
    });
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: props.height ?? 240,
      scales: { x: { time: props.time === true } },
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      axes: [axis(props.xLabel), axis(props.yLabel)],
      series: [
        { label: props.xLabel ?? (props.time === true ? 'time' : 'x') },
        ...props.series.map((series) => ({
          label: series.label,
          stroke: series.color,
          width: series.width ?? 1.5,
          spanGaps: true,
          points: { show: series.points ?? false },
          ...(series.dash === undefined ? {} : { dash: series.dash }),
          ...(series.stepped === true ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
        })),
      ],
    };
    const created = new uPlot(options, data, element);
    plot.current = created;
    const observer = new ResizeObserver(() => created.setSize({ width: Math.max(200, element.clientWidth), height: props.height ?? 240 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      created.destroy();
      plot.current = null;
    };
    // Rebuilt only when the shape changes; data changes go through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return <div ref={container} class="chart" data-testid={props.testId} data-points={props.x.length} />;
}

/** Colours for islands and runs, distinguishable in both themes. */
export const palette = ['#5b8def', '#2fb67c', '#f2a93b', '#e0556b', '#9b6bdf', '#24b5c9', '#c97c2c', '#7a9a3a', '#d957b5', '#6b7a8f'];
