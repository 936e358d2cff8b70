import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import type { RequestRecords } from '../sim/metrics/request-records.ts';
import type { Summary } from '../sim/metrics/summary.ts';
import { RecordsArrowWriter } from '../sim/output/records-arrow-writer.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';
import { Simulator, type ArrivalSpec, type SimulationResult } from '../sim/simulator.ts';
import type { Scenario } from './scenario.ts';
import { planRates, workloadArrivals, type RatePlan } from './workload-plan.ts';
import { BufferedArrivals } from '../traces/buffered-arrivals.ts';
import { bug } from '../sim/core/errors.ts';

// Kept importable from here, where callers found them before they moved.
export { applyOverrides, type ScenarioOverrides } from './scenario-overrides.ts';

export interface RunOptions {
  /** Stream per-request records to this Arrow file instead of keeping them in memory. */
  readonly recordsPath?: string;
  /**
   * Without recordsPath: false builds the records in batches, as for a file, and drops
   * each batch (`records` comes back empty), for callers that need only the summary.
   * Holding every record costs memory, and on a VM fresh memory is slow: the first
   * write of 112 MB took 180-440 ms here, the second 18-28 ms. Default true.
   */
  readonly keepRecords?: boolean;
  readonly onProgress?: (arrivals: number, simulatedMs: number) => void;
  /** Predictors to evaluate alongside the scenario's own (shadows: they steer nothing). */
  readonly shadowPredictors?: readonly string[];
  /** Run only the workload's arrivals this accepts (e.g. the high class alone), unchanged. */
  readonly keepArrival?: (arrival: ArrivalSpec) => boolean;
}

export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly rates: RatePlan;
  readonly result: SimulationResult;
  /** Every record when kept in memory; empty when streamed to recordsPath or dropped (keepRecords: false). */
  readonly records: RequestRecords;
  readonly summary: Summary;
  /** Wall-clock time of the simulation alone (not deterministic; kept out of summary). */
  readonly wallMs: number;
}

/**
 * Builds the simulator a scenario describes and runs it to the end. Arrivals are
 * pulled in chunks and records streamed out in batches, so memory stays bounded by
 * what is in flight plus the latencies the summary needs, however long the run.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioRun> {
  const policyEntry = POLICIES.get(scenario.policy.name);
  const predictorEntry = PREDICTORS.get(scenario.predictor);
  if (policyEntry === undefined) bug(`scenario policy: expected a registered policy, got ${scenario.policy.name}`);
  if (predictorEntry === undefined) bug(`scenario predictor: expected a registered predictor, got ${scenario.predictor}`);
  const shadowNames = (options.shadowPredictors ?? []).filter((name) => name !== scenario.predictor);
  const shadows = shadowNames.map((name) => {
    const entry = PREDICTORS.get(name);
    if (entry === undefined) bug(`shadow predictor: expected a registered predictor, got ${name}`);
    return entry.create({ cluster: scenario.cluster, params: scenario.predictorParams[name] ?? {} });
  });
  const writer = options.recordsPath !== undefined ? new RecordsArrowWriter(options.recordsPath) : undefined;
  try {
    const stop = scenario.workload.stop;
    const dropRecords = writer === undefined && options.keepRecords === false;
    const recorder = new RunRecorder(scenario.cluster, {
      expectedRequests: stop.kind === 'requests' ? stop.count : 0,
      onRecords: writer !== undefined ? (records) => writer.write(records) : dropRecords ? () => {} : undefined,
      predictorNames: [scenario.predictor, ...shadowNames],
    });
    const arrivals = options.keepArrival === undefined ? workloadArrivals(scenario) : BufferedArrivals.filtered(workloadArrivals(scenario), options.keepArrival);
    const simulator = new Simulator({
      cluster: scenario.cluster,
      models: new Map(scenario.models.map((m) => [m.name, m])),
      arrivals,
      policy: policyEntry.create(scenario.policy.params),
      predictor: predictorEntry.create({ cluster: scenario.cluster, params: scenario.predictorParams[scenario.predictor] ?? {} }),
      shadowPredictors: shadows,
      seed: scenario.seed,
      sink: recorder,
      onProgress: options.onProgress,
    });
    const started = performance.now();
    const result = await simulator.runStreaming(arrivals, writer === undefined ? undefined : () => writer.drain());
    recorder.flush();
    const summary = recorder.summarize(result);
    const wallMs = performance.now() - started;
    await writer?.close();
    return { scenario, rates: planRates(scenario), result, records: recorder.records, summary, wallMs };
  } catch (error) {
    writer?.abort();
    throw error;
  }
}
