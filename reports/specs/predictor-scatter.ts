import type { TopLevelSpec } from 'vega-lite';
import { CLASS_COLORS, CLASS_LABELS, CLASS_ORDER, CONFIG, SCHEMA, titleOf, type FigureText, type Priority } from './theme.ts';

/** One request's execution time as predicted at dispatch and as observed. */
export interface PredictorScatterRow {
  readonly priority: Priority;
  readonly observedMs: number;
  readonly predictedMs: number;
}

/** Side of the square plot, px. */
const SQUARE = 380;

/**
 * Predicted against observed execution time, log-log, coloured by class, with the
 * line of perfect prediction (y = x): points above it were over-predicted.
 */
export function predictorScatterSpec(rows: readonly PredictorScatterRow[], options: FigureText): TopLevelSpec {
  const values = rows.map((r) => ({ ...r, class: CLASS_LABELS[r.priority] }));
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    lo = Math.min(lo, r.observedMs, r.predictedMs);
    hi = Math.max(hi, r.observedMs, r.predictedMs);
  }
  // The same padded domain on both axes of a square plot: y = x is the diagonal.
  const domain = Number.isFinite(lo) ? [lo / 1.25, hi * 1.25] : undefined;
  const diagonal = domain === undefined ? [] : domain.map((v) => ({ v }));
  const scale = { type: 'log', domain, nice: false } as const;
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: titleOf(options),
    width: SQUARE,
    height: SQUARE,
    layer: [
      {
        data: { values: diagonal },
        mark: { type: 'line', color: '#555', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: {
          x: { field: 'v', type: 'quantitative', scale },
          y: { field: 'v', type: 'quantitative', scale },
        },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 16, opacity: 0.45 },
        encoding: {
          x: { field: 'observedMs', type: 'quantitative', title: 'Observed execution time (ms, log scale)', scale, axis: { format: '~g' } },
          y: { field: 'predictedMs', type: 'quantitative', title: 'Predicted execution time (ms, log scale)', scale, axis: { format: '~g' } },
          color: { field: 'class', type: 'nominal', title: 'Priority class', scale: { domain: [...CLASS_ORDER], range: [...CLASS_COLORS] } },
        },
      },
    ],
  };
}
