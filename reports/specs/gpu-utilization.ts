import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, SCHEMA, SINGLE, titleOf, type FigureText } from './theme.ts';

/** One GPU's busy share of one time bin. */
export interface GpuUtilizationRow {
  readonly gpu: string;
  /** Bin start and end, seconds of simulated time. */
  readonly startS: number;
  readonly endS: number;
  /** Percent of the bin with at least one request executing on the GPU. */
  readonly busyPct: number;
}

/** GPU utilization over time for one run: one step line per GPU. */
export function gpuUtilizationSpec(rows: readonly GpuUtilizationRow[], options: FigureText & { readonly gpus: readonly string[] }): TopLevelSpec {
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: titleOf(options),
    data: { values: withClosingSteps(rows) },
    width: SINGLE.width,
    height: SINGLE.height,
    mark: { type: 'line', strokeWidth: 1.75, interpolate: 'step-after' },
    encoding: {
      x: { field: 'startS', type: 'quantitative', title: 'Simulated time (s)', scale: { nice: false } },
      y: { field: 'busyPct', type: 'quantitative', title: 'GPU busy time (%)', scale: { domain: [0, 100] } },
      color: { field: 'gpu', type: 'nominal', title: 'GPU', scale: { domain: [...options.gpus] } },
      tooltip: [
        { field: 'gpu', title: 'GPU' },
        { field: 'startS', title: 'from (s)', format: '.2f' },
        { field: 'endS', title: 'to (s)', format: '.2f' },
        { field: 'busyPct', title: 'busy (%)', format: '.1f' },
      ],
    },
  };
}

/** A step line ends where its last bin starts; one more point draws the last bin to its end. */
function withClosingSteps(rows: readonly GpuUtilizationRow[]): GpuUtilizationRow[] {
  const last = new Map<string, GpuUtilizationRow>();
  for (const r of rows) {
    const seen = last.get(r.gpu);
    if (seen === undefined || r.startS > seen.startS) last.set(r.gpu, r);
  }
  return [...rows, ...[...last.values()].map((r) => ({ ...r, startS: r.endS }))];
}
