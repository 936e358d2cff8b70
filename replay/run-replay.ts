import { availableParallelism, cpus } from 'node:os';
import { InputError, ReplayError } from '../sim/core/errors.ts';
import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import { RecordsArrowWriter, type ExtraColumn, type ExtraValues } from '../sim/output/records-arrow-writer.ts';
import { RunDirectory } from '../sim/output/run-directory.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';
import type { ScenarioRun } from '../scenarios/run-scenario.ts';
import type { ArrivalSpec, SimulationResult } from '../sim/simulator.ts';
import { planRates, workloadArrivals } from '../scenarios/workload-plan.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { scenarioToJson } from '../scenarios/serialize-scenario.ts';
import { summaryDocument } from '../scenarios/run-documents.ts';
import { coLocations, type CoLocation } from './colocation.ts';
import { hasChrt, hasTaskset, pinProcess, planPinning } from './cpu-pinning.ts';
import { hasRealModel, REAL_MODEL_NAMES } from './real-models.ts';
import { sampleHostLoad, summarizeHostLoad, type HostLoad, type HostLoadSample } from './host-load.ts';
import { ReplayEngine, type ReplayFailure, type ReplayResult } from './replay-engine.ts';
import { describeSharing, simulatorSharing, type ReplaySharing } from './replay-sharing.ts';
import { backendName, type ReplayBackend } from './worker-launch.ts';
import type { WorkerRuntime } from './worker-protocol.ts';

export interface ReplayOptions {
  readonly backend: ReplayBackend;
  readonly timeScale: number;
  readonly warmupRuns: number;
  /** Pin devices and the dispatcher to cores (CPU backends, Linux with taskset). */
  readonly pin: boolean;
  /** Replay only the first N arrivals of the trace. */
  readonly requests?: number;
  readonly onProgress?: (left: number, total: number, elapsedMs: number) => void;
  readonly crashAfterRuns?: number;
  /** Replace a finished replay directory at `out` (--force; only its own files go). */
  readonly replace?: boolean;
  /** Probe the device's speed again after the trace (campaigns: a replay whose speed moved is unstable). */
  readonly probeAfter?: boolean;
}

/** How often the host's load is sampled while a replay runs, ms (reading /proc costs the dispatcher a few ms). */
const HOST_LOAD_PERIOD_MS = 500;

/** The columns requests.arrow has in a replay, after the simulator's own. */
export const REPLAY_COLUMNS: readonly ExtraColumn[] = [
  { name: 'backend', kind: 'utf8' },
  { name: 'worker', kind: 'int' },
  /** Requests that executed beside it on its device: "id:overlap_ms" joined by commas. */
  { name: 'co_runners', kind: 'utf8' },
  { name: 'co_run_ms', kind: 'float' },
  { name: 'max_co_runners', kind: 'int' },
  /** Execution time at 1, 2, ... requests executing on the device, ms, comma-separated. */
  { name: 'time_at_concurrency_ms', kind: 'utf8' },
  { name: 'phase_ms', kind: 'utf8' },
  /** Device-side copy times "in,out", ms, where the worker measures them (torch: CUDA events on a GPU). */
  { name: 'copy_ms', kind: 'utf8' },
];

export interface ReplayRun {
  readonly run: ScenarioRun;
  readonly replay: ReplayResult;
  readonly meta: ReplayMeta;
  readonly colocation: ReadonlyMap<number, CoLocation>;
}

export interface ReplayMeta {
  readonly kind: 'strait-replay';
  readonly status: 'complete' | 'failed';
  readonly backend: string;
  readonly device: string;
  readonly tfjsVersion: string;
  readonly backendAttempts: readonly string[];
  readonly workersPerDevice: readonly number[];
  /** How each device's workers shared it (every backend; TensorFlow.js: processes). */
  readonly sharing: ReplaySharingMeta;
  /** torch only: the Python and torch that ran the workers. */
  readonly python?: ReplayPython;
  readonly pinning: string;
  readonly timeScale: number;
  readonly warmupRuns: number;
  /**
   * Median solo execution time per "model/batch" in the warm-up (each run alone on
   * its device, the first of each pair left out), ms: how fast the device was this
   * time. Validation rescales a profile by it (CPU and GPU clocks drift).
   */
  readonly speedProbe: Readonly<Record<string, number>>;
  /** The same probe after the trace, when asked for (campaigns). */
  readonly speedProbeAfter?: Readonly<Record<string, number>>;
  /** The host's background load before, during and after the trace (Linux only). */
  readonly hostLoad?: HostLoad;
  readonly requests: number;
  readonly durationMs: number;
  readonly host: { readonly cpu: string; readonly cores: number; readonly node: string; readonly platform: string };
  readonly failure?: ReplayFailure;
}

export interface ReplaySharingMeta {
  readonly mode: ReplaySharing;
  readonly streamPriorities: boolean;
  readonly description: string;
}

export interface ReplayPython {
  readonly path: string;
  readonly chosenBy: string;
  readonly executable: string;
  readonly version: string;
  readonly torch: string;
  readonly cuda: string | null;
  readonly threadsPerWorker: number;
}

/** Every model the scenario's devices host must have a real implementation. */
export function checkReplayable(scenario: Scenario): void {
  for (const gpu of scenario.cluster.gpus) {
    for (const model of gpu.models) {
      if (!hasRealModel(model)) {
        throw new InputError(
          `scenario ${scenario.name}: model "${model}" has no real implementation for replay (replay has ${REAL_MODEL_NAMES.join(', ')})`,
        );
      }
    }
  }
}

/** The whole trace of a scenario, in arrival order (replays are short enough to hold). */
export async function collectArrivals(scenario: Scenario, limit = Infinity): Promise<ArrivalSpec[]> {
  const source = workloadArrivals(scenario);
  const out: ArrivalSpec[] = [];
  while (out.length < limit && (await source.refill())) {
    for (let a = source.next(); a !== undefined && out.length < limit; a = source.next()) out.push(a);
  }
  return out;
}

/**
 * Replays a scenario's trace on real workers into a run directory: requests.arrow
 * (the simulator's columns plus the co-location ones), summary.json, scenario.json and
 * replay.json (backend, device, pinning, and the failure if a worker died). A replay
 * cut short by a dead worker still writes what completed, then throws.
 */
export async function replayIntoDirectory(scenario: Scenario, out: string, options: ReplayOptions): Promise<ReplayRun> {
  checkReplayable(scenario);
  const policyEntry = POLICIES.get(scenario.policy.name);
  const predictorEntry = PREDICTORS.get(scenario.predictor);
  if (policyEntry === undefined) throw new InputError(`unknown policy ${scenario.policy.name}`);
  if (predictorEntry === undefined) throw new InputError(`unknown predictor ${scenario.predictor}`);
  const arrivals = await collectArrivals(scenario, options.requests);
  if (arrivals.length === 0) throw new InputError(`scenario ${scenario.name}: the workload has no arrivals to replay`);

  const cores = availableParallelism();
  const backend = options.backend;
  const cpuBackend = backend.kind === 'torch' ? backend.device === 'cpu' : backend.choice === 'wasm' || backend.choice === 'cpu' || backend.choice === 'auto';
  const pinning = planPinning(scenario.cluster.gpus.length, cores, options.pin && cpuBackend, hasTaskset(), hasChrt());
  if (pinning.dispatcher !== undefined) pinProcess(process.pid, pinning.dispatcher);

  const recorder = new RunRecorder(scenario.cluster, { predictorNames: [scenario.predictor] });
  const engine = new ReplayEngine({
    cluster: scenario.cluster,
    models: new Map(scenario.models.map((m) => [m.name, m])),
    policy: policyEntry.create(scenario.policy.params),
    predictor: predictorEntry.create({ cluster: scenario.cluster, params: scenario.predictorParams[scenario.predictor] ?? {} }),
    sink: recorder,
    backend,
    timeScale: options.timeScale,
    warmupRuns: options.warmupRuns,
    deviceCores: pinning.devices,
    batchScheduling: pinning.batchScheduling,
    seed: scenario.seed,
    onProgress: options.onProgress,
    crashAfterRuns: options.crashAfterRuns,
  });
  const directory = RunDirectory.open(out, { replace: options.replace });
  let replay: ReplayResult;
  let speedProbe: Record<string, number>;
  let speedProbeAfter: Record<string, number> | undefined;
  const watchedCores = pinning.devices !== undefined ? [...new Set([...pinning.devices.flat(), ...(pinning.dispatcher ?? [])])].sort((a, b) => a - b) : Array.from({ length: cores }, (_, k) => k);
  const loadSamples: HostLoadSample[] = [];
  const sampleLoad = () => {
    const sample = sampleHostLoad(watchedCores);
    if (sample !== undefined) loadSamples.push(sample);
  };
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    const ready = await engine.start();
    const backends = new Set(ready.map((r) => r.backend));
    if (backends.size > 1) throw new ReplayError(`replay workers: expected one backend on every worker, got ${[...backends].join(', ')}`);
    speedProbe = await engine.warmUp(arrivals, options.warmupRuns);
    sampleLoad();
    sampler = setInterval(sampleLoad, HOST_LOAD_PERIOD_MS);
    replay = await engine.run(arrivals);
    clearInterval(sampler);
    sampleLoad();
    if (options.probeAfter === true && replay.failure === undefined) speedProbeAfter = await engine.warmUp(arrivals, 0);
  } catch (error) {
    if (sampler !== undefined) clearInterval(sampler);
    await engine.shutdown(true);
    directory.discard();
    throw error;
  }
  await engine.shutdown(replay.failure !== undefined);
  const hostLoad = summarizeHostLoad(watchedCores, loadSamples);

  try {
    recorder.flush();
    const result = replayResultCounters(scenario, recorder, replay);
    const summary = recorder.summarize(result);
    const run: ScenarioRun = { scenario, rates: planRates(scenario), result, records: recorder.records, summary, wallMs: replay.durationMs };
    const colocation = await writeRecords(directory.path('requests.arrow'), recorder, replay);
    const first = replay.workers[0];
    const meta: ReplayMeta = {
      kind: 'strait-replay',
      status: replay.failure === undefined ? 'complete' : 'failed',
      backend: first.backend,
      device: first.device,
      tfjsVersion: backend.kind === 'tfjs' ? first.version : '',
      backendAttempts: first.attempts,
      workersPerDevice: scenario.cluster.gpus.map((g) => g.maxConcurrency),
      sharing: sharingMeta(backend),
      ...(backend.kind === 'torch' ? { python: pythonMeta(backend, first.runtime) } : {}),
      pinning: pinning.description,
      timeScale: options.timeScale,
      warmupRuns: options.warmupRuns,
      speedProbe,
      ...(speedProbeAfter !== undefined ? { speedProbeAfter } : {}),
      ...(hostLoad !== undefined ? { hostLoad } : {}),
      requests: replay.requests,
      durationMs: replay.durationMs,
      host: { cpu: cpus()[0]?.model ?? 'unknown', cores, node: process.version, platform: `${process.platform}-${process.arch}` },
      failure: replay.failure,
    };
    directory.writeJson('summary.json', summaryDocument(run));
    directory.writeJson('scenario.json', scenarioToJson(scenario));
    directory.writeJson('replay.json', meta);
    directory.commit();
    return { run, replay, meta, colocation };
  } catch (error) {
    directory.discard();
    throw error;
  }
}

function sharingMeta(backend: ReplayBackend): ReplaySharingMeta {
  if (backend.kind === 'tfjs') return { mode: 'processes', streamPriorities: false, description: describeSharing('processes', 'cpu', false) };
  return { mode: backend.sharing, streamPriorities: backend.streamPriorities, description: describeSharing(backend.sharing, backend.device, backend.streamPriorities) };
}

function pythonMeta(backend: ReplayBackend & { kind: 'torch' }, runtime: WorkerRuntime | undefined): ReplayPython {
  const p = backend.python;
  return {
    path: p.path,
    chosenBy: p.chosenBy,
    executable: runtime?.python ?? p.executable,
    version: runtime?.pythonVersion ?? p.pythonVersion,
    torch: runtime?.torch ?? p.torch,
    cuda: runtime?.cuda ?? p.cuda,
    threadsPerWorker: runtime?.threads ?? 0,
  };
}

/** The scenario as the replay ran it: a torch device's sharing law follows the mode its workers shared it in. */
export function scenarioForReplay(scenario: Scenario, backend: ReplayBackend): Scenario {
  if (backend.kind !== 'torch') return scenario;
  const mode = simulatorSharing(backend.sharing);
  if (scenario.cluster.gpus.every((g) => g.sharing.mode === mode)) return scenario;
  return { ...scenario, cluster: { ...scenario.cluster, gpus: scenario.cluster.gpus.map((g) => ({ ...g, sharing: { ...g.sharing, mode } })) } };
}

/** Device counters for the summary: busy time is the union of execution intervals. */
function replayResultCounters(scenario: Scenario, recorder: RunRecorder, replay: ReplayResult): SimulationResult {
  const records = recorder.records;
  const [executionStartView, executionEndView, gpuView] = [records.executionStart.view(), records.executionEnd.view(), records.gpu.view()];
  const perDevice: [number, number][][] = scenario.cluster.gpus.map(() => []);
  let executed = 0;
  for (let i = 0; i < records.length; i++) {
    const start = executionStartView[i];
    const end = executionEndView[i];
    if (Number.isNaN(start) || Number.isNaN(end)) continue;
    perDevice[gpuView[i]].push([start, end]);
    executed += end - start;
  }
  return {
    simulatedMs: replay.durationMs,
    events: 0,
    requests: replay.requests,
    gpus: scenario.cluster.gpus.map((gpu, g) => {
      const busy = unionLength(perDevice[g]);
      return { id: gpu.id, busyMs: busy, soloWorkMs: executed, deliveredWorkMs: executed };
    }),
  };
}

function unionLength(intervals: [number, number][]): number {
  intervals.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of intervals) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}

async function writeRecords(path: string, recorder: RunRecorder, replay: ReplayResult): Promise<Map<number, CoLocation>> {
  const records = recorder.records;
  const [executionStartView, executionEndView, gpuView, idView] = [
    records.executionStart.view(),
    records.executionEnd.view(),
    records.gpu.view(),
    records.id.view(),
  ];
  const n = records.length;
  const intervals = [];
  for (let i = 0; i < n; i++) {
    const start = executionStartView[i];
    if (Number.isNaN(start)) continue;
    intervals.push({ id: idView[i], device: gpuView[i], start, end: executionEndView[i] });
  }
  const colocation = coLocations(intervals);
  const backend = replay.workers[0]?.backend ?? '';
  const copyMs: string[] = [];
  const backendColumn: string[] = [];
  const worker = new Int32Array(n);
  const coRunners: string[] = [];
  const coRunMs = new Float64Array(n);
  const maxCoRunners = new Int32Array(n);
  const timeAt: string[] = [];
  const phaseMs: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = idView[i];
    const detail = replay.served.get(id);
    const co = colocation.get(id);
    backendColumn.push(backend);
    worker[i] = detail?.worker ?? -1;
    coRunners.push(co === undefined ? '' : co.coRunners.map((c) => `${c.id}:${c.overlapMs.toFixed(3)}`).join(','));
    coRunMs[i] = co?.coRunMs ?? NaN;
    maxCoRunners[i] = co?.maxCoRunners ?? -1;
    timeAt.push(co === undefined ? '' : co.timeAtConcurrency.map((t) => t.toFixed(3)).join(','));
    phaseMs.push(detail === undefined ? '' : detail.phaseMs.map((t) => t.toFixed(3)).join(','));
    copyMs.push(detail?.copyMs === undefined ? '' : detail.copyMs.map((t) => t.toFixed(4)).join(','));
  }
  const writer = new RecordsArrowWriter(path, REPLAY_COLUMNS);
  const extras: ExtraValues[] = [backendColumn, worker, coRunners, coRunMs, maxCoRunners, timeAt, phaseMs, copyMs];
  writer.write(records, extras);
  await writer.close();
  return colocation;
}
