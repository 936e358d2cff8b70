import { GrowableFloat32, GrowableFloat64 } from '../core/growable.ts';
import type { Outcome, Priority, Request } from '../model/request.ts';
import type { SimulationResult } from '../simulator.ts';
import { jainIndex, mean, quantileSorted } from './quantiles.ts';

export interface LatencyStats {
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export interface ClassSummary {
  readonly count: number;
  readonly met: number;
  readonly late: number;
  readonly dropped: number;
  readonly rejected: number;
  readonly unserved: number;
  /** late + dropped + rejected + unserved */
  readonly violations: number;
  readonly violationRate: number;
  /** Over the requests that completed (met or late), ms. */
  readonly latencyMs: LatencyStats;
  /** Requests that met their deadline, per second of simulated time. */
  readonly goodputPerSec: number;
  /** Mean of latency / solo latency over completed requests. */
  readonly meanSlowdown: number;
}

export interface ErrorStats {
  readonly samples: number;
  /** Mean absolute percentage error, in percent. */
  readonly mape: number;
  /** 95th percentile of absolute percentage error, in percent. */
  readonly p95AbsPctError: number;
  /** 95th percentile of absolute error, ms. */
  readonly p95AbsErrorMs: number;
}

export interface GpuSummary {
  readonly id: string;
  readonly utilization: number;
  readonly busyMs: number;
}

export interface Summary {
  readonly classes: Record<Priority, ClassSummary>;
  readonly overall: {
    readonly count: number;
    readonly violations: number;
    readonly violationRate: number;
    readonly gpuUtilization: number;
    /** Jain's index over the two classes' mean slowdowns. */
    readonly fairness: number;
  };
  readonly predictorError: { readonly execution: ErrorStats; readonly transfer: ErrorStats };
  readonly gpus: readonly GpuSummary[];
  readonly simulatedMs: number;
  readonly events: number;
}

/** Running tallies of one priority class. */
class ClassTally {
  met = 0;
  late = 0;
  dropped = 0;
  rejected = 0;
  unserved = 0;
  readonly latencies = new GrowableFloat64();
  slowdownSum = 0;

  add(outcome: Outcome, latency: number, slowdown: number): void {
    this[outcome]++;
    if (outcome === 'met' || outcome === 'late') {
      this.latencies.push(latency);
      this.slowdownSum += slowdown;
    }
  }

  finish(horizonMs: number): ClassSummary {
    const count = this.met + this.late + this.dropped + this.rejected + this.unserved;
    const sorted = this.latencies.view().sort();
    const violations = count - this.met;
    return {
      count,
      met: this.met,
      late: this.late,
      dropped: this.dropped,
      rejected: this.rejected,
      unserved: this.unserved,
      violations,
      violationRate: count > 0 ? violations / count : 0,
      latencyMs: {
        mean: mean(sorted),
        p50: quantileSorted(sorted, 0.5),
        p95: quantileSorted(sorted, 0.95),
        p99: quantileSorted(sorted, 0.99),
      },
      goodputPerSec: horizonMs > 0 ? this.met / (horizonMs / 1000) : 0,
      meanSlowdown: sorted.length > 0 ? this.slowdownSum / sorted.length : NaN,
    };
  }
}

/** Prediction errors of one quantity; float32 halves memory on long runs. */
class ErrorTally {
  private readonly pct = new GrowableFloat32();
  private readonly abs = new GrowableFloat32();
  private pctSum = 0;

  add(predicted: number, observed: number): void {
    if (!(predicted === predicted && observed === observed) || observed <= 0) return;
    const error = Math.abs(predicted - observed);
    const pct = (100 * error) / observed;
    this.pctSum += pct;
    this.abs.push(error);
    this.pct.push(pct);
  }

  finish(): ErrorStats {
    const n = this.pct.length;
    return {
      samples: n,
      mape: n > 0 ? this.pctSum / n : NaN,
      p95AbsPctError: quantileSorted(this.pct.view().sort(), 0.95),
      p95AbsErrorMs: quantileSorted(this.abs.view().sort(), 0.95),
    };
  }
}

/**
 * Accumulates the run summary one request at a time, so a run of any length needs
 * only its latencies and prediction errors in memory, never its full records.
 */
export class SummaryAccumulator {
  private readonly high = new ClassTally();
  private readonly low = new ClassTally();
  private readonly execution = new ErrorTally();
  private readonly transfer = new ErrorTally();

  add(request: Request, outcome: Outcome, soloLatencyMs: number): void {
    const latency = request.completedAt - request.arrival;
    (request.priority === 'high' ? this.high : this.low).add(outcome, latency, latency / soloLatencyMs);
    if (outcome === 'met' || outcome === 'late') {
      this.execution.add(request.predictedExecutionMs, request.executionEnd - request.executionStart);
      const observedTransfer = request.transferInEnd - request.transferInStart + (request.completedAt - request.transferOutStart);
      this.transfer.add(request.predictedTransferMs, observedTransfer);
    }
  }

  finish(result: SimulationResult): Summary {
    const horizon = result.simulatedMs;
    const classes: Record<Priority, ClassSummary> = { high: this.high.finish(horizon), low: this.low.finish(horizon) };
    const count = classes.high.count + classes.low.count;
    const violations = classes.high.violations + classes.low.violations;
    const gpus = result.gpus.map((gpu) => ({
      id: gpu.id,
      busyMs: gpu.busyMs,
      utilization: horizon > 0 ? gpu.busyMs / horizon : 0,
    }));
    const slowdowns = [classes.high.meanSlowdown, classes.low.meanSlowdown].filter((s) => s === s);
    return {
      classes,
      overall: {
        count,
        violations,
        violationRate: count > 0 ? violations / count : 0,
        gpuUtilization: gpus.length > 0 ? gpus.reduce((s, g) => s + g.utilization, 0) / gpus.length : 0,
        fairness: slowdowns.length > 0 ? jainIndex(slowdowns) : 1,
      },
      predictorError: { execution: this.execution.finish(), transfer: this.transfer.finish() },
      gpus,
      simulatedMs: horizon,
      events: result.events,
    };
  }
}
