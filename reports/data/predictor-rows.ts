import type { PredictorErrorRow } from '../specs/predictor-error-over-time.ts';
import type { PredictorScatterRow } from '../specs/predictor-scatter.ts';
import { PRIORITIES } from '../specs/theme.ts';
import { HIGH, LOW, type RequestBatch } from './requests-scan.ts';
import type { RunResult } from './run-summary.ts';

/** Most points in a scatter: enough to see the cloud, small enough for a spec and an SVG. */
export const SCATTER_POINTS = 2000;

/**
 * Predicted against observed execution time of the requests the summary also
 * scores (completed, never preempted, with a prediction). Thinned deterministically
 * to every k-th such request, k the smallest that leaves at most maxPoints.
 */
export class ScatterCollector {
  private readonly priority: number[] = [];
  private readonly observed: number[] = [];
  private readonly predicted: number[] = [];

  add(batch: RequestBatch): void {
    for (let i = 0; i < batch.length; i++) {
      const p = batch.priority[i];
      if ((p !== HIGH && p !== LOW) || batch.completed[i] !== 1 || batch.preemptions[i] !== 0) continue;
      const observed = batch.executionEndMs[i] - batch.executionStartMs[i];
      const predicted = batch.predictedExecutionMs[i];
      if (!(observed > 0 && predicted > 0) || !Number.isFinite(observed) || !Number.isFinite(predicted)) continue;
      this.priority.push(p);
      this.observed.push(observed);
      this.predicted.push(predicted);
    }
  }

  get eligible(): number {
    return this.observed.length;
  }

  /** Every k-th eligible request. */
  stride(maxPoints: number = SCATTER_POINTS): number {
    return Math.max(1, Math.ceil(this.eligible / maxPoints));
  }

  rows(maxPoints: number = SCATTER_POINTS): PredictorScatterRow[] {
    const k = this.stride(maxPoints);
    const rows: PredictorScatterRow[] = [];
    for (let i = 0; i < this.eligible; i += k) {
      rows.push({ priority: PRIORITIES[this.priority[i]], observedMs: this.observed[i], predictedMs: this.predicted[i] });
    }
    return rows;
  }
}

/** Execution-time MAPE per window of completion time, for every predictor the run evaluated. */
export function predictorErrorRows(run: RunResult): PredictorErrorRow[] {
  return run.predictors.flatMap((p) =>
    p.executionOverTime
      .filter((w) => w.samples > 0 && Number.isFinite(w.mape))
      .map((w) => ({ predictor: p.name, timeS: (w.startMs + w.endMs) / 2000, mapePct: w.mape, samples: w.samples })),
  );
}
