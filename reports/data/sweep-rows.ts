import type { FairnessVsLoadRow } from '../specs/fairness-vs-load.ts';
import type { TradeoffRow } from '../specs/tradeoff.ts';
import type { ViolationVsLoadRow } from '../specs/violation-vs-load.ts';
import { PRIORITIES } from '../specs/theme.ts';
import type { SweepOrder } from './report-source.ts';
import type { RunResult } from './run-summary.ts';

/** Mean and sample standard deviation (0 for a single value). */
export function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { mean: NaN, sd: NaN };
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
  const variance = finite.length > 1 ? finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (finite.length - 1) : 0;
  return { mean, sd: Math.sqrt(variance) };
}

/**
 * How a sweep's runs are told apart in the figures: by policy, or by policy and
 * predictor when the sweep has more than one predictor.
 */
export class SeriesNaming {
  readonly byPredictor: boolean;
  /** Every series the runs hold, policies in grid order, predictors within them. */
  readonly series: readonly string[];
  readonly title: string;

  constructor(runs: readonly RunResult[], order: SweepOrder) {
    this.byPredictor = order.predictors.length > 1;
    this.title = this.byPredictor ? 'Policy + predictor' : 'Policy';
    const present = new Set(runs.map((r) => this.of(r)));
    this.series = order.policies
      .flatMap((policy) => (this.byPredictor ? order.predictors.map((predictor) => `${policy} + ${predictor}`) : [policy]))
      .filter((s) => present.has(s));
  }

  of(run: Pick<RunResult, 'policy' | 'predictor'>): string {
    return this.byPredictor ? `${run.policy} + ${run.predictor}` : run.policy;
  }
}

/** One sweep point over seeds: a series at one load. */
export interface SweepPoint {
  readonly series: string;
  readonly load: number;
  readonly runs: readonly RunResult[];
}

/** Groups runs by series and load (series order, then ascending load). */
export function sweepPoints(runs: readonly RunResult[], naming: SeriesNaming): SweepPoint[] {
  const groups = new Map<string, { series: string; load: number; runs: RunResult[] }>();
  for (const run of runs) {
    const series = naming.of(run);
    const key = `${series}\u0000${run.load}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { series, load: run.load, runs: [] }));
    group.runs.push(run);
  }
  const rank = new Map(naming.series.map((s, i) => [s, i]));
  return [...groups.values()].sort((a, b) => (rank.get(a.series) ?? 0) - (rank.get(b.series) ?? 0) || a.load - b.load);
}

export function violationVsLoadRows(points: readonly SweepPoint[]): ViolationVsLoadRow[] {
  return points.flatMap((point) =>
    PRIORITIES.map((priority) => {
      const { mean, sd } = meanSd(point.runs.map((r) => 100 * r.classes[priority].violationRate));
      return { series: point.series, priority, load: point.load, meanPct: mean, lowPct: Math.max(0, mean - sd), highPct: Math.min(100, mean + sd), seeds: point.runs.length };
    }),
  );
}

export function fairnessVsLoadRows(points: readonly SweepPoint[]): FairnessVsLoadRow[] {
  return points.map((point) => {
    const { mean, sd } = meanSd(point.runs.map((r) => r.fairness));
    return { series: point.series, load: point.load, mean, low: mean - sd, high: Math.min(1, mean + sd), seeds: point.runs.length };
  });
}

export function tradeoffRows(points: readonly SweepPoint[]): TradeoffRow[] {
  return points.map((point) => ({
    series: point.series,
    load: point.load,
    highPct: meanSd(point.runs.map((r) => 100 * r.classes.high.violationRate)).mean,
    lowPct: meanSd(point.runs.map((r) => 100 * r.classes.low.violationRate)).mean,
    seeds: point.runs.length,
  }));
}
