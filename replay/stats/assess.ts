import { bootstrapReplicateMeans, percentileInterval, type Interval } from './bootstrap.ts';
import { errorOf, statistic, TARGETS, type MetricName } from './metric.ts';
import { noiseFloor } from './noise-floor.ts';
import { verdict, type VerdictName } from './verdict.ts';

/** One metric of one model and class: the replicates against the simulation. */
export interface Assessment {
  readonly metric: MetricName;
  readonly replicates: number;
  /** The metric on each replicate, their mean and sample standard deviation (ms or %). */
  readonly replayValues: readonly number[];
  readonly replayMean: number;
  readonly replaySpread: number;
  /** 95% bootstrap interval of the replicate mean (ms or %). */
  readonly replayInterval: Interval;
  readonly sim: number;
  /** Noise floor N and error E, in the metric's error unit (relative or pp). */
  readonly floor: number;
  readonly error: number;
  /** 95% bootstrap interval of E (replays, then requests, resampled). */
  readonly interval: Interval;
  readonly tolerance: number;
  readonly verdict: VerdictName;
  readonly reason: string;
}

/**
 * Noise floor, error with its interval, and verdict for one metric. `replicates` holds
 * each replay's sample (empty ones are left out); `sim` is the simulator's value of the
 * metric, the mean of its per-run values like the replicate mean.
 */
export function assess(metric: MetricName, replicates: readonly (readonly number[])[], sim: number, seed: string, resamples?: number): Assessment {
  const used = replicates.filter((r) => r.length > 0);
  const floor = noiseFloor(metric, used);
  const error = errorOf(metric, sim, floor.mean);
  const boot = used.length > 0 ? bootstrapReplicateMeans(used, (s) => statistic(metric, s), { seed, resamples }) : [];
  const interval = percentileInterval(boot.map((b) => errorOf(metric, sim, b)));
  const replayInterval = percentileInterval(boot);
  const v = verdict({ error, interval, floor: floor.floor, target: TARGETS[metric], replicates: used.length });
  return {
    metric,
    replicates: used.length,
    replayValues: floor.values,
    replayMean: floor.mean,
    replaySpread: floor.spread,
    replayInterval,
    sim,
    floor: floor.floor,
    error,
    interval: { low: Math.min(interval.low, interval.high), high: Math.max(interval.low, interval.high) },
    tolerance: v.tolerance,
    verdict: v.verdict,
    reason: v.reason,
  };
}
