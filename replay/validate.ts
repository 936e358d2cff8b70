import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import { OUTCOMES, PRIORITY_CODES } from '../sim/metrics/request-records.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';
import { Simulator, type ArrivalSource, type ArrivalSpec } from '../sim/simulator.ts';
import { mean, quantileSorted } from '../sim/metrics/quantiles.ts';
import { applyCalibration, readCalibration, type Calibration } from '../scenarios/parse-scenario.ts';
import type { RequestRecords } from '../sim/metrics/request-records.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import type { BatchTable, ModelProfile } from '../sim/model/profile.ts';
import type { ReplayDirectory } from './replay-records.ts';
import { deviceSpeed, type DeviceSpeed } from './device-speed.ts';

/** Variability seeds the simulation is averaged over by default. */
export const DEFAULT_SIM_SEEDS = 8;

/** What validation holds the simulator to (the bar). */
export const VALIDATION_BOUNDS = { meanLatency: 0.1, p99Latency: 0.2, violationPp: 3 };

export interface LatencyComparison {
  readonly model: string;
  /** 'all', 'high' or 'low'. */
  readonly priority: string;
  readonly replayCount: number;
  readonly simCount: number;
  readonly replayMeanMs: number;
  readonly simMeanMs: number;
  /** (sim - replay) / replay. */
  readonly meanError: number;
  readonly replayP99Ms: number;
  readonly simP99Ms: number;
  readonly p99Error: number;
}

export interface ViolationComparison {
  readonly priority: string;
  readonly requests: number;
  readonly replayRate: number;
  readonly simRate: number;
  /** sim - replay, percentage points. */
  readonly differencePp: number;
}

export interface Validation {
  readonly replay: string;
  readonly profile: string;
  readonly policy: string;
  readonly predictor: string;
  readonly requests: number;
  /** Factor the profile's solo times were scaled by (1: not rescaled). */
  readonly speedFactor: number;
  /** With --rescale: the replay's device speed against the calibration's clean solo executions. */
  readonly deviceSpeed?: DeviceSpeed;
  /** Simulations pooled, each with its own variability seed (the scenario's seed, +1, ...). */
  readonly simSeeds: number;
  readonly perModel: readonly LatencyComparison[];
  readonly perModelClass: readonly LatencyComparison[];
  readonly violations: readonly ViolationComparison[];
  /** Every per-model latency and per-class violation comparison within VALIDATION_BOUNDS. */
  readonly withinBounds: boolean;
}

function scaleModel(model: ModelProfile, factor: number): ModelProfile {
  if (factor === 1) return model;
  const scaleTable = (t: BatchTable): BatchTable => ({ batchSizes: t.batchSizes, values: t.values.map((v) => v * factor) });
  return { ...model, phases: model.phases.map((p) => ({ ...p, soloMs: scaleTable(p.soloMs) })) };
}

/** The replay's scenario with the profile's models (solo times times `speed`), sharing and links. */
export function withCalibration(scenario: Scenario, calibration: Calibration, speed = 1): Scenario {
  const { models, cluster } = applyCalibration(scenario.models, scenario.cluster, calibration);
  return { ...scenario, models: models.map((m) => scaleModel(m, speed)), cluster };
}

/**
 * Simulates a replay's own trace (its arrival times as the dispatcher saw them,
 * models, batches, classes and deadlines) under the replay's policy and predictor, on
 * `scenario` (the replay's, calibrated). Returns the records in leaving order.
 */
export function simulateReplayTrace(replay: ReplayDirectory, scenario: Scenario): RequestRecords {
  const arrivals: ArrivalSpec[] = replay.records.map((r) => ({
    arrival: r.arrival,
    model: r.model,
    batch: r.batch,
    priority: r.priority,
    relativeDeadline: r.deadline - r.arrival,
  }));
  let next = 0;
  const source: ArrivalSource = { next: () => arrivals[next++] };
  const recorder = new RunRecorder(scenario.cluster, { predictorNames: [scenario.predictor] });
  new Simulator({
    cluster: scenario.cluster,
    models: new Map(scenario.models.map((m) => [m.name, m])),
    arrivals: source,
    policy: POLICIES.get(scenario.policy.name)!.create(scenario.policy.params),
    predictor: PREDICTORS.get(scenario.predictor)!.create({ cluster: scenario.cluster, params: scenario.predictorParams[scenario.predictor] ?? {} }),
    seed: scenario.seed,
    sink: recorder,
  }).run();
  return recorder.records;
}

interface Outcomes {
  readonly model: string;
  readonly priority: string;
  readonly latency: number;
  readonly violated: boolean;
  readonly served: boolean;
}

/**
 * Simulates the replay's own trace (its arrival times as the dispatcher saw them,
 * models, batches, classes and deadlines) under the same policy and predictor with
 * the calibrated profile, and compares latency and violations request class by class.
 */
export function validate(
  replay: ReplayDirectory,
  profilePath: string,
  options: { readonly rescale?: boolean; readonly simSeeds?: number } = {},
): Validation {
  const calibration = readCalibration(profilePath);
  const speed = options.rescale === true ? deviceSpeed(replay, calibration.aloneReference) : undefined;
  const scenario = withCalibration(replay.scenario, calibration, speed?.factor ?? 1);
  // The replay is one realization of each request's own variability; the simulation is
  // pooled over several, so what is compared is the model's distribution, not one draw
  // of it (one 600-request draw moves class means by several percent).
  const seeds = options.simSeeds ?? DEFAULT_SIM_SEEDS;
  const sim: Outcomes[] = [];
  for (let k = 0; k < seeds; k++) {
    const records = simulateReplayTrace(replay, { ...scenario, seed: scenario.seed + k });
    const latency = records.latency.view();
    const outcome = records.outcome.view();
    const priority = records.priority.view();
    const model = records.model.view();
    for (let i = 0; i < records.length; i++) {
      const o = OUTCOMES[outcome[i]];
      sim.push({ model: records.models[model[i]], priority: PRIORITY_CODES[priority[i]], latency: latency[i], violated: o !== 'met', served: o === 'met' || o === 'late' });
    }
  }
  const real: Outcomes[] = replay.records.map((r) => ({
    model: r.model,
    priority: r.priority,
    latency: r.latency,
    violated: r.outcome !== 'met',
    served: r.outcome === 'met' || r.outcome === 'late',
  }));

  const models = [...new Set(real.map((r) => r.model))].sort();
  const compare = (m: string, p: string): LatencyComparison => {
    const pick = (list: Outcomes[]) => list.filter((o) => o.served && o.model === m && (p === 'all' || o.priority === p)).map((o) => o.latency).sort((a, b) => a - b);
    const a = pick(real);
    const b = pick(sim);
    const replayMeanMs = mean(a);
    const simMeanMs = mean(b);
    const replayP99Ms = quantileSorted(a, 0.99);
    const simP99Ms = quantileSorted(b, 0.99);
    return {
      model: m,
      priority: p,
      replayCount: a.length,
      simCount: b.length,
      replayMeanMs,
      simMeanMs,
      meanError: (simMeanMs - replayMeanMs) / replayMeanMs,
      replayP99Ms,
      simP99Ms,
      p99Error: (simP99Ms - replayP99Ms) / replayP99Ms,
    };
  };
  const perModel = models.map((m) => compare(m, 'all'));
  const perModelClass = models.flatMap((m) => ['high', 'low'].map((p) => compare(m, p))).filter((c) => c.replayCount > 0);
  const violations = ['high', 'low'].map((p): ViolationComparison => {
    const a = real.filter((o) => o.priority === p);
    const b = sim.filter((o) => o.priority === p);
    const replayRate = a.filter((o) => o.violated).length / Math.max(1, a.length);
    const simRate = b.filter((o) => o.violated).length / Math.max(1, b.length);
    return { priority: p, requests: a.length, replayRate, simRate, differencePp: 100 * (simRate - replayRate) };
  });
  const withinBounds =
    perModel.every((c) => Math.abs(c.meanError) <= VALIDATION_BOUNDS.meanLatency && Math.abs(c.p99Error) <= VALIDATION_BOUNDS.p99Latency) &&
    violations.every((v) => Math.abs(v.differencePp) <= VALIDATION_BOUNDS.violationPp);
  return {
    replay: replay.dir,
    profile: profilePath,
    policy: scenario.policy.name,
    predictor: scenario.predictor,
    requests: replay.records.length,
    speedFactor: speed?.factor ?? 1,
    ...(speed !== undefined ? { deviceSpeed: speed } : {}),
    simSeeds: seeds,
    perModel,
    perModelClass,
    violations,
    withinBounds,
  };
}
