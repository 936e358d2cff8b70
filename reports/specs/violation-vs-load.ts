import type { TopLevelSpec } from 'vega-lite';
import { CLASS_LABELS, loadAxis, seriesScale, type FigureText, type Priority, classPanelsSpec } from './theme.ts';

/** One series (a policy, or policy + predictor) at one load, one class: over seeds. */
export interface ViolationVsLoadRow {
  readonly series: string;
  readonly priority: Priority;
  /** Arrival-rate scale (fraction of capacity when the scenario's rate is derived from it). */
  readonly load: number;
  /** Deadline-violation rate, percent: mean over seeds. */
  readonly meanPct: number;
  /** Error bar ends, percent (mean ± one standard deviation over seeds). */
  readonly lowPct: number;
  readonly highPct: number;
  readonly seeds: number;
}

export interface SeriesFigureOptions extends FigureText {
  /** Every series, in legend order (colours follow it). */
  readonly series: readonly string[];
  /** Legend title, e.g. "Policy" or "Policy + predictor". */
  readonly seriesTitle: string;
}

/**
 * Violation rate against load, one panel per priority class, one line per series,
 * with error bars over seeds.
 */
export function violationVsLoadSpec(rows: readonly ViolationVsLoadRow[], options: SeriesFigureOptions): TopLevelSpec {
  const values = rows.map((r) => ({ ...r, class: CLASS_LABELS[r.priority] }));
  const x = { field: 'load', type: 'quantitative', title: 'Load (× capacity)', scale: { zero: false, nice: false, padding: 12 }, axis: loadAxis(rows) } as const;
  const color = { field: 'series', type: 'nominal', title: options.seriesTitle, scale: seriesScale(options.series) } as const;
  return classPanelsSpec(
    values,
    options,
    {
      layer: [
        {
          mark: { type: 'errorbar', ticks: { size: 8 }, thickness: 1.5 },
          encoding: {
            x,
            y: { field: 'lowPct', type: 'quantitative', title: 'Deadline violations (%)' },
            y2: { field: 'highPct' },
            color,
          },
        },
        {
          mark: { type: 'line', point: false, strokeWidth: 2 },
          encoding: { x, y: { field: 'meanPct', type: 'quantitative' }, color },
        },
        {
          mark: { type: 'point', filled: true, size: 70, opacity: 1 },
          encoding: {
            x,
            y: { field: 'meanPct', type: 'quantitative' },
            color,
            shape: { field: 'series', type: 'nominal', title: options.seriesTitle, scale: { domain: [...options.series] } },
            tooltip: [
              { field: 'series', title: options.seriesTitle },
              { field: 'load', title: 'load' },
              { field: 'meanPct', title: 'violations (%)', format: '.2f' },
              { field: 'seeds', title: 'seeds' },
            ],
          },
        },
      ],
    },
    { sharedY: true },
  );
}
