import { GrowableFloat64 } from '../core/growable.ts';
import { LogHistogram } from './log-histogram.ts';
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
  /** 95th percentile of absolute percentage error, in percent (within 0.5%). */
  readonly p95AbsPctError: number;
  /** 95th percentile of absolute error, ms (within 0.5%). */
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
  /** Error of the predictor the policy used (execution and transfer time). */
  readonly predictorError: { readonly execution: ErrorStats; readonly transfer: ErrorStats };
  /** Every evaluated predictor by name: the policy's own first, then shadows. */
  readonly predictors: Readonly<Record<string, PredictorErrors>>;
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

  /** Room for `count` latencies without growth (see SummaryAccumulator.reserve). */
  reserve(count: number): void {
    this.latencies.reserve(count);
  }

  add(outcome: Outcome, latency: number, slowdown: number): void {
    // A switch, not this[outcome]++: a keyed store by string is a slow generic access.
    switch (outcome) {
      case 'met':
        this.met++;
        break;
      case 'late':
        this.late++;
        break;
      case 'dropped':
        this.dropped++;
        return;
      case 'rejected':
        this.rejected++;
        return;
      case 'unserved':
        this.unserved++;
        return;
    }
    this.latencies.push(latency);
    this.slowdownSum += slowdown;
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

/** Mean absolute percentage error over one stretch of simulated time. */
export interface ErrorWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly samples: number;
  /** NaN (null in JSON) when no request completed in the window. */
  readonly mape: number;
}

/** Most windows kept; past it, neighbours merge and the width doubles. */
const MAX_WINDOWS = 40;

/**
 * Absolute percentage error binned by completion time, in bounded memory: bins
 * start 100 ms wide and double (merging pairs) whenever the run outgrows them.
 */
class ErrorOverTime {
  private sums: number[] = [];
  private counts: number[] = [];
  private width = 100;

  add(timeMs: number, pct: number): void {
    let bin = Math.floor(timeMs / this.width);
    while (bin >= MAX_WINDOWS) {
      const sums: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < this.sums.length; i += 2) {
        sums.push(this.sums[i] + (this.sums[i + 1] ?? 0));
        counts.push(this.counts[i] + (this.counts[i + 1] ?? 0));
      }
      this.sums = sums;
      this.counts = counts;
      this.width *= 2;
      bin = Math.floor(timeMs / this.width);
    }
    while (this.sums.length <= bin) {
      this.sums.push(0);
      this.counts.push(0);
    }
    this.sums[bin] += pct;
    this.counts[bin]++;
  }

  finish(): ErrorWindow[] {
    return this.sums.map((sum, i) => ({
      startMs: i * this.width,
      endMs: (i + 1) * this.width,
      samples: this.counts[i],
      mape: this.counts[i] > 0 ? sum / this.counts[i] : NaN,
    }));
  }
}

/** One predictor's errors: execution and transfer, and execution error over time. */
class PredictorTally {
  readonly execution = new ErrorTally();
  readonly transfer = new ErrorTally();
  readonly overTime = new ErrorOverTime();

  add(completedAt: number, predictedExecution: number, observedExecution: number, predictedTransfer: number, observedTransfer: number): void {
    const pct = this.execution.add(predictedExecution, observedExecution);
    if (pct === pct) this.overTime.add(completedAt, pct);
    this.transfer.add(predictedTransfer, observedTransfer);
  }

  finish(): PredictorErrors {
    return { execution: this.execution.finish(), transfer: this.transfer.finish(), executionOverTime: this.overTime.finish() };
  }
}

export interface PredictorErrors {
  readonly execution: ErrorStats;
  readonly transfer: ErrorStats;
  /** Execution-time MAPE per window of completion time: does the predictor adapt? */
  readonly executionOverTime: readonly ErrorWindow[];
}

/**
 * Prediction errors of one quantity. The mean is exact; the 95th percentiles come
 * from log histograms (within 0.5% of a true value), so memory does not grow with
 * the number of requests, however many predictors are evaluated.
 */
class ErrorTally {
  private readonly pct = new LogHistogram();
  private readonly abs = new LogHistogram();
  private pctSum = 0;
  private samples = 0;

  /** Returns the absolute percentage error added, or NaN when the pair is unusable. */
  add(predicted: number, observed: number): number {
    if (!(predicted === predicted && observed === observed) || observed <= 0) return NaN;
    const error = Math.abs(predicted - observed);
    const pct = (100 * error) / observed;
    this.pctSum += pct;
    this.samples++;
    this.abs.add(error);
    this.pct.add(pct);
    return pct;
  }

  finish(): ErrorStats {
    const n = this.samples;
    return {
      samples: n,
      mape: n > 0 ? this.pctSum / n : NaN,
      p95AbsPctError: this.pct.quantile(0.95),
      p95AbsErrorMs: this.abs.quantile(0.95),
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
  private readonly predictors: PredictorTally[];

  /** `predictorNames`: the policy's predictor first, then any shadow predictors. */
  constructor(private readonly predictorNames: readonly string[] = ['predictor']) {
    this.predictors = predictorNames.map(() => new PredictorTally());
  }

  /**
   * Room for `requests` latencies in each class, for a run of known length: the classes'
   * shares are not known, so each gets the whole. Pages of a typed array are mapped when
   * first written, so the unused part costs address space, not memory; grown by doubling
   * instead, the latencies were copied and first-written about twice over (`push` was 6%
   * of a 1M-request M/M/8 run's self time on a VM where that is slow).
   */
  reserve(requests: number): void {
    this.high.reserve(requests);
    this.low.reserve(requests);
  }

  add(request: Request, outcome: Outcome, soloLatencyMs: number): void {
    const latency = request.completedAt - request.arrival;
    (request.priority === 'high' ? this.high : this.low).add(outcome, latency, latency / soloLatencyMs);
    // A preempted request's times span more than one execution: no fair test of a prediction.
    if ((outcome === 'met' || outcome === 'late') && request.preemptions === 0) {
      const observedExecution = request.executionEnd - request.executionStart;
      const observedTransfer = request.transferInEnd - request.transferInStart + (request.completedAt - request.transferOutStart);
      const done = request.completedAt;
      this.predictors[0].add(done, request.predictedExecutionMs, observedExecution, request.predictedTransferMs, observedTransfer);
      const shadows = request.shadowPredictions;
      if (shadows !== undefined) {
        for (let k = 1; k < this.predictors.length; k++) {
          this.predictors[k].add(done, shadows[2 * k - 2], observedExecution, shadows[2 * k - 1], observedTransfer);
        }
      }
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
    const predictors = this.predictors.map((p) => p.finish());
    return {
      classes,
      overall: {
        count,
        violations,
        violationRate: count > 0 ? violations / count : 0,
        gpuUtilization: gpus.length > 0 ? gpus.reduce((s, g) => s + g.utilization, 0) / gpus.length : 0,
        fairness: slowdowns.length > 0 ? jainIndex(slowdowns) : 1,
      },
      predictorError: { execution: predictors[0].execution, transfer: predictors[0].transfer },
      predictors: Object.fromEntries(this.predictorNames.map((name, k) => [name, predictors[k]])),
      gpus,
      simulatedMs: horizon,
      events: result.events,
    };
  }
}
