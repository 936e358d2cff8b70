import type { TopLevelSpec } from 'vega-lite';
import { seriesScale, singlePanel } from './theme.ts';
import type { SeriesFigureOptions } from './violation-vs-load.ts';

/** One series at one load: both classes' violation rates, percent, mean over seeds. */
export interface TradeoffRow {
  readonly series: string;
  readonly load: number;
  readonly highPct: number;
  readonly lowPct: number;
  readonly seeds: number;
}

/**
 * The high-vs-low trade-off: high-priority violation rate against low-priority
 * violation rate, one point per series and load (bigger = more load), each series'
 * points joined in load order. Down and left is better.
 */
export function tradeoffSpec(rows: readonly TradeoffRow[], options: SeriesFigureOptions): TopLevelSpec {
  const x = { field: 'lowPct', type: 'quantitative', title: 'Low-priority violations (%)', scale: { domainMin: 0 } } as const;
  const y = { field: 'highPct', type: 'quantitative', title: 'High-priority violations (%)', scale: { domainMin: 0 } } as const;
  const loads = [...new Set(rows.map((r) => r.load))].sort((a, b) => a - b);
  const color = { field: 'series', type: 'nominal', title: options.seriesTitle, scale: seriesScale(options.series) } as const;
  return singlePanel(options, rows, [
    {
      mark: { type: 'line', strokeWidth: 1.5, opacity: 0.7 },
      encoding: { x, y, color, order: { field: 'load', type: 'quantitative' } },
    },
    {
      mark: { type: 'point', filled: true, opacity: 0.9 },
      encoding: {
        x,
        y,
        color,
        shape: { field: 'series', type: 'nominal', title: options.seriesTitle, scale: { domain: [...options.series] } },
        size: { field: 'load', type: 'quantitative', title: 'Load (× capacity)', scale: { range: [40, 260], zero: false }, legend: { values: loads } },
        tooltip: [
          { field: 'series', title: options.seriesTitle },
          { field: 'load', title: 'load' },
          { field: 'highPct', title: 'high violations (%)', format: '.2f' },
          { field: 'lowPct', title: 'low violations (%)', format: '.2f' },
        ],
      },
    },
  ]);
}
