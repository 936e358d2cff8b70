import { GrowableFloat64 } from '../core/growable.ts';
import { LogHistogram } from './log-histogram.ts';
import type { Outcome, Priority, Request } from '../model/request.ts';
import { STAGED_ROWS, type StagedRows } from './request-records.ts';
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

  /** One request: its outcome's code (OUTCOMES' order: met, late, dropped, rejected, unserved). */
  add(outcome: number, latency: number, slowdown: number): void {
    // A switch, not a keyed store: counts by name as this[outcome]++ is a slow generic access.
    switch (outcome) {
      case 0:
        this.met++;
        break;
      case 1:
        this.late++;
        break;
      case 2:
        this.dropped++;
        return;
      case 3:
        this.rejected++;
        return;
      default:
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

  /** Adds each time's error, skipping NaN (an unusable pair). */
  addAll(timesMs: Float64Array, pcts: Float64Array, n: number): void {
    for (let i = 0; i < n; i++) {
      const pct = pcts[i];
      if (pct === pct) this.add(timesMs[i], pct);
    }
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

/**
 * Predictions and what was observed, for up to one staged block of requests, column by
 * column: a tally takes them a block at a time, so no number crosses a call one by one
 * (each double argument of a call V8 does not inline is a heap allocation).
 */
class PredictionRows {
  readonly done = new Float64Array(STAGED_ROWS);
  readonly predictedExecution = new Float64Array(STAGED_ROWS);
  readonly observedExecution = new Float64Array(STAGED_ROWS);
  readonly predictedTransfer = new Float64Array(STAGED_ROWS);
  readonly observedTransfer = new Float64Array(STAGED_ROWS);
  /** Scratch: each row's absolute percentage error (NaN when unusable). */
  readonly pct = new Float64Array(STAGED_ROWS);
  count = 0;
}

/** One predictor's errors: execution and transfer, and execution error over time. */
class PredictorTally {
  readonly execution = new ErrorTally();
  readonly transfer = new ErrorTally();
  readonly overTime = new ErrorOverTime();

  /** The rows' errors, in row order (each tally sums in that order). */
  addRows(rows: PredictionRows): void {
    const n = rows.count;
    this.execution.addAll(rows.predictedExecution, rows.observedExecution, n, rows.pct);
    this.overTime.addAll(rows.done, rows.pct, n);
    this.transfer.addAll(rows.predictedTransfer, rows.observedTransfer, n, rows.pct);
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

  private readonly errors = new Float64Array(STAGED_ROWS);
  private readonly pcts = new Float64Array(STAGED_ROWS);

  /**
   * Adds n pairs (at most a staged block) and writes each pair's absolute percentage
   * error to `pctOut`, NaN for a pair that is unusable.
   */
  addAll(predicted: Float64Array, observed: Float64Array, n: number, pctOut: Float64Array): void {
    const errors = this.errors;
    const pcts = this.pcts;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const p = predicted[i];
      const o = observed[i];
      if (!(p === p && o === o) || o <= 0) {
        pctOut[i] = NaN;
        continue;
      }
      const error = Math.abs(p - o);
      const pct = (100 * error) / o;
      this.pctSum += pct;
      this.samples++;
      errors[m] = error;
      pcts[m++] = pct;
      pctOut[i] = pct;
    }
    this.abs.addAll(errors, m);
    this.pct.addAll(pcts, m);
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
 * Accumulates the run summary from the records, a staged block at a time (addRows), so
 * a run of any length needs only its latencies and prediction errors in memory, never
 * its full records. A block's rows are read column by column in one loop: fed request
 * by request through a chain of calls, the error tallies' arguments were boxed (about
 * 100 bytes per request on the bench mix).
 */
export class SummaryAccumulator {
  private readonly high = new ClassTally();
  private readonly low = new ClassTally();
  private readonly predictors: PredictorTally[];
  private readonly predictions = new PredictionRows();

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

  /**
   * Requests as records (RequestRecords.onSettle): the classes and the policy's
   * predictor from the record columns, a block of rows in one loop.
   */
  addRows(rows: StagedRows): void {
    const { count, outcome: outcomes, priority: priorities, preemptions, latency: latencies, soloLatency } = rows;
    const { completed, executionStart, executionEnd, transferInStart, transferInEnd, transferOutStart, predictedExecution, predictedTransfer } = rows;
    const p = this.predictions;
    let m = 0;
    for (let r = 0; r < count; r++) {
      const outcome = outcomes[r];
      const latency = latencies[r];
      (priorities[r] === 0 ? this.high : this.low).add(outcome, latency, latency / soloLatency[r]);
      // A preempted request's times span more than one execution: no fair test of a prediction.
      if (outcome <= 1 && preemptions[r] === 0) {
        const done = completed[r];
        p.done[m] = done;
        p.predictedExecution[m] = predictedExecution[r];
        p.observedExecution[m] = executionEnd[r] - executionStart[r];
        p.predictedTransfer[m] = predictedTransfer[r];
        p.observedTransfer[m] = transferInEnd[r] - transferInStart[r] + (done - transferOutStart[r]);
        m++;
      }
    }
    p.count = m;
    this.predictors[0].addRows(p);
  }

  /** The shadow predictors' errors on one request (their predictions are not in the records). */
  addShadows(request: Request, outcome: Outcome): void {
    const shadows = request.shadowPredictions;
    if (shadows === undefined || !(outcome === 'met' || outcome === 'late') || request.preemptions !== 0) return;
    const p = this.predictions;
    p.count = 1;
    p.done[0] = request.completedAt;
    p.observedExecution[0] = request.executionEnd - request.executionStart;
    p.observedTransfer[0] = request.transferInEnd - request.transferInStart + (request.completedAt - request.transferOutStart);
    for (let k = 1; k < this.predictors.length; k++) {
      p.predictedExecution[0] = shadows[2 * k - 2];
      p.predictedTransfer[0] = shadows[2 * k - 1];
      this.predictors[k].addRows(p);
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
