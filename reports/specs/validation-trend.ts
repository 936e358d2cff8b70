import type { TopLevelSpec } from 'vega-lite';
import { CLASS_LABELS, loadAxis, seriesScale, type FigureText, type Priority, classPanelsSpec } from './theme.ts';

/** One policy at one load, one class: the violation rate replayed (with its interval) or simulated. */
export interface ValidationTrendRow {
  readonly policy: string;
  readonly load: number;
  readonly priority: Priority;
  /** "replay", or the profile a simulation used. */
  readonly source: string;
  readonly pct: number;
  /** 95% bootstrap interval of the replicate mean (replays only). */
  readonly lowPct?: number;
  readonly highPct?: number;
}

export interface ValidationTrendOptions extends FigureText {
  readonly policies: readonly string[];
  /** "replay" first, then the profile(s): solid, dashed, dotted. */
  readonly sources: readonly string[];
}

/**
 * The trend: each policy's violation rate against load, replayed (solid, with the
 * replicates' 95% interval) and simulated (dashed; a second profile dotted), one panel
 * per class. The simulator is useful when its lines order and slope like the replays'.
 */
export function validationTrendSpec(rows: readonly ValidationTrendRow[], options: ValidationTrendOptions): TopLevelSpec {
  // Policies side by side at each load (a small dodge), so that their interval bars do not hide each other.
  const loads = [...new Set(rows.map((r) => r.load))].sort((a, b) => a - b);
  const step = loads.length > 1 ? (0.03 * (loads[loads.length - 1] - loads[0])) : 0.01;
  const dodge = (policy: string) => (options.policies.indexOf(policy) - (options.policies.length - 1) / 2) * step;
  const values = rows.map((r) => ({ ...r, class: CLASS_LABELS[r.priority], line: `${r.policy} · ${r.source}`, at: r.load + dodge(r.policy) }));
  const x = { field: 'at', type: 'quantitative', title: 'Load (× capacity)', scale: { zero: false, nice: false, padding: 16 }, axis: loadAxis(rows) } as const;
  const y = { field: 'pct', type: 'quantitative', title: 'Deadline violations (%)' } as const;
  const color = { field: 'policy', type: 'nominal', title: 'Policy', scale: seriesScale(options.policies) } as const;
  const strokeDash = { field: 'source', type: 'nominal', title: 'Measured by', scale: { domain: [...options.sources], range: [[1, 0], [6, 4], [2, 3]] } } as const;
  return classPanelsSpec(
    values,
    options,
    {
      layer: [
        {
          transform: [{ filter: "datum.source === 'replay'" }],
          mark: { type: 'errorbar', ticks: { size: 8 }, thickness: 1.5 },
          encoding: { x, y: { field: 'lowPct', type: 'quantitative', title: 'Deadline violations (%)' }, y2: { field: 'highPct' }, color },
        },
        { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color, strokeDash, detail: { field: 'line', type: 'nominal' } } },
        {
          mark: { type: 'point', filled: true, size: 50, opacity: 1 },
          encoding: {
            x,
            y,
            color,
            tooltip: [{ field: 'policy' }, { field: 'source', title: 'measured by' }, { field: 'load', title: 'load' }, { field: 'pct', title: 'violations (%)', format: '.2f' }],
          },
        },
      ],
    },
    { sharedY: true },
  );
}
