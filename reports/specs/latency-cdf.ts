import type { TopLevelSpec } from 'vega-lite';
import { CLASS_LABELS, seriesScale, type Priority, classPanelsSpec } from './theme.ts';
import type { SeriesFigureOptions } from './violation-vs-load.ts';

/** One point of one latency CDF (a class under one series). */
export interface LatencyCdfRow {
  readonly series: string;
  readonly priority: Priority;
  readonly latencyMs: number;
  /**
   * Share of all the class's requests completed within latencyMs. Dropped, rejected
   * and unserved requests never complete, so a curve ends below 1 by their share.
   */
  readonly fraction: number;
}

/** Latency CDF, one panel per priority class, one curve per series, log latency axis. */
export function latencyCdfSpec(rows: readonly LatencyCdfRow[], options: SeriesFigureOptions): TopLevelSpec {
  const values = rows.map((r) => ({ ...r, class: CLASS_LABELS[r.priority] }));
  return classPanelsSpec(
    values,
    options,
    {
      mark: { type: 'line', strokeWidth: 2, interpolate: 'step-after' },
      encoding: {
        x: { field: 'latencyMs', type: 'quantitative', title: 'Latency (ms, log scale)', scale: { type: 'log', nice: false }, axis: { format: '~g' } },
        y: { field: 'fraction', type: 'quantitative', title: 'Cumulative share of requests', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
        color: { field: 'series', type: 'nominal', title: options.seriesTitle, scale: seriesScale(options.series) },
        tooltip: [
          { field: 'series', title: options.seriesTitle },
          { field: 'latencyMs', title: 'latency (ms)', format: '.2f' },
          { field: 'fraction', title: 'share', format: '.1%' },
        ],
      },
    },
  );
}
