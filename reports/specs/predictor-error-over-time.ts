import type { TopLevelSpec } from 'vega-lite';
import { singlePanel, type FigureText } from './theme.ts';

/** One predictor's execution-time MAPE over one window of completion time. */
export interface PredictorErrorRow {
  readonly predictor: string;
  /** Window midpoint, seconds of simulated time. */
  readonly timeS: number;
  readonly mapePct: number;
  readonly samples: number;
}

/** Execution-time MAPE over simulated time, one line per evaluated predictor. */
export function predictorErrorOverTimeSpec(rows: readonly PredictorErrorRow[], options: FigureText & { readonly predictors: readonly string[] }): TopLevelSpec {
  const x = { field: 'timeS', type: 'quantitative', title: 'Simulated time (s)', scale: { zero: true, nice: false } } as const;
  const y = { field: 'mapePct', type: 'quantitative', title: 'Execution-time error, MAPE (%)' } as const;
  const color = { field: 'predictor', type: 'nominal', title: 'Predictor', scale: { domain: [...options.predictors] } } as const;
  return singlePanel(options, rows, [
    { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color } },
    {
      mark: { type: 'point', filled: true, size: 30 },
      encoding: {
        x,
        y,
        color,
        shape: { field: 'predictor', type: 'nominal', title: 'Predictor', scale: { domain: [...options.predictors] } },
        tooltip: [
          { field: 'predictor' },
          { field: 'timeS', title: 'time (s)', format: '.1f' },
          { field: 'mapePct', title: 'MAPE (%)', format: '.1f' },
          { field: 'samples', title: 'requests' },
        ],
      },
    },
  ]);
}
