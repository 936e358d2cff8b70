import type { TopLevelSpec } from 'vega-lite';
import { loadAxis, seriesScale, singlePanel } from './theme.ts';
import type { SeriesFigureOptions } from './violation-vs-load.ts';

/** Jain's fairness index of one series at one load, over seeds. */
export interface FairnessVsLoadRow {
  readonly series: string;
  readonly load: number;
  readonly mean: number;
  /** Error bar ends: mean ± one standard deviation over seeds. */
  readonly low: number;
  readonly high: number;
  readonly seeds: number;
}

/** Fairness (Jain's index over the classes' mean slowdowns) against load, per series. */
export function fairnessVsLoadSpec(rows: readonly FairnessVsLoadRow[], options: SeriesFigureOptions): TopLevelSpec {
  const x = { field: 'load', type: 'quantitative', title: 'Load (× capacity)', scale: { zero: false, nice: false, padding: 12 }, axis: loadAxis(rows) } as const;
  const y = { type: 'quantitative', title: "Jain's fairness index", scale: { zero: false } } as const;
  const color = { field: 'series', type: 'nominal', title: options.seriesTitle, scale: seriesScale(options.series) } as const;
  return singlePanel(options, rows, [
    {
      mark: { type: 'errorbar', ticks: { size: 8 }, thickness: 1.5 },
      encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' }, color },
    },
    { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { ...y, field: 'mean' }, color } },
    {
      mark: { type: 'point', filled: true, size: 70, opacity: 1 },
      encoding: {
        x,
        y: { ...y, field: 'mean' },
        color,
        shape: { field: 'series', type: 'nominal', title: options.seriesTitle, scale: { domain: [...options.series] } },
        tooltip: [
          { field: 'series', title: options.seriesTitle },
          { field: 'load', title: 'load' },
          { field: 'mean', title: 'fairness', format: '.3f' },
          { field: 'seeds', title: 'seeds' },
        ],
      },
    },
  ]);
}
