/**
 * A time-series chart drawn by uPlot (loaded on first use, so the wallboard does not ship it). Series colours
 * come from a palette readable on light and dark backgrounds; the axes follow the page's text colour.
 */
import { useEffect, useRef } from 'preact/hooks';
import type uPlotType from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const PALETTE = [
  '#2f7ed8',
  '#e4572e',
  '#29a35a',
  '#a05cd6',
  '#d9a400',
  '#17a2b8',
  '#d6336c',
  '#6c757d',
  '#8c6d31',
  '#1f9e89',
  '#5a6fdb',
  '#e07b39',
  '#4caf50',
  '#b565a7',
  '#c0a000',
  '#20a4c6',
  '#c2185b',
  '#8d99ae',
  '#a0522d',
  '#00897b',
];

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** Draw as bars (counts) rather than a line. */
  bars?: boolean;
}

let loading: Promise<typeof uPlotType> | null = null;
/** uPlot, imported once. */
export function loadUPlot(): Promise<typeof uPlotType> {
  loading ??= import('uplot').then((m) => m.default);
  return loading;
}

/** Draw timings for the benchmark (bench/dashboard.ts reads them). */
declare global {
  interface Window {
    __chartDraws?: { title: string; ms: number; points: number }[];
  }
}

export function Chart(props: {
  title: string;
  /** Interval starts, epoch seconds. */
  x: number[];
  series: ChartSeries[];
  yLabel: string;
  timeZone: string;
  height?: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plot: uPlotType | null = null;
    let observer: ResizeObserver | null = null;
    let cancelled = false;
    void loadUPlot().then((uPlot) => {
      if (cancelled || !host.current) return;
      const started = performance.now();
      const ink = getComputedStyle(document.documentElement).getPropertyValue('--ink').trim() || '#222';
      const grid = getComputedStyle(document.documentElement).getPropertyValue('--grid').trim() || '#ddd';
      const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      const bars = uPlot.paths.bars?.({ size: [0.8, 40] });
      const opts: uPlotType.Options = {
        title: props.title,
        width: host.current.clientWidth || 600,
        height: props.height ?? 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), props.timeZone),
        scales: { x: { time: true } },
        axes: [axis, { ...axis, label: props.yLabel }],
        series: [
          {},
          ...props.series.map((s, i) => ({
            label: s.label,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            ...(s.bars && bars ? { paths: bars, fill: `${PALETTE[i % PALETTE.length]}99` } : {}),
            spanGaps: false,
          })),
        ],
        legend: { live: true },
        cursor: { focus: { prox: 16 } },
      };
      // Timed to the end of the first draw (uPlot may defer it past the constructor).
      let timed = false;
      opts.hooks = {
        draw: [
          () => {
            if (timed) return;
            timed = true;
            const ms = performance.now() - started;
            const points = props.x.length * props.series.length;
            (window.__chartDraws ??= []).push({ title: props.title, ms, points });
          },
        ],
      };
      plot = new uPlot(
        opts,
        [props.x, ...props.series.map((s) => s.values)] as uPlotType.AlignedData,
        host.current,
      );
      observer = new ResizeObserver(() => {
        if (plot && host.current)
          plot.setSize({ width: host.current.clientWidth, height: props.height ?? 220 });
      });
      observer.observe(host.current);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [props.x, props.series, props.timeZone, props.title]);
  return (
    <div
      class="chart"
      ref={host}
      role="img"
      aria-label={`${props.title} chart; the table has the same numbers`}
    />
  );
}
