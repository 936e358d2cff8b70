import type { Summary } from '../sim/metrics/summary.ts';
import { floorGrid, highOnlyRuns } from './high-only.ts';
import { defaultKnobs, describeKnobs, type PolicyKnobs } from './policy-knobs.ts';
import { SettingRunner, tunePolicy, tuningSize, type SettingRuns } from './policy-tuning.ts';
import type { LoadBasis, Scenario } from './scenario.ts';

/** One metric over seeds: mean and sample standard deviation. */
export interface Spread {
  readonly mean: number;
  readonly std: number;
}

/**
 * - untuned: the policy as it comes (the scenario's slots, its parameters' defaults);
 * - tuned: its best setting by the tuning objective (policy-tuning.ts);
 * - high-only: the floor, the high class alone (high-only.ts).
 */
export type RowKind = 'untuned' | 'tuned' | 'high-only';

export interface ComparisonRow {
  readonly kind: RowKind;
  readonly policy: string;
  readonly predictor: string;
  /** The setting the row ran with. */
  readonly knobs: PolicyKnobs;
  /** "concurrency 2, reserveSlots 1" */
  readonly setting: string;
  readonly seeds: readonly number[];
  readonly highViolationPct: Spread;
  readonly lowViolationPct: Spread;
  readonly highLatePct: Spread;
  readonly highDroppedOrRejectedPct: Spread;
  readonly lowDroppedOrRejectedPct: Spread;
  readonly fairness: Spread;
  readonly goodputPerSec: Spread;
  readonly predictorExecutionMape: Spread;
}

/** A comparison at one load, as `strait compare --out` writes it and the figure set reads it. */
export interface ComparisonDocument {
  readonly scenario: string;
  /** The load as stated, against loadBasis. */
  readonly statedLoad: number;
  readonly loadBasis: LoadBasis;
  /** The load the simulator ran (the nominal basis: a multiple of the rate at load 1). */
  readonly load: number;
  /** With loadBasis "measured": the capacity the load was stated against (best concurrency). */
  readonly measuredCapacity?: { readonly load: number; readonly perSec: number; readonly concurrency: number; readonly seeds: readonly number[] };
  readonly seeds: readonly number[];
  readonly tuned: boolean;
  /** The tuning objective's tie band, percentage points (tuned comparisons). */
  readonly tieBandPp?: number;
  readonly rows: readonly ComparisonRow[];
}

export interface ComparisonPlan {
  readonly policies: readonly string[];
  readonly predictors: readonly string[];
  readonly seeds: readonly number[];
  /** Also search each policy's knobs and add its tuned row. */
  readonly tune: boolean;
  /** Add the high-only floor row (tuned over concurrency when `tune`). */
  readonly floor: boolean;
  readonly onRun?: () => void;
}

export function spread(values: readonly number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

const pctOf = (n: number, d: number) => (d > 0 ? (100 * n) / d : 0);

/** A row from one setting's runs over the seeds. */
export function comparisonRow(kind: RowKind, runs: SettingRuns, seeds: readonly number[]): ComparisonRow {
  const summaries: readonly Summary[] = runs.summaries;
  const high = summaries.map((s) => s.classes.high);
  const low = summaries.map((s) => s.classes.low);
  return {
    kind,
    policy: runs.knobs.policy,
    predictor: runs.predictor,
    knobs: runs.knobs,
    setting: describeKnobs(runs.knobs),
    seeds,
    highViolationPct: spread(high.map((c) => 100 * c.violationRate)),
    lowViolationPct: spread(low.map((c) => 100 * c.violationRate)),
    highLatePct: spread(high.map((c) => pctOf(c.late, c.count))),
    highDroppedOrRejectedPct: spread(high.map((c) => pctOf(c.dropped + c.rejected + c.unserved, c.count))),
    lowDroppedOrRejectedPct: spread(low.map((c) => pctOf(c.dropped + c.rejected + c.unserved, c.count))),
    fairness: spread(summaries.map((s) => s.overall.fairness)),
    goodputPerSec: spread(summaries.map((s) => s.classes.high.goodputPerSec + s.classes.low.goodputPerSec)),
    predictorExecutionMape: spread(summaries.map((s) => s.predictorError.execution.mape)),
  };
}

/** Simulations comparePolicies will run (for progress). */
export function comparisonRunCount(base: Scenario, plan: ComparisonPlan): number {
  const perPredictor = plan.policies.reduce((n, policy) => n + (plan.tune ? tuningSize(policy, base) : 1), 0);
  const floor = plan.floor ? floorGrid(base, plan.tune).length : 0;
  return plan.seeds.length * (plan.predictors.length * perPredictor + floor);
}

/**
 * Every policy with every predictor over the same seeds: its untuned row, and with
 * `tune` its tuned row after it; then the high-only floor, once, with the first
 * predictor (which steers nothing under edf; it is only scored).
 */
export async function comparePolicies(base: Scenario, plan: ComparisonPlan): Promise<ComparisonRow[]> {
  const runner = new SettingRunner(base, plan.seeds, { onRun: plan.onRun });
  const rows: ComparisonRow[] = [];
  for (const policy of plan.policies) {
    for (const predictor of plan.predictors) {
      if (!plan.tune) {
        rows.push(comparisonRow('untuned', await runner.run(defaultKnobs(policy, base), predictor), plan.seeds));
        continue;
      }
      const tuning = await tunePolicy(runner, base, policy, predictor);
      rows.push(comparisonRow('untuned', tuning.untuned, plan.seeds));
      rows.push(comparisonRow('tuned', tuning.tuned, plan.seeds));
    }
  }
  if (plan.floor) {
    rows.push(comparisonRow('high-only', await highOnlyRuns(base, plan.predictors[0], plan.seeds, plan.tune, { onRun: plan.onRun }), plan.seeds));
  }
  return rows;
}
