import type { LatencyCdfRow } from '../specs/latency-cdf.ts';
import { PRIORITIES } from '../specs/theme.ts';
import { HIGH, LOW, type RequestBatch } from './requests-scan.ts';

/** Points per CDF curve: enough for a smooth curve, few enough for a small spec. */
export const CDF_POINTS = 300;

/**
 * The CDF of `sorted` (ascending latencies of completed requests) as at most
 * maxPoints + 1 points: the latencies at evenly spaced ranks, each with the share of
 * `total` requests (completed or not) done by then. Always keeps the first and last.
 */
export function cdfPoints(sorted: ArrayLike<number>, total: number, maxPoints: number = CDF_POINTS): { latencyMs: number; fraction: number }[] {
  const n = sorted.length;
  if (n === 0 || total <= 0) return [];
  const points: { latencyMs: number; fraction: number }[] = [];
  const steps = Math.min(maxPoints, n - 1);
  let last = -1;
  for (let j = 0; j <= steps; j++) {
    const index = steps === 0 ? 0 : Math.round((j * (n - 1)) / steps);
    if (index === last) continue;
    last = index;
    points.push({ latencyMs: sorted[index], fraction: (index + 1) / total });
  }
  return points;
}

/** Latencies of completed requests, and request counts, per class (over one or more runs). */
export class LatencyCollector {
  private readonly latencies: [number[], number[]] = [[], []];
  private readonly totals = [0, 0];

  add(batch: RequestBatch): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch.priority[i];
      if (p !== HIGH && p !== LOW) continue;
      this.totals[p]++;
      const latency = batch.latencyMs[i];
      if (batch.completed[i] === 1 && latency > 0 && Number.isFinite(latency)) this.latencies[p].push(latency);
    }
  }

  /** One curve per class for this series. */
  rows(series: string, maxPoints: number = CDF_POINTS): LatencyCdfRow[] {
    return PRIORITIES.flatMap((priority, p) =>
      cdfPoints(Float64Array.from(this.latencies[p]).sort(), this.totals[p], maxPoints).map((point) => ({ series, priority, ...point })),
    );
  }
}
