import { GpuState } from '../sim/cluster/gpu-state.ts';
import { bug, ReplayError, ReplayUnsupported } from '../sim/core/errors.ts';
import type { Ms } from '../sim/core/units.ts';
import { WaitingList } from '../sim/cluster/waiting-list.ts';
import type { ClusterSpec } from '../sim/cluster/cluster-spec.ts';
import type { ModelProfile } from '../sim/model/profile.ts';
import type { Request } from '../sim/model/request.ts';
import { transition } from '../sim/model/request-state.ts';
import { DecisionApplier, type DriverBackend, type RequestSink } from '../sim/policy/decision-applier.ts';
import type { Policy, PreemptMode } from '../sim/policy/policy.ts';
import type { Predictor } from '../sim/predictor/predictor.ts';
import { modelOfArrival, requestOfArrival, type ArrivalSpec } from '../sim/arrivals.ts';
import { DeviceWorker } from './device-worker.ts';
import { realModelIo } from './real-models.ts';
import { setupMessage, slotsPerProcess, workerCommand, type ReplayBackend } from './worker-launch.ts';
import { WorkerProcess } from './worker-process.ts';
import { float32ToBase64, monotonicMs, type FromWorker, type RunDone, type WorkerReady } from './worker-protocol.ts';

export interface ReplaySetup {
  readonly cluster: ClusterSpec;
  readonly models: ReadonlyMap<string, ModelProfile>;
  readonly policy: Policy;
  readonly predictor: Predictor;
  readonly sink: RequestSink;
  readonly backend: ReplayBackend;
  /** Trace time to wall time: a request due at t ms in the trace arrives at t * timeScale. */
  readonly timeScale: number;
  /** Warm-up runs per worker and (model, batch) pair of the trace, before the trace starts. */
  readonly warmupRuns: number;
  /** Cores per device (by index) to pin its workers to, or undefined. */
  readonly deviceCores?: readonly (readonly number[])[];
  /** Pinned workers run under SCHED_BATCH. */
  readonly batchScheduling?: boolean;
  /** Weight seed of the real models. */
  readonly seed: number;
  readonly onProgress?: (left: number, total: number, elapsedMs: number) => void;
  /** Fault injection for tests: worker 0 exits abruptly after this many runs. */
  readonly crashAfterRuns?: number;
}

/** What happened to one served request on its worker, beyond the Request's own timestamps. */
export interface ServedDetail {
  readonly worker: number;
  readonly phaseMs: readonly number[];
  /** Device-side copy times [in, out], ms, where the worker measures them (torch). */
  readonly copyMs?: readonly number[];
}

export interface ReplayResult {
  /** Wall time from the first arrival's due time to the end, ms. */
  readonly durationMs: number;
  readonly requests: number;
  /** Per request id: its worker and per-phase times (served requests only). */
  readonly served: ReadonlyMap<number, ServedDetail>;
  readonly workers: readonly WorkerReady[];
  /** Set when a worker died mid-replay: the run stopped there. */
  readonly failure?: ReplayFailure;
}

export interface ReplayFailure {
  readonly message: string;
  /** Requests that were in flight on the dead worker (their results are lost). */
  readonly lost: readonly number[];
  /** Requests in flight elsewhere or not yet arrived when the replay stopped. */
  readonly notReplayed: number;
}

/** Measured passes over every (model, batch) pair after the warm-up, per worker. */
const PROBE_RUNS = 5;

/**
 * Replays arrivals in wall-clock time against real workers, driving the same policy
 * and predictor objects the simulator drives, through the same ClusterView. A
 * dispatched request holds a slot of its device (one worker) from the start of its
 * input copy to the end of its output copy, as in the simulator.
 */
export class ReplayEngine implements DriverBackend {
  readonly gpus: GpuState[];
  readonly waiting = new WaitingList();
  private readonly applier: DecisionApplier;
  private readonly workers: DeviceWorker[][] = [];
  private readonly processes: WorkerProcess[] = [];
  private readonly byId = new Map<number, Request>();
  private readonly served = new Map<number, ServedDetail>();
  private origin = 0;
  private arrivals: readonly ArrivalSpec[] = [];
  private nextArrival = 0;
  private inFlight = 0;
  private pendingWakes = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private finishRun: ((failure?: ReplayFailure) => void) | undefined;
  private failRun: ((error: Error) => void) | undefined;
  private stopped = false;

  constructor(private readonly setup: ReplaySetup) {
    this.gpus = setup.cluster.gpus.map((spec, i) => new GpuState(i, spec));
    this.applier = new DecisionApplier(setup, this);
  }

  get now(): Ms {
    return monotonicMs() - this.origin;
  }

  get predictor(): Predictor {
    return this.setup.predictor;
  }

  /**
   * Starts every device's workers (a slot per unit of its concurrency: a process each,
   * or one process with a stream per slot) and waits until each has its models built.
   * Resolves with each slot's process's ready message, by slot.
   */
  async start(): Promise<WorkerReady[]> {
    const backend = this.setup.backend;
    const command = workerCommand(backend);
    let index = 0;
    this.setup.cluster.gpus.forEach((gpu, g) => {
      const list: DeviceWorker[] = [];
      const perProcess = slotsPerProcess(backend, gpu.maxConcurrency);
      for (let first = 0; first < gpu.maxConcurrency; first += perProcess) {
        const slots = Math.min(perProcess, gpu.maxConcurrency - first);
        const host = new WorkerProcess(
          index,
          command,
          setupMessage(backend, {
            worker: index,
            device: g,
            slots,
            models: gpu.models,
            seed: this.setup.seed,
            crashAfterRuns: index === 0 ? this.setup.crashAfterRuns : undefined,
          }),
          { cores: this.setup.deviceCores?.[g], batchScheduling: this.setup.batchScheduling },
        );
        this.processes.push(host);
        for (let slot = 0; slot < slots; slot++) list.push(new DeviceWorker({ index: index++, device: g, slot }, host));
      }
      this.workers.push(list);
    });
    try {
      await Promise.all(this.processes.map((p) => p.whenReady()));
      return this.allWorkers().map((w) => w.ready!);
    } catch (error) {
      await this.shutdown(true);
      throw error;
    }
  }

  /**
   * Warm-up: each worker runs every (model, batch) pair of the trace `runs` times
   * through the same channel, before the clock starts; nothing is recorded. Then
   * PROBE_RUNS more passes measure a speed probe: the median solo execution time per
   * "model/batch", ms. Workers of one device take turns, so every run is alone on its
   * device. Devices are warmed up in parallel.
   */
  async warmUp(arrivals: readonly ArrivalSpec[], runs: number): Promise<Record<string, number>> {
    const pairs = new Map<string, { model: string; batch: number }>();
    for (const a of arrivals) pairs.set(`${a.model}/${a.batch}`, { model: a.model, batch: a.batch });
    const samples = new Map<string, number[]>();
    let id = -1;
    const runOnce = (worker: DeviceWorker, model: string, batch: number) =>
      new Promise<number>((resolve, reject) => {
        const taskId = id--;
        const offMessage = worker.onMessage((message) => {
          if ((message.kind === 'done' || message.kind === 'run-failed') && message.id === taskId) {
            cleanup();
            worker.running = -1;
            if (message.kind === 'run-failed') reject(new ReplayError(`warm-up of ${model} failed: ${message.message}`));
            else resolve(message.executionEnd - message.executionStart);
          }
        });
        const offExit = worker.onExit((code, signal) => {
          cleanup();
          reject(new ReplayError(`replay worker ${worker.options.index} exited (${signal ?? `code ${code}`}) during the warm-up`));
        });
        const cleanup = () => {
          offMessage();
          offExit();
        };
        worker.send({ kind: 'run', id: taskId, model, batch, priority: 'low', input: this.inputFor(model, batch), warmup: true });
      });
    await Promise.all(
      this.workers.map(async (deviceWorkers, g) => {
        const hosted = new Set(this.setup.cluster.gpus[g].models);
        for (const worker of deviceWorkers) {
          // Warm-up passes over every pair first (the first runs of a batch size are
          // slow: memory growth, kernel set-up), then the measured probe passes.
          for (let pass = 0; pass < runs + PROBE_RUNS; pass++) {
            for (const { model, batch } of pairs.values()) {
              if (!hosted.has(model)) continue;
              const ms = await runOnce(worker, model, batch);
              if (pass >= runs) {
                const key = `${model}/${batch}`;
                (samples.get(key) ?? samples.set(key, []).get(key)!).push(ms);
              }
            }
          }
        }
      }),
    );
    const probe: Record<string, number> = {};
    for (const key of [...samples.keys()].sort()) {
      const sorted = samples.get(key)!.sort((a, b) => a - b);
      probe[key] = sorted[sorted.length >> 1];
    }
    return probe;
  }

  /** Replays the arrivals (sorted by time) to the end; resolves when every request has left. */
  run(arrivals: readonly ArrivalSpec[]): Promise<ReplayResult> {
    this.arrivals = arrivals;
    for (const worker of this.allWorkers()) {
      worker.onMessage((message) => this.onWorkerMessage(worker, message));
      worker.onExit((code, signal) => this.onWorkerExit(worker, code, signal));
    }
    return new Promise<ReplayResult>((resolve, reject) => {
      this.failRun = (error) => {
        this.stopped = true;
        reject(error);
      };
      this.finishRun = (failure) => {
        this.stopped = true;
        resolve({
          durationMs: this.now,
          requests: this.byId.size,
          served: this.served,
          workers: this.allWorkers().map((w) => w.ready!),
          failure,
        });
      };
      this.origin = monotonicMs();
      this.pump();
    });
  }

  async shutdown(kill = false): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await Promise.all(this.processes.map((p) => (kill ? p.kill() : p.close())));
  }

  private allWorkers(): DeviceWorker[] {
    return this.workers.flat();
  }

  /** TensorFlow.js workers are sent the input (that copy is their transfer); torch workers synthesize it in pinned memory. */
  private inputFor(model: string, batch: number): string | undefined {
    return this.setup.backend.kind === 'tfjs' ? float32ToBase64(makeInput(model, batch)) : undefined;
  }

  // ---- arrivals in wall-clock time ---------------------------------------------

  /** Admits every arrival that is due, then waits for the next one. */
  private readonly pump = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    const scale = this.setup.timeScale;
    try {
      while (this.nextArrival < this.arrivals.length && this.arrivals[this.nextArrival].arrival * scale <= this.now) {
        this.admit(this.arrivals[this.nextArrival++]);
      }
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (this.nextArrival < this.arrivals.length) {
      const wait = this.arrivals[this.nextArrival].arrival * scale - this.now;
      // Timers fire a millisecond or more late: sleep to near the due time, then
      // poll (each poll still lets completions from workers in).
      this.timer = wait > 2 ? setTimeout(this.pump, wait - 2) : setImmediate(this.pump);
    } else {
      this.maybeFinish();
    }
  };

  private admit(spec: ArrivalSpec): void {
    const model = modelOfArrival(this.setup.models, spec, this.byId.size);
    // The arrival is when the dispatcher saw it (a timer's lateness is not latency
    // the simulator could reproduce); the deadline budget counts from there.
    const now = this.now;
    const request = requestOfArrival(this.byId.size, spec, model, now, 1);
    this.byId.set(request.id, request);
    this.applier.arrive(request);
    this.setup.onProgress?.(this.arrivals.length - this.nextArrival, this.arrivals.length, now);
  }

  // ---- the driver's side of decisions (DriverBackend; the applier is the simulator's) ----

  preemptRunning(request: Request, _mode: PreemptMode, _costMs: Ms): boolean {
    throw new ReplayUnsupported(
      `policy ${this.setup.policy.name}: preemption of request ${request.id}: expected a policy that never preempts (replay cannot stop a running execution on a worker; preempting policies run only in the simulator), got a preempt decision`,
    );
  }

  wakeAt(at: Ms): void {
    this.pendingWakes++;
    setTimeout(this.onWake, Math.max(0, at - this.now));
  }

  private readonly onWake = (): void => {
    this.pendingWakes--;
    if (this.stopped) return;
    try {
      this.applier.wake();
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    this.maybeFinish();
  };

  // ---- a request on a worker -----------------------------------------------------

  startOnSlot(request: Request, gpu: GpuState, from: 'waiting' | 'gpu-queued'): void {
    const worker = this.workers[gpu.index].find((w) => w.idle);
    if (worker === undefined) bug(`device ${gpu.index}: expected an idle worker for its free slot, got none`);
    gpu.addRunning(request);
    this.inFlight++;
    transition(request, from, 'transfer-in');
    const input = this.inputFor(request.model.name, request.batch);
    request.transferInStart = this.now;
    worker.send({ kind: 'run', id: request.id, model: request.model.name, batch: request.batch, priority: request.priority, input, warmup: false });
  }

  private onWorkerMessage(worker: DeviceWorker, message: FromWorker): void {
    if (this.stopped || (message.kind !== 'done' && message.kind !== 'run-failed') || message.id < 0) return;
    const completedAt = this.now;
    const request = this.byId.get(message.id)!;
    worker.running = -1;
    this.inFlight--;
    if (message.kind === 'run-failed') {
      this.fail(new ReplayError(`request ${request.id} (${request.model.name}, batch ${request.batch}) failed on worker ${worker.options.index}: ${message.message}`));
      return;
    }
    this.complete(request, worker, message, completedAt);
  }

  private complete(request: Request, worker: DeviceWorker, done: RunDone, completedAt: number): void {
    const origin = this.origin;
    request.transferInEnd = done.receivedAt - origin;
    request.executionStart = done.executionStart - origin;
    request.executionEnd = done.executionEnd - origin;
    request.transferOutStart = done.sentAt - origin;
    request.completedAt = completedAt;
    request.phase = request.model.phases.length;
    // The worker reports the whole run at once: the request passed every state meanwhile.
    transition(request, 'transfer-in', 'executing');
    transition(request, 'executing', 'transfer-out');
    transition(request, 'transfer-out', 'done');
    this.served.set(request.id, { worker: worker.options.index, phaseMs: done.phaseMs, copyMs: done.copyMs });
    try {
      this.applier.complete(request, this.gpus[request.gpu]);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    this.maybeFinish();
  }

  /** Done when every arrival is in, nothing runs or waits on a device, and no wake is due. */
  private maybeFinish(): void {
    if (this.stopped || this.nextArrival < this.arrivals.length || this.inFlight > 0 || this.pendingWakes > 0) return;
    if (this.gpus.some((g) => g.queuedCount > 0)) return;
    this.applier.dropUnserved();
    this.finishRun?.();
  }

  private onWorkerExit(worker: DeviceWorker, code: number | null, signal: string | null): void {
    if (this.stopped || worker.host.closing) return;
    // Every slot of the dead process lost what it ran (several in the streams mode).
    const lost = this.allWorkers()
      .filter((w) => w.host === worker.host && w.running >= 0)
      .map((w) => w.running);
    const device = this.setup.cluster.gpus[worker.options.device].id;
    const how = signal !== null ? `signal ${signal}` : `code ${code}`;
    const inFlightElsewhere = this.inFlight - lost.length;
    const notArrived = this.arrivals.length - this.nextArrival;
    const queued = this.gpus.reduce((n, g) => n + g.queuedCount, 0) + this.waiting.size;
    this.clearTimer();
    this.finishRun?.({
      message: `replay worker ${worker.host.index} (device ${device}) exited (${how}) mid-replay`,
      lost,
      notReplayed: inFlightElsewhere + notArrived + queued,
    });
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    this.clearTimer();
    this.failRun?.(error);
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }
}

/**
 * A request's input tensor: batch x the model's input size, filled with small
 * deterministic values (valid token ids for the transformer). Fresh per request,
 * since the channel copies it anyway.
 */
export function makeInput(model: string, batch: number): Float32Array {
  const input = new Float32Array(batch * realModelIo(model).inputElementsPerItem);
  for (let i = 0; i < input.length; i++) input[i] = (i % 97) / 97;
  return input;
}
