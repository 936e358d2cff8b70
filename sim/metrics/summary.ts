import { GrowableFloat64 } from '../core/growable.ts';
import type { Priority } from '../model/request.ts';
import type { SimulationResult } from '../simulator.ts';
import { jainIndex, mean, quantileSorted } from './quantiles.ts';
import { OUTCOMES, PRIORITY_CODES, type RequestRecords } from './request-records.ts';

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

export function summarize(records: RequestRecords, result: SimulationResult): Summary {
  const horizon = result.simulatedMs;
  const classes = {} as Record<Priority, ClassSummary>;
  PRIORITY_CODES.forEach((priority, code) => {
    classes[priority] = summarizeClass(records, code, horizon);
  });
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
    predictorError: {
      execution: errorStats(records.predictedExecution.view(), observedExecution(records)),
      transfer: errorStats(records.predictedTransfer.view(), observedTransfer(records)),
    },
    gpus,
    simulatedMs: horizon,
    events: result.events,
  };
}

function summarizeClass(records: RequestRecords, priorityCode: number, horizon: number): ClassSummary {
  const tally = new Array<number>(OUTCOMES.length).fill(0);
  const latencies = new GrowableFloat64();
  const slowdowns = new GrowableFloat64();
  const priority = records.priority.view();
  const outcome = records.outcome.view();
  const latency = records.latency.view();
  const solo = records.soloLatency.view();
  const met = OUTCOMES.indexOf('met');
  const late = OUTCOMES.indexOf('late');
  for (let i = 0; i < records.length; i++) {
    if (priority[i] !== priorityCode) continue;
    tally[outcome[i]]++;
    if (outcome[i] === met || outcome[i] === late) {
      latencies.push(latency[i]);
      slowdowns.push(latency[i] / solo[i]);
    }
  }
  const sorted = latencies.view().sort();
  const count = tally.reduce((a, b) => a + b, 0);
  const violations = count - tally[met];
  return {
    count,
    met: tally[met],
    late: tally[late],
    dropped: tally[OUTCOMES.indexOf('dropped')],
    rejected: tally[OUTCOMES.indexOf('rejected')],
    unserved: tally[OUTCOMES.indexOf('unserved')],
    violations,
    violationRate: count > 0 ? violations / count : 0,
    latencyMs: {
      mean: mean(sorted),
      p50: quantileSorted(sorted, 0.5),
      p95: quantileSorted(sorted, 0.95),
      p99: quantileSorted(sorted, 0.99),
    },
    goodputPerSec: horizon > 0 ? tally[met] / (horizon / 1000) : 0,
    meanSlowdown: mean(slowdowns.view()),
  };
}

function observedExecution(records: RequestRecords): Float64Array {
  const start = records.executionStart.view();
  const end = records.executionEnd.view();
  return start.map((s, i) => end[i] - s);
}

function observedTransfer(records: RequestRecords): Float64Array {
  const inStart = records.transferInStart.view();
  const inEnd = records.transferInEnd.view();
  const outStart = records.transferOutStart.view();
  const done = records.completed.view();
  return inStart.map((s, i) => inEnd[i] - s + (done[i] - outStart[i]));
}

/** Error of predictions against observations, over the pairs where both exist. */
export function errorStats(predicted: ArrayLike<number>, observed: ArrayLike<number>): ErrorStats {
  const pct = new GrowableFloat64();
  const abs = new GrowableFloat64();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i];
    const o = observed[i];
    if (!(p === p && o === o) || o <= 0) continue;
    abs.push(Math.abs(p - o));
    pct.push((100 * Math.abs(p - o)) / o);
  }
  const sortedPct = pct.view().sort();
  const sortedAbs = abs.view().sort();
  return {
    samples: pct.length,
    mape: mean(sortedPct),
    p95AbsPctError: quantileSorted(sortedPct, 0.95),
    p95AbsErrorMs: quantileSorted(sortedAbs, 0.95),
  };
}
