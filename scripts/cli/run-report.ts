import type { ScenarioRun } from '../../scenarios/run-scenario.ts';
import type { ClassSummary, ErrorWindow } from '../../sim/metrics/summary.ts';
import { fixed, pct, table, thousands } from './format.ts';

function classRow(name: string, c: ClassSummary): string[] {
  return [
    name,
    thousands(c.count),
    thousands(c.met),
    thousands(c.late),
    thousands(c.dropped + c.unserved),
    thousands(c.rejected),
    pct(c.violationRate, 2),
    fixed(c.latencyMs.p50),
    fixed(c.latencyMs.p95),
    fixed(c.latencyMs.p99),
    fixed(c.goodputPerSec, 1),
    fixed(c.meanSlowdown),
  ];
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** Execution-time error over the run as a sparkline (one character per window). */
function errorSparkline(windows: readonly ErrorWindow[], max: number): string {
  return windows
    .map((w) => (w.mape === w.mape ? SPARKS[Math.min(SPARKS.length - 1, Math.round((w.mape / max) * (SPARKS.length - 1)))] : ' '))
    .join('');
}

/** Each evaluated predictor's error: the policy's own, then any shadows. */
function predictorLines(run: ScenarioRun): string[] {
  const entries = Object.entries(run.summary.predictors);
  const max = Math.max(1e-9, ...entries.flatMap(([, p]) => p.executionOverTime.map((w) => (w.mape === w.mape ? w.mape : 0))));
  const width = Math.max(...entries.map(([name]) => name.length));
  return entries.map(([name, p], k) => {
    const role = k === 0 ? 'predictor' : 'shadow   ';
    return (
      `${role} ${name.padEnd(width)}: execution MAPE ${fixed(p.execution.mape, 1)}% (p95 ${fixed(p.execution.p95AbsPctError, 1)}%), ` +
      `transfer MAPE ${fixed(p.transfer.mape, 1)}% (p95 ${fixed(p.transfer.p95AbsPctError, 1)}%)  error over time (0..${fixed(max, 0)}%): ${errorSparkline(p.executionOverTime, max)}`
    );
  });
}

/** The human-readable report printed after a run. */
export function formatRunReport(run: ScenarioRun): string {
  const { scenario, summary, rates } = run;
  const { high, low } = summary.classes;
  const header = ['class', 'requests', 'met', 'late', 'dropped', 'rejected', 'violations', 'p50 ms', 'p95 ms', 'p99 ms', 'goodput/s', 'slowdown'];
  const lines = [
    `scenario ${scenario.name}  policy ${scenario.policy.name}  predictor ${scenario.predictor}  seed ${scenario.seed}  load ${scenario.load} ` +
      (scenario.workload.trace !== undefined
        ? `(trace ${scenario.workload.trace}${scenario.load !== 1 ? ', times divided by the load' : ''})`
        : `(offered ${pct(rates.offeredLoad)} of capacity, ${fixed(rates.totalPerSec, 1)} req/s)`),
    '',
    table(header, [
      classRow('high', high),
      classRow('low', low),
      [
        'all',
        thousands(summary.overall.count),
        thousands(high.met + low.met),
        thousands(high.late + low.late),
        thousands(high.dropped + high.unserved + low.dropped + low.unserved),
        thousands(high.rejected + low.rejected),
        pct(summary.overall.violationRate, 2),
        '',
        '',
        '',
        fixed(high.goodputPerSec + low.goodputPerSec, 1),
        '',
      ],
    ]),
    '',
    `GPU utilization ${pct(summary.overall.gpuUtilization)} (${summary.gpus.map((g) => `${g.id} ${pct(g.utilization)}`).join(', ')})`,
    `fairness (Jain's index over class slowdowns) ${fixed(summary.overall.fairness, 3)}`,
    ...predictorLines(run),
    // A replay has no events: its duration is wall time.
    summary.events > 0
      ? `simulated ${fixed(summary.simulatedMs / 1000, 1)} s: ${thousands(summary.events)} events in ${fixed(run.wallMs / 1000, 2)} s wall (${thousands(summary.events / (run.wallMs / 1000))} events/s)`
      : `replayed ${fixed(summary.simulatedMs / 1000, 1)} s of trace in wall-clock time`,
  ];
  return lines.join('\n');
}
