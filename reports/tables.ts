import { CLASS_LABELS, PRIORITIES } from './specs/theme.ts';
import type { RunResult } from './data/run-summary.ts';
import { meanSd, type SweepPoint } from './data/sweep-rows.ts';
import type { Table } from './report-model.ts';

const fixed = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const pct = (fraction: number, digits = 1) => (Number.isFinite(fraction) ? `${(100 * fraction).toFixed(digits)}%` : '–');
const count = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
/** mean ± sd over seeds, or the value alone for one seed. */
const spread = (values: readonly number[], format: (x: number) => string) => {
  const { mean, sd } = meanSd(values);
  return values.length > 1 ? `${format(mean)} ± ${format(sd)}` : format(mean);
};

/** Per class: counts by outcome, violation rate, latency percentiles, goodput, slowdown. */
export function runClassTable(run: RunResult): Table {
  return {
    id: 'table-classes',
    title: 'Outcomes and latency per priority class',
    header: ['class', 'requests', 'met', 'late', 'dropped', 'rejected', 'unserved', 'violations', 'p50 (ms)', 'p95 (ms)', 'p99 (ms)', 'goodput (req/s)', 'mean slowdown'],
    rows: PRIORITIES.map((p) => {
      const c = run.classes[p];
      return [CLASS_LABELS[p], count(c.count), count(c.met), count(c.late), count(c.dropped), count(c.rejected), count(c.unserved), pct(c.violationRate, 2), fixed(c.p50Ms), fixed(c.p95Ms), fixed(c.p99Ms), fixed(c.goodputPerSec, 1), fixed(c.meanSlowdown)];
    }),
    note: `Overall: ${pct(run.violationRate, 2)} of ${count(run.requests)} requests violated their deadline; GPU utilization ${pct(run.gpuUtilization)} (${run.gpus.map((g) => `${g.id} ${pct(g.utilization)}`).join(', ')}); Jain's fairness index over class slowdowns ${fixed(run.fairness, 3)}; ${count(run.events)} events over ${fixed(run.simulatedMs / 1000, 1)} s simulated. Latency percentiles are over completed requests; violations count late, dropped, rejected and unserved requests.`,
  };
}

/** Each evaluated predictor's execution- and transfer-time error. */
export function runPredictorTable(run: RunResult): Table {
  return {
    id: 'table-predictors',
    title: 'Predictor error (the policy’s predictor first, then shadow predictors)',
    header: ['predictor', 'requests scored', 'execution MAPE', 'execution p95 |error| (%)', 'execution p95 |error| (ms)', 'transfer MAPE', 'transfer p95 |error| (%)'],
    rows: run.predictors.map((p) => [
      p.name,
      count(p.execution.samples),
      `${fixed(p.execution.mape, 1)}%`,
      fixed(p.execution.p95AbsPctError, 1),
      fixed(p.execution.p95AbsErrorMs, 3),
      `${fixed(p.transfer.mape, 1)}%`,
      fixed(p.transfer.p95AbsPctError, 1),
    ]),
  };
}

/** One row per sweep point (series and load), mean ± sd over its seeds. */
export function sweepPointTable(points: readonly SweepPoint[], seriesTitle: string): Table {
  const of = (p: SweepPoint, f: (r: RunResult) => number, format: (x: number) => string) => spread(p.runs.map(f), format);
  const percent = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
  return {
    id: 'table-points',
    title: 'Sweep points (mean ± standard deviation over seeds)',
    header: [seriesTitle.toLowerCase(), 'load', 'seeds', 'high violations (%)', 'low violations (%)', 'high p99 (ms)', 'low p99 (ms)', 'fairness', 'GPU utilization (%)', 'execution MAPE (%)'],
    rows: points.map((p) => [
      p.series,
      String(p.load),
      String(p.runs.length),
      of(p, (r) => 100 * r.classes.high.violationRate, percent),
      of(p, (r) => 100 * r.classes.low.violationRate, percent),
      of(p, (r) => r.classes.high.p99Ms, (x) => fixed(x, 1)),
      of(p, (r) => r.classes.low.p99Ms, (x) => fixed(x, 1)),
      of(p, (r) => r.fairness, (x) => fixed(x, 3)),
      of(p, (r) => 100 * r.gpuUtilization, (x) => fixed(x, 1)),
      of(p, (r) => r.predictors[0].execution.mape, (x) => fixed(x, 1)),
    ]),
  };
}

/** One row per run of a sweep. */
export function sweepRunTable(runs: readonly RunResult[]): Table {
  return {
    id: 'table-runs',
    title: 'Every run',
    header: ['run', 'policy', 'predictor', 'load', 'seed', 'high violations', 'low violations', 'high p99 (ms)', 'low p99 (ms)', 'fairness', 'GPU utilization', 'execution MAPE'],
    rows: runs.map((r) => [
      r.name,
      r.policy,
      r.predictor,
      String(r.load),
      String(r.seed),
      pct(r.classes.high.violationRate, 2),
      pct(r.classes.low.violationRate, 2),
      fixed(r.classes.high.p99Ms, 1),
      fixed(r.classes.low.p99Ms, 1),
      fixed(r.fairness, 3),
      pct(r.gpuUtilization),
      `${fixed(r.predictors[0].execution.mape, 1)}%`,
    ]),
  };
}
