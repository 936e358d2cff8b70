import { basename } from 'node:path';
import { InputError } from '../sim/core/errors.ts';
import { BusyIntervalCollector, UTILIZATION_BINS } from './data/gpu-utilization-rows.ts';
import { LatencyCollector } from './data/latency-cdf-rows.ts';
import { ScatterCollector, predictorErrorRows } from './data/predictor-rows.ts';
import type { ReportSource, SweepOrder } from './data/report-source.ts';
import { scanRequests } from './data/requests-scan.ts';
import { requestsFile, type RunResult } from './data/run-summary.ts';
import { SeriesNaming, fairnessVsLoadRows, sweepPoints, tradeoffRows, violationVsLoadRows } from './data/sweep-rows.ts';
import type { Figure, Report, Table } from './report-model.ts';
import { fairnessVsLoadSpec } from './specs/fairness-vs-load.ts';
import { gpuUtilizationSpec } from './specs/gpu-utilization.ts';
import { latencyCdfSpec } from './specs/latency-cdf.ts';
import { predictorErrorOverTimeSpec } from './specs/predictor-error-over-time.ts';
import { predictorScatterSpec } from './specs/predictor-scatter.ts';
import { tradeoffSpec } from './specs/tradeoff.ts';
import { violationVsLoadSpec } from './specs/violation-vs-load.ts';
import { validationReport } from './validation-report.ts';
import { runClassTable, runPredictorTable, sweepPointTable, sweepRunTable } from './tables.ts';

export interface ReportOptions {
  /** In a sweep: the run (its name under runs/) whose per-run figures are shown. */
  readonly run?: string;
}

/** One line naming a run's settings. */
export function runLabel(run: RunResult): string {
  return `${run.scenario} · policy ${run.policy} · predictor ${run.predictor} · load ${run.load} · seed ${run.seed}`;
}

const PREFERRED_POLICY = 'strait';
const PREFERRED_PREDICTOR = 'adaptive';

/**
 * The run whose per-run figures a sweep report shows: the chosen one, else one at
 * the highest load, of the strait policy with the adaptive predictor where the sweep
 * has them (else the first in grid order), lowest seed.
 */
export function representativeRun(runs: readonly RunResult[], order: SweepOrder, chosen?: string): RunResult {
  if (chosen !== undefined) {
    const run = runs.find((r) => r.name === chosen || r.dir === chosen);
    if (run === undefined) {
      const names = runs.map((r) => r.name);
      const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')}, ...` : names.join(', ');
      throw new InputError(`--run: expected the name of a run directory under the sweep's runs/ (${shown}), got "${chosen}"`);
    }
    return run;
  }
  const rank = (list: readonly string[], preferred: string, name: string) => (name === preferred ? -1 : list.indexOf(name));
  return [...runs].sort(
    (a, b) =>
      b.load - a.load ||
      rank(order.policies, PREFERRED_POLICY, a.policy) - rank(order.policies, PREFERRED_POLICY, b.policy) ||
      rank(order.predictors, PREFERRED_PREDICTOR, a.predictor) - rank(order.predictors, PREFERRED_PREDICTOR, b.predictor) ||
      a.seed - b.seed ||
      a.name.localeCompare(b.name),
  )[0];
}

/** A percentage with one decimal, or "n/a" (no request was scored). */
function percent(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(1)}%` : 'n/a';
}

/** 2nd, 3rd, 4th, 11th, 21st, ... */
function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}

/**
 * The per-run figures: predictor scatter and error over time (left out when the
 * summary has no error windows, as in run directories from before they existed),
 * GPU utilization over time.
 */
function perRunFigures(run: RunResult, scatter: ScatterCollector, busy: BusyIntervalCollector, context: string): Figure[] {
  const own = run.predictors[0];
  const scatterRows = scatter.rows();
  const k = scatter.stride();
  const errorRows = predictorErrorRows(run);
  const gpus = run.gpus.map((g) => g.id);
  const sampled =
    k > 1 ? `every ${ordinal(k)} of ${scatter.eligible.toLocaleString('en-US')} scored requests (${scatterRows.length.toLocaleString('en-US')} shown)` : `all ${scatterRows.length.toLocaleString('en-US')} scored requests`;
  const figures: Figure[] = [
    {
      name: 'predictor-scatter',
      title: `Predicted vs observed execution time (predictor ${own.name})`,
      caption: `Execution time predicted at dispatch by the policy's predictor (${own.name}) against the execution time the run observed, per request, ${sampled}; scored requests are those that completed without preemption. The dashed line is perfect prediction; points above it were over-predicted. Execution MAPE ${percent(own.execution.mape)}. ${context}.`,
      spec: predictorScatterSpec(scatterRows, { title: `Predicted vs observed execution time (${own.name})`, subtitle: `${context} · MAPE ${percent(own.execution.mape)}` }),
    },
    {
      name: 'predictor-error-over-time',
      title: 'Predictor error over time',
      caption: `Mean absolute percentage error of each evaluated predictor's execution-time prediction, per window of completion time (the policy's predictor ${own.name} steers; any others are shadows evaluated on the same requests). A predictor that adapts shows falling error. ${context}.`,
      spec: predictorErrorOverTimeSpec(errorRows, { title: 'Execution-time prediction error over time', subtitle: context, predictors: run.predictors.map((p) => p.name) }),
    },
    {
      name: 'gpu-utilization',
      title: 'GPU utilization over time',
      caption: `Share of each time bin (${(run.simulatedMs / UTILIZATION_BINS / 1000).toPrecision(2)} s wide) during which at least one request was executing on the GPU, from the execution intervals in requests.arrow. Run-wide: ${run.gpus.map((g) => `${g.id} ${(100 * g.utilization).toFixed(1)}%`).join(', ')}. ${context}.`,
      spec: gpuUtilizationSpec(busy.rows(gpus, run.simulatedMs), { title: 'GPU utilization over time', subtitle: context, gpus }),
    },
  ];
  return errorRows.length > 0 ? figures : figures.filter((f) => f.name !== 'predictor-error-over-time');
}

function latencyCdfFigure(rows: ReturnType<LatencyCollector['rows']>, series: readonly string[], seriesTitle: string, context: string, pooled: string): Figure {
  return {
    name: 'latency-cdf',
    title: 'Latency CDF per priority class',
    caption: `Cumulative share of each class's requests completed within a given latency (log scale), ${pooled}. Dropped, rejected and unserved requests never complete, so a curve ends below 100% by their share. ${context}.`,
    spec: latencyCdfSpec(rows, { title: 'Latency CDF per priority class', subtitle: context, series, seriesTitle }),
  };
}

async function runReport(source: Extract<ReportSource, { kind: 'run' }>): Promise<Report> {
  const run = source.run;
  const latency = new LatencyCollector();
  const scatter = new ScatterCollector();
  const busy = new BusyIntervalCollector();
  await scanRequests(requestsFile(run), (batch) => {
    latency.add(batch);
    scatter.add(batch);
    busy.add(batch);
  });
  const context = runLabel(run);
  const figures = [latencyCdfFigure(latency.rows(run.policy), [run.policy], 'Policy', context, 'one curve for the run'), ...perRunFigures(run, scatter, busy, context)];
  const tables: Table[] = [runClassTable(run), runPredictorTable(run)];
  return { kind: 'run', title: `strait run report: ${basename(source.dir)}`, subtitle: context, source: source.dir, figures, tables };
}

function list(values: readonly (string | number)[]): string {
  return [...new Set(values)].join(', ');
}

async function sweepReport(source: Extract<ReportSource, { kind: 'sweep' }>, options: ReportOptions): Promise<Report> {
  const { runs, order } = source;
  const naming = new SeriesNaming(runs, order);
  const points = sweepPoints(runs, naming);
  const chosen = representativeRun(runs, order, options.run);
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  const loads = [...new Set(runs.map((r) => r.load))].sort((a, b) => a - b);
  const scenarios = list(runs.map((r) => r.scenario));
  const grid = `${runs.length} runs of ${scenarios}: ${naming.series.length} ${naming.byPredictor ? 'policy + predictor pairs' : 'policies'} × ${loads.length} loads (${loads.join(', ')}) × ${seeds.length} seeds`;
  const overSeeds = seeds.length === 1 ? 'one seed per point (no error bars)' : `mean ± 1 s.d. over ${seeds.length} seeds`;
  const bars = seeds.length === 1 ? '' : ' (error bars)';
  const common = { series: naming.series, seriesTitle: naming.title };

  // The latency CDF compares every series at the chosen run's load, pooled over seeds;
  // the chosen run's own records feed the per-run figures in the same pass.
  const latency = new Map(naming.series.map((s) => [s, new LatencyCollector()]));
  const scatter = new ScatterCollector();
  const busy = new BusyIntervalCollector();
  for (const run of runs.filter((r) => r.load === chosen.load)) {
    const collector = latency.get(naming.of(run))!;
    const isChosen = run === chosen;
    await scanRequests(requestsFile(run), (batch) => {
      collector.add(batch);
      if (isChosen) {
        scatter.add(batch);
        busy.add(batch);
      }
    });
  }
  const cdfRows = naming.series.flatMap((s) => latency.get(s)!.rows(s));
  const cdfSeeds = runs.filter((r) => r.load === chosen.load && naming.of(r) === naming.of(chosen)).length;

  const figures: Figure[] = [
    {
      name: 'violation-vs-load',
      title: 'Deadline violation rate vs load',
      caption: `Share of each class's requests that missed their deadline (late, dropped, rejected or unserved) at each load, ${overSeeds}${bars}. ${grid}.`,
      spec: violationVsLoadSpec(violationVsLoadRows(points), { title: 'Deadline violation rate vs load', subtitle: overSeeds, ...common }),
    },
    latencyCdfFigure(
      cdfRows,
      naming.series,
      naming.title,
      cdfSeeds === 1 ? `load ${chosen.load}, one seed` : `load ${chosen.load}, ${cdfSeeds} seeds pooled`,
      `one curve per ${naming.byPredictor ? 'policy and predictor' : 'policy'} at load ${chosen.load}${cdfSeeds === 1 ? '' : `, the requests of its ${cdfSeeds} seeds pooled`}`,
    ),
    {
      name: 'tradeoff',
      title: 'High- vs low-priority violations',
      caption: `The cost to low-priority work of protecting high-priority work: each point is one ${naming.byPredictor ? 'policy and predictor' : 'policy'} at one load (bigger points: higher load; mean over seeds), joined in load order. Lower and further left is better on both. ${grid}.`,
      spec: tradeoffSpec(tradeoffRows(points), { title: 'High- vs low-priority deadline violations', subtitle: 'one point per load (mean over seeds); lower left is better', ...common }),
    },
    {
      name: 'fairness-vs-load',
      title: 'Fairness vs load',
      caption: `Jain's fairness index over the two classes' mean slowdowns (latency over solo latency); 1 means both classes are slowed down equally, 0.5 the most unequal; ${overSeeds}${bars}. ${grid}.`,
      spec: fairnessVsLoadSpec(fairnessVsLoadRows(points), { title: 'Fairness between the classes vs load', subtitle: `1 = both classes slowed down equally, 0.5 = most unequal; ${overSeeds}`, ...common }),
    },
    ...perRunFigures(chosen, scatter, busy, runLabel(chosen)),
  ];
  const tables = [sweepPointTable(points, naming.title), sweepRunTable(runs)];
  return {
    kind: 'sweep',
    title: `strait sweep report: ${basename(source.dir)}`,
    subtitle: `${grid}. Per-run figures: ${chosen.name}.`,
    source: source.dir,
    figures,
    tables,
  };
}

/** Builds a run's, a sweep's or a validation's figures (specs) and tables. */
export function buildReport(source: ReportSource, options: ReportOptions = {}): Promise<Report> {
  if (source.kind === 'validation') {
    if (options.run !== undefined) throw new InputError(`--run: only for a sweep directory; ${source.dir} is a validation`);
    return Promise.resolve(validationReport(source.validation, source.dir));
  }
  if (source.kind === 'run') {
    if (options.run !== undefined) throw new InputError(`--run: only for a sweep directory; ${source.dir} is a single run`);
    return runReport(source);
  }
  return sweepReport(source, options);
}
