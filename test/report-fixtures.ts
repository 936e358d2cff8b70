/**
 * Run and sweep directories for the report tests, made with runScenario on a small
 * scenario (two GPUs, 1500 requests: a fraction of a second each). A sweep is laid
 * out as `strait sweep` writes one: sweep.json, runs/<policy>__<predictor>__load<x>__seed<n>/
 * and index.csv.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunDirectory } from '../sim/output/run-directory.ts';
import { applyOverrides, runScenario, type ScenarioOverrides } from '../scenarios/run-scenario.ts';
import type { Summary } from '../sim/metrics/summary.ts';
import { parseScenario } from '../scenarios/parse-scenario.ts';
import { scenarioToJson } from '../scenarios/serialize-scenario.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { summaryDocument, timingDocument } from '../scenarios/run-documents.ts';

export const REPORT_SCENARIO = {
  name: 'report-small',
  seed: 1,
  load: 0.9,
  policy: 'fifo',
  predictor: 'adaptive',
  models: ['mobilenet_v2', 'resnet152', 'bert_base'],
  cluster: {
    gpu: { maxConcurrency: 4, sharing: 'spatial', interferenceAlpha: 0.3 },
    hosts: [{ uplink: { h2dGBps: 16, d2hGBps: 16 }, gpus: 2 }],
  },
  workload: {
    streams: [
      { model: 'mobilenet_v2', priority: 'high', weight: 1, batchSizes: [1, 2], sloFactor: 5 },
      { model: 'resnet152', priority: 'high', weight: 0.5, batchSizes: [1, 2], sloFactor: 5 },
      { model: 'bert_base', priority: 'low', weight: 2, batchSizes: [4, 8], sloFactor: 10 },
      { model: 'mobilenet_v2', priority: 'low', weight: 2, batchSizes: [8, 16], sloFactor: 10 },
    ],
    requests: 1500,
  },
};

export function reportScenario(requests = 1500): Scenario {
  const json = { ...REPORT_SCENARIO, workload: { ...REPORT_SCENARIO.workload, requests } };
  return parseScenario(json, 'report-small.json', 'report-small', process.cwd());
}

/** Runs one scenario into a run directory, as `strait run` does; returns its summary. */
export async function writeRun(dir: string, scenario: Scenario, overrides: ScenarioOverrides = {}, shadowPredictors: readonly string[] = []): Promise<Summary> {
  const resolved = applyOverrides(scenario, overrides);
  const directory = RunDirectory.open(dir);
  const run = await runScenario(resolved, { recordsPath: directory.path('requests.arrow'), shadowPredictors });
  directory.writeJson('summary.json', summaryDocument(run));
  directory.writeJson('scenario.json', scenarioToJson(resolved));
  directory.writeJson('timing.json', timingDocument(run));
  directory.commit();
  return run.summary;
}

export interface SweepGrid {
  readonly policies: readonly string[];
  readonly predictors: readonly string[];
  readonly loads: readonly number[];
  readonly seeds: readonly number[];
}

const CLASS_COLUMNS = ['count', 'violation_rate', 'late', 'dropped', 'rejected', 'unserved', 'p50_ms', 'p95_ms', 'p99_ms', 'goodput_per_sec', 'mean_slowdown'];

/** Writes a sweep directory: every grid point run into runs/, then index.csv and sweep.json. */
export async function writeSweep(dir: string, grid: SweepGrid, scenario: Scenario = reportScenario()): Promise<string[]> {
  mkdirSync(join(dir, 'runs'), { recursive: true });
  const header = [
    'policy', 'predictor', 'load', 'seed', 'run',
    ...['high', 'low'].flatMap((c) => CLASS_COLUMNS.map((k) => `${c}_${k}`)),
    'overall_violation_rate', 'gpu_utilization', 'fairness', 'execution_mape', 'transfer_mape', 'events', 'simulated_ms',
  ];
  const lines = [header.join(',')];
  const names: string[] = [];
  for (const policy of grid.policies) {
    for (const predictor of grid.predictors) {
      for (const load of grid.loads) {
        for (const seed of grid.seeds) {
          const name = `${policy}__${predictor}__load${load}__seed${seed}`;
          const s = await writeRun(join(dir, 'runs', name), scenario, { policy, predictor, load, seed });
          const cls = (c: Summary['classes']['high']) => [c.count, c.violationRate, c.late, c.dropped, c.rejected, c.unserved, c.latencyMs.p50, c.latencyMs.p95, c.latencyMs.p99, c.goodputPerSec, c.meanSlowdown];
          lines.push(
            [policy, predictor, load, seed, `runs/${name}`, ...cls(s.classes.high), ...cls(s.classes.low), s.overall.violationRate, s.overall.gpuUtilization, s.overall.fairness, s.predictorError.execution.mape, s.predictorError.transfer.mape, s.events, s.simulatedMs].join(','),
          );
          names.push(name);
        }
      }
    }
  }
  writeFileSync(join(dir, 'index.csv'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ scenario: scenario.name, ...grid }, null, 2) + '\n');
  return names;
}
