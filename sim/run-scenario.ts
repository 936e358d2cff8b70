import type { Scenario } from '../scenarios/scenario.ts';
import { buildArrivals, planRates, type RatePlan } from '../scenarios/workload-plan.ts';
import { RunRecorder } from './metrics/run-recorder.ts';
import type { RequestRecords } from './metrics/request-records.ts';
import { summarize, type Summary } from './metrics/summary.ts';
import { POLICIES } from './policy/registry.ts';
import { PREDICTORS } from './predictor/registry.ts';
import { Simulator, type SimulationResult } from './simulator.ts';

/** Command-line overrides of a scenario's choices. */
export interface ScenarioOverrides {
  readonly policy?: string;
  readonly predictor?: string;
  readonly seed?: number;
  readonly load?: number;
}

export function applyOverrides(scenario: Scenario, overrides: ScenarioOverrides): Scenario {
  return {
    ...scenario,
    policy: overrides.policy !== undefined && overrides.policy !== scenario.policy.name ? { name: overrides.policy, params: {} } : scenario.policy,
    predictor: overrides.predictor ?? scenario.predictor,
    seed: overrides.seed ?? scenario.seed,
    load: overrides.load ?? scenario.load,
  };
}

export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly rates: RatePlan;
  readonly result: SimulationResult;
  readonly records: RequestRecords;
  readonly summary: Summary;
  /** Wall-clock time of the simulation alone (not deterministic; kept out of summary). */
  readonly wallMs: number;
}

/** Builds the simulator a scenario describes and runs it to the end. */
export function runScenario(scenario: Scenario, onProgress?: (arrivals: number, simulatedMs: number) => void): ScenarioRun {
  const policyEntry = POLICIES.get(scenario.policy.name);
  const predictorEntry = PREDICTORS.get(scenario.predictor);
  if (policyEntry === undefined) throw new Error(`unknown policy ${scenario.policy.name}`);
  if (predictorEntry === undefined) throw new Error(`unknown predictor ${scenario.predictor}`);
  const stop = scenario.workload.stop;
  const recorder = new RunRecorder(scenario.cluster, stop.kind === 'requests' ? stop.count : 0);
  const simulator = new Simulator({
    cluster: scenario.cluster,
    models: new Map(scenario.models.map((m) => [m.name, m])),
    arrivals: buildArrivals(scenario),
    policy: policyEntry.create(scenario.policy.params),
    predictor: predictorEntry.create({ cluster: scenario.cluster }),
    seed: scenario.seed,
    sink: recorder,
    onProgress,
  });
  const started = performance.now();
  const result = simulator.run();
  const wallMs = performance.now() - started;
  return {
    scenario,
    rates: planRates(scenario),
    result,
    records: recorder.records,
    summary: summarize(recorder.records, result),
    wallMs,
  };
}
