import type { TopLevelSpec } from 'vega-lite';
import { CLASS_LABELS, loadAxis, type FigureText, type Priority, classPanelsSpec } from './theme.ts';

/** untuned and tuned rows of a policy, and the floor (the high class alone). */
export type ComparisonVariant = 'untuned' | 'tuned' | 'high only';

/** One policy variant at one load, one class: over seeds. */
export interface FairComparisonRow {
  /** The policy, or "high only" for the floor. */
  readonly series: string;
  readonly variant: ComparisonVariant;
  readonly priority: Priority;
  readonly load: number;
  /** Deadline-violation rate, percent: mean over seeds. */
  readonly meanPct: number;
  /** Error bar ends, percent (mean ± one standard deviation over seeds). */
  readonly lowPct: number;
  readonly highPct: number;
  readonly seeds: number;
  /** The setting the row ran with ("concurrency 2, reserveSlots 1"). */
  readonly setting: string;
}

export interface FairComparisonOptions extends FigureText {
  /** The policies, in legend order (colours follow it); the floor is added in black. */
  readonly policies: readonly string[];
  /** The load axis' title, e.g. "Load (× nominal capacity)". */
  readonly loadTitle: string;
}

export const FLOOR_SERIES = 'high only';
const FLOOR_COLOR = '#000000';
/** tableau10, as the other figures colour their series. */
const POLICY_COLORS = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
const VARIANTS: readonly ComparisonVariant[] = ['untuned', 'tuned', 'high only'];
/** Untuned dashed, tuned solid, the floor dotted. */
const DASHES = [
  [6, 4],
  [1, 0],
  [2, 3],
];

/**
 * Violation rate against load, one panel per priority class: one colour per policy,
 * its untuned rows dashed and its tuned rows solid, with error bars over seeds; the
 * high-only floor as a black dotted line in the high-priority panel (it has no low
 * class). A pure function of the rows.
 */
export function fairComparisonSpec(rows: readonly FairComparisonRow[], options: FairComparisonOptions): TopLevelSpec {
  const values = rows.map((r) => ({ ...r, class: CLASS_LABELS[r.priority], line: `${r.series} (${r.variant})` }));
  const series = [...options.policies, FLOOR_SERIES];
  // Labels as the loads were given: with few ticks a d3 format rounds 1.1 to "1".
  const loads = [...new Set(rows.map((r) => r.load))].sort((a, b) => a - b);
  const axis = loads.length <= 8 ? { values: loads, labelExpr: "'' + datum.value" } : loadAxis(rows);
  const x = { field: 'load', type: 'quantitative', title: options.loadTitle, scale: { zero: false, nice: false, padding: 12 }, axis } as const;
  const color = {
    field: 'series',
    type: 'nominal',
    title: 'Policy',
    scale: { domain: series, range: [...options.policies.map((_, i) => POLICY_COLORS[i % POLICY_COLORS.length]), FLOOR_COLOR] },
  } as const;
  const strokeDash = { field: 'variant', type: 'nominal', title: 'Setting', scale: { domain: [...VARIANTS], range: DASHES } } as const;
  return classPanelsSpec(
    values,
    options,
    {
      layer: [
        {
          mark: { type: 'errorbar', ticks: { size: 6 }, thickness: 1 },
          encoding: { x, y: { field: 'lowPct', type: 'quantitative', title: 'Deadline violations (%)' }, y2: { field: 'highPct' }, color },
        },
        {
          mark: { type: 'line', point: false, strokeWidth: 2 },
          encoding: { x, y: { field: 'meanPct', type: 'quantitative' }, color, strokeDash, detail: { field: 'line', type: 'nominal' } },
        },
        {
          mark: { type: 'point', filled: true, size: 45, opacity: 1 },
          encoding: {
            x,
            y: { field: 'meanPct', type: 'quantitative' },
            color,
            tooltip: [
              { field: 'series', title: 'policy' },
              { field: 'variant', title: 'setting' },
              { field: 'setting', title: 'knobs' },
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
