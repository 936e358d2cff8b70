import { mean, quantileSorted } from '../../sim/metrics/quantiles.ts';

/**
 * The three things validation compares, per model and class: mean and p99 latency of
 * the served requests (relative error) and the violation rate (difference in
 * percentage points). A replicate's sample for a metric is its latencies (served
 * requests) or its 0/1 violations (every request).
 */
export type MetricName = 'mean' | 'p99' | 'violations';

export const METRICS: readonly MetricName[] = ['mean', 'p99', 'violations'];

/** The bar: 10% on mean latency, 20% on p99, 3 percentage points on the violation rate. */
export const TARGETS: Readonly<Record<MetricName, number>> = { mean: 0.1, p99: 0.2, violations: 3 };

/** The metric's value on one run's sample (NaN for an empty sample). */
export function statistic(metric: MetricName, sample: readonly number[]): number {
  if (sample.length === 0) return NaN;
  if (metric === 'mean') return mean(sample);
  if (metric === 'violations') return 100 * mean(sample);
  return quantileSorted([...sample].sort((a, b) => a - b), 0.99);
}

/**
 * Error of `value` against `reference`: relative for latencies ((v - r) / r), percentage
 * points for the violation rate (the statistic is already in percent).
 */
export function errorOf(metric: MetricName, value: number, reference: number): number {
  return metric === 'violations' ? value - reference : (value - reference) / reference;
}

/** How an error of this metric is written: "+12.3%" or "+1.50 pp". */
export function formatError(metric: MetricName, error: number): string {
  if (!Number.isFinite(error)) return '-';
  const sign = error >= 0 ? '+' : '';
  return metric === 'violations' ? `${sign}${error.toFixed(2)} pp` : `${sign}${(100 * error).toFixed(1)}%`;
}
