import { mean } from '../../sim/metrics/quantiles.ts';
import { errorOf, statistic, type MetricName } from './metric.ts';

export interface NoiseFloor {
  /** The metric on each replicate. */
  readonly values: readonly number[];
  /** Their mean: what the simulator is compared with. */
  readonly mean: number;
  /** Their sample standard deviation. */
  readonly spread: number;
  /**
   * The noise floor N: the mean absolute leave-one-out error, each replicate against
   * the mean of the others, in the metric's own error unit (relative or pp). A
   * simulator cannot be held closer to the device than the device is to itself.
   */
  readonly floor: number;
}

/** Mean, spread and leave-one-out error of a metric over replicates (at least 2). */
export function noiseFloor(metric: MetricName, replicates: readonly (readonly number[])[]): NoiseFloor {
  const values = replicates.map((sample) => statistic(metric, sample));
  const m = mean(values);
  const spread = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1)) : NaN;
  const errors = values.map((v, i) => errorOf(metric, v, mean(values.filter((_, j) => j !== i))));
  const floor = values.length > 1 ? mean(errors.map(Math.abs)) : NaN;
  return { values, mean: m, spread, floor };
}
