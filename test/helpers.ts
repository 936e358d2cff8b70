/**
 * Small builders for tests: a model profile, a one-host cluster, a Poisson arrival
 * source and a one-call simulation run. Defaults describe the simplest system (one
 * exclusive GPU, no transfer cost) so a test states only what it changes.
 */
import type { ClusterSpec, GpuSpec, HostSpec, LinkSpec } from '../sim/cluster/cluster-spec.ts';
import { RandomStream } from '../sim/core/random.ts';
import type { SharingParams } from '../sim/gpu/sharing.ts';
import { constantTable, type ModelProfile, type ServiceVariability } from '../sim/model/profile.ts';
import type { Priority } from '../sim/model/request.ts';
import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import type { RequestRecords } from '../sim/metrics/request-records.ts';
import type { Policy } from '../sim/policy/policy.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import type { Predictor } from '../sim/predictor/predictor.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';
import { Simulator, type ArrivalSource, type ArrivalSpec, type SimulationResult } from '../sim/simulator.ts';

export interface PhaseOptions {
  readonly soloMs: number;
  readonly compute?: number;
  readonly memory?: number;
}

export interface ModelOptions {
  readonly name?: string;
  /** Solo durations (ms) or full phase options; one phase of 1 ms by default. */
  readonly phases?: readonly (number | PhaseOptions)[];
  readonly inputBytesPerItem?: number;
  readonly outputBytesPerItem?: number;
  readonly variability?: ServiceVariability;
}

/** A model whose phases cost the same at every batch size. */
export function modelProfile(options: ModelOptions = {}): ModelProfile {
  const phases = (options.phases ?? [1]).map((p, i) => {
    const phase: PhaseOptions = typeof p === 'number' ? { soloMs: p } : p;
    return {
      name: `phase${i}`,
      soloMs: constantTable(phase.soloMs),
      compute: constantTable(phase.compute ?? 1),
      memory: constantTable(phase.memory ?? 0),
    };
  });
  return {
    name: options.name ?? 'm',
    description: 'test model',
    phases,
    inputBytesPerItem: options.inputBytesPerItem ?? 0,
    outputBytesPerItem: options.outputBytesPerItem ?? 0,
    variability: options.variability ?? { kind: 'deterministic' },
    maxBatch: 64,
  };
}

export const EXCLUSIVE_SHARING: SharingParams = {
  mode: 'time-sliced',
  interferenceAlpha: 0,
  timeSliceMs: 1,
  contextSwitchMs: 0,
};

export interface GpuOptions {
  readonly id?: string;
  readonly host?: number;
  readonly models?: readonly string[];
  readonly maxConcurrency?: number;
  readonly sharing?: SharingParams;
  readonly link?: Partial<LinkSpec>;
}

export function gpuSpec(options: GpuOptions = {}): GpuSpec {
  return {
    id: options.id ?? 'gpu0',
    host: options.host ?? 0,
    models: options.models ?? ['m'],
    maxConcurrency: options.maxConcurrency ?? 1,
    sharing: options.sharing ?? EXCLUSIVE_SHARING,
    link: { h2dBytesPerMs: 1000, d2hBytesPerMs: 1000, setupMs: 0, ...options.link },
  };
}

/** One host with the given GPUs (one default GPU when none are given). */
export function cluster(gpus: readonly GpuOptions[] = [{}], host: Partial<HostSpec> = {}): ClusterSpec {
  return {
    hosts: [{ name: 'host0', uplinkH2dBytesPerMs: 1e12, uplinkD2hBytesPerMs: 1e12, ...host }],
    gpus: gpus.map((g, i) => gpuSpec({ id: `gpu${i}`, ...g })),
  };
}

/** Arrivals from a list (handed out as is, so tests can also feed bad ones). */
export function listArrivals(specs: readonly ArrivalSpec[]): ArrivalSource {
  let i = 0;
  return { next: () => specs[i++] };
}

export function arrival(time: number, extra: Partial<ArrivalSpec> = {}): ArrivalSpec {
  return { arrival: time, model: 'm', batch: 1, priority: 'high', relativeDeadline: 1e9, ...extra };
}

export interface PoissonOptions {
  /** Arrivals per ms. */
  readonly rate: number;
  readonly count: number;
  readonly seed: string;
  readonly model?: string;
  readonly priority?: Priority;
}

/** A Poisson process: exponential gaps drawn from its own seeded stream. */
export function poissonArrivals(options: PoissonOptions): ArrivalSource {
  const stream = new RandomStream(options.seed);
  const meanGap = 1 / options.rate;
  let time = 0;
  let left = options.count;
  return {
    next(): ArrivalSpec | undefined {
      if (left <= 0) return undefined;
      left--;
      time += stream.exponential(meanGap);
      return {
        arrival: time,
        model: options.model ?? 'm',
        batch: 1,
        priority: options.priority ?? 'high',
        relativeDeadline: 1e9,
      };
    },
  };
}

export interface RunOptions {
  readonly cluster?: ClusterSpec;
  readonly models: readonly ModelProfile[];
  readonly arrivals: ArrivalSource;
  readonly policy?: string | Policy;
  readonly predictor?: string | Predictor;
  readonly seed?: number;
}

export interface RunOutput {
  readonly result: SimulationResult;
  readonly records: RequestRecords;
}

/** Builds a Simulator with a RunRecorder as sink, runs it, returns both. */
export function runSimulation(options: RunOptions): RunOutput {
  const spec = options.cluster ?? cluster();
  const policyOption = options.policy ?? 'fifo';
  const predictorOption = options.predictor ?? 'solo';
  const policy = typeof policyOption === 'string' ? POLICIES.get(policyOption)!.create({}) : policyOption;
  const predictor =
    typeof predictorOption === 'string' ? PREDICTORS.get(predictorOption)!.create({ cluster: spec }) : predictorOption;
  const recorder = new RunRecorder(spec);
  const simulator = new Simulator({
    cluster: spec,
    models: new Map(options.models.map((m) => [m.name, m])),
    arrivals: options.arrivals,
    policy,
    predictor,
    seed: options.seed ?? 1,
    sink: recorder,
  });
  const result = simulator.run();
  return { result, records: recorder.records };
}

/** Mean of b[i] - a[i]. */
export function meanDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += b[i] - a[i];
  return sum / a.length;
}

/** |observed / expected - 1| */
export function relativeError(observed: number, expected: number): number {
  return Math.abs(observed / expected - 1);
}
