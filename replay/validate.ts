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
  /** Factor the profile's solo times were scaled by: the replay's warm-up probe against the profile's (1: not rescaled). */
  readonly speedFactor: number;
  readonly perModel: readonly LatencyComparison[];
  readonly perModelClass: readonly LatencyComparison[];
  readonly violations: readonly ViolationComparison[];
  /** Every per-model latency and per-class violation comparison within VALIDATION_BOUNDS. */
  readonly withinBounds: boolean;
}

/**
 * How much slower the device was in a replay than in the calibration replays: the
 * geometric mean, over the (model, batch) pairs both probed, of the ratio of their
 * warm-up solo times. 1 when either has no probe.
 */
export function speedRatio(replayProbe: Readonly<Record<string, number>> | undefined, profileProbe: Readonly<Record<string, number>>): number {
  const keys = Object.keys(replayProbe ?? {}).filter((k) => profileProbe[k] !== undefined);
  if (keys.length === 0) return 1;
  const logSum = keys.reduce((s, k) => s + Math.log(replayProbe![k] / profileProbe[k]), 0);
  return Math.exp(logSum / keys.length);
}

function scaleModel(model: ModelProfile, factor: number): ModelProfile {
  if (factor === 1) return model;
  const scaleTable = (t: BatchTable): BatchTable => ({ batchSizes: t.batchSizes, values: t.values.map((v) => v * factor) });
  return { ...model, phases: model.phases.map((p) => ({ ...p, soloMs: scaleTable(p.soloMs) })) };
}

/** The replay's scenario with the profile's models (solo times times `speed`), sharing and links. */
export function calibratedScenario(scenario: Scenario, profilePath: string, speed = 1): Scenario {
  return withCalibration(scenario, readCalibration(profilePath), speed);
}

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
export function validate(replay: ReplayDirectory, profilePath: string, options: { readonly rescale?: boolean } = {}): Validation {
  const speed = options.rescale === true ? speedRatio(replay.meta.speedProbe, readCalibration(profilePath).speedProbe) : 1;
  const scenario = calibratedScenario(replay.scenario, profilePath, speed);
  const records = simulateReplayTrace(replay, scenario);
  const latency = records.latency.view();
  const outcome = records.outcome.view();
  const priority = records.priority.view();
  const model = records.model.view();
  const sim: Outcomes[] = [];
  for (let i = 0; i < records.length; i++) {
    const o = OUTCOMES[outcome[i]];
    sim.push({ model: records.models[model[i]], priority: PRIORITY_CODES[priority[i]], latency: latency[i], violated: o !== 'met', served: o === 'met' || o === 'late' });
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
    speedFactor: speed,
    perModel,
    perModelClass,
    violations,
    withinBounds,
  };
}
