import { Engine } from './core/engine.ts';
import { bug } from './core/errors.ts';
import { RandomStreams } from './core/random.ts';
import type { Ms } from './core/units.ts';
import { d2hSetupMs, type ClusterSpec } from './cluster/cluster-spec.ts';
import { GpuState, type LinkDirection, type LinkLoad } from './cluster/gpu-state.ts';
import { GpuExecutor } from './gpu/gpu-executor.ts';
import { WaitingList } from './cluster/waiting-list.ts';
import { HostFabricDirection } from './pcie/host-fabric.ts';
import type { ModelProfile } from './model/profile.ts';
import { Request } from './model/request.ts';
import { transition } from './model/request-state.ts';
import { PhaseTableCache } from './model/phase-table-cache.ts';
import { ArrivalFeed, type ArrivalSource, type BufferedArrivalSource } from './arrivals.ts';
import { DecisionApplier, type DriverBackend, type RequestSink } from './policy/decision-applier.ts';
import type { Policy, PreemptMode } from './policy/policy.ts';
import type { Predictor } from './predictor/predictor.ts';
import { PreemptionStall, STALL } from './preemption-stall.ts';

export type { ArrivalSource, ArrivalSpec, BufferedArrivalSource } from './arrivals.ts';
export type { RequestSink } from './policy/decision-applier.ts';

export interface SimulationSetup {
  readonly cluster: ClusterSpec;
  readonly models: ReadonlyMap<string, ModelProfile>;
  readonly arrivals: ArrivalSource;
  readonly policy: Policy;
  readonly predictor: Predictor;
  /**
   * Predictors evaluated alongside, without steering anything: each predicts at
   * every dispatch and learns from every completion, so one run compares them.
   * @default none
   */
  readonly shadowPredictors?: readonly Predictor[];
  readonly seed: number;
  readonly sink: RequestSink;
  /** Called every PROGRESS_EVERY arrivals with the count so far and the clock (for long runs). @default none */
  readonly onProgress?: (arrivals: number, simulatedMs: Ms) => void;
}

/** Arrival chunks simulated between two yields to the event loop (tens of milliseconds of work). */
const YIELD_EVERY_CHUNKS = 16;

/** Arrivals between two progress callbacks. */
export const PROGRESS_EVERY = 1 << 16;

export interface GpuCounters {
  readonly id: string;
  readonly busyMs: Ms;
  readonly soloWorkMs: Ms;
  readonly deliveredWorkMs: Ms;
}

export interface SimulationResult {
  readonly simulatedMs: Ms;
  readonly events: number;
  readonly requests: number;
  readonly gpus: readonly GpuCounters[];
}

/**
 * The serving model driven by the event engine: requests arrive (ArrivalFeed), the
 * policy decides (DecisionApplier, shared with the replay), and each dispatched
 * request holds a GPU slot through its input transfer, its kernel phases and its
 * output transfer (the life cycle below). The simulator owns all state; the policy
 * only sees it through ClusterView and acts through decisions.
 */
export class Simulator implements DriverBackend {
  private readonly engine = new Engine();
  readonly gpus: GpuState[];
  readonly waiting = new WaitingList();
  private readonly applier: DecisionApplier;
  private readonly arrivals: ArrivalFeed;
  private readonly executors: GpuExecutor<Request | PreemptionStall>[];
  private readonly h2d: HostFabricDirection<Request>[];
  private readonly d2h: HostFabricDirection<Request>[];
  /** Position of each GPU's link within its host's fabric. */
  private readonly linkIndex: number[];
  private readonly phaseTables = new PhaseTableCache();

  constructor(private readonly setup: SimulationSetup) {
    const { cluster } = setup;
    this.applier = new DecisionApplier(setup, this);
    this.arrivals = new ArrivalFeed(this.engine, setup.arrivals, setup.models, new RandomStreams(setup.seed).stream('service'), this.onRequest);
    this.gpus = cluster.gpus.map((spec, i) => new GpuState(i, spec, (g, direction) => this.linkLoad(g, direction)));
    this.executors = cluster.gpus.map(
      (spec) =>
        new GpuExecutor<Request | PreemptionStall>(this.engine, spec.sharing, (owner) => {
          if (owner instanceof Request) this.onPhaseDone(owner);
        }),
    );
    this.linkIndex = [];
    const linksPerHost: number[][] = cluster.hosts.map(() => []);
    cluster.gpus.forEach((spec, g) => {
      this.linkIndex[g] = linksPerHost[spec.host].length;
      linksPerHost[spec.host].push(g);
    });
    this.h2d = cluster.hosts.map(
      (host, h) =>
        new HostFabricDirection<Request>(
          this.engine,
          linksPerHost[h].map((g) => cluster.gpus[g].link.h2dBytesPerMs),
          host.uplinkH2dBytesPerMs,
          linksPerHost[h].map((g) => cluster.gpus[g].link.setupMs),
          (request) => this.onTransferInDone(request),
          linksPerHost[h].map((g) => cluster.gpus[g].link.busySetupMs ?? 0),
        ),
    );
    this.d2h = cluster.hosts.map(
      (host, h) =>
        new HostFabricDirection<Request>(
          this.engine,
          linksPerHost[h].map((g) => cluster.gpus[g].link.d2hBytesPerMs),
          host.uplinkD2hBytesPerMs,
          linksPerHost[h].map((g) => d2hSetupMs(cluster.gpus[g].link)),
          (request) => this.onTransferOutDone(request),
          linksPerHost[h].map((g) => cluster.gpus[g].link.d2hBusySetupMs ?? 0),
        ),
    );
  }

  get now(): Ms {
    return this.engine.now;
  }

  private linkLoad(g: number, direction: LinkDirection): LinkLoad {
    const host = this.gpus[g].spec.host;
    return (direction === 'h2d' ? this.h2d : this.d2h)[host].load(this.linkIndex[g]);
  }

  get predictor(): Predictor {
    return this.setup.predictor;
  }

  /** Runs the whole workload to completion and returns the run's counters. */
  run(): SimulationResult {
    this.arrivals.scheduleNext();
    this.engine.run();
    return this.finish();
  }

  /**
   * Runs a workload that arrives in chunks. Between chunks it simulates every event
   * before the last buffered arrival: the arrival handler of any earlier arrival then
   * always finds its successor buffered, so the run is identical to run() on the
   * same arrivals, whatever the chunk sizes. `between` is awaited after each chunk
   * (to let writers drain).
   */
  async runStreaming(source: BufferedArrivalSource, between?: () => Promise<void>): Promise<SimulationResult> {
    if (source !== this.setup.arrivals) bug('runStreaming: expected the arrival source given in the setup, got another');
    let started = false;
    let chunks = 0;
    while (await source.refill()) {
      if (!started) {
        this.arrivals.scheduleNext();
        started = true;
      }
      this.engine.runBefore(source.horizon);
      if (between !== undefined) await between();
      // Awaiting resolved promises never leaves the microtask queue: yield to the event
      // loop now and then, so signals (Ctrl-C) and timers are handled during long runs.
      if (++chunks % YIELD_EVERY_CHUNKS === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (!started) this.arrivals.scheduleNext();
    this.engine.run();
    return this.finish();
  }

  private finish(): SimulationResult {
    this.applier.dropUnserved();
    return {
      simulatedMs: this.engine.now,
      events: this.engine.eventsProcessed,
      requests: this.arrivals.count,
      gpus: this.gpus.map((gpu, g) => ({
        id: gpu.spec.id,
        busyMs: this.executors[g].busyTime,
        soloWorkMs: this.executors[g].completedWork,
        deliveredWorkMs: this.executors[g].deliveredWork,
      })),
    };
  }

  private readonly onRequest = (request: Request): void => {
    this.applier.arrive(request);
    const count = this.arrivals.count;
    if ((count & (PROGRESS_EVERY - 1)) === 0) this.setup.onProgress?.(count, this.engine.now);
  };

  // ---- the driver's side of decisions (DriverBackend) ----------------------------

  wakeAt(at: Ms): void {
    this.engine.at(at, this.onWakeEvent);
  }

  private readonly onWakeEvent = (): void => this.applier.wake();

  /**
   * Stops a running request. Returns true when it is waiting again now (kill);
   * false when it will be suspended at its next phase boundary, or is already on its
   * way out (its output transfer), where stopping it would gain nothing.
   */
  preemptRunning(request: Request, mode: PreemptMode, costMs: Ms): boolean {
    const state = request.state as 'transfer-in' | 'executing' | 'transfer-out';
    const gpu = this.gpus[request.gpu];
    if (costMs > 0) this.executors[gpu.index].startPhase(new PreemptionStall(), STALL, 0, costMs);
    if (mode === 'phase-boundary') {
      if (state !== 'transfer-out') request.suspendAtBoundary = true;
      return false;
    }
    const host = gpu.spec.host;
    if (state === 'transfer-in') this.h2d[host].abort(request);
    else if (state === 'executing') this.executors[request.gpu].abort(request);
    else this.d2h[host].abort(request);
    gpu.removeRunning(request);
    request.preemptions++;
    transition(request, state, 'waiting');
    request.gpu = -1;
    request.forgetProgress();
    this.waiting.add(request);
    this.applier.startQueued(gpu);
    return true;
  }

  /** A phase-boundary preemption takes effect: the request leaves its slot, keeping its progress. */
  private suspend(request: Request): void {
    const gpu = this.gpus[request.gpu];
    gpu.removeRunning(request);
    request.preemptions++;
    request.suspendAtBoundary = false;
    request.resumeGpu = gpu.index;
    transition(request, 'executing', 'waiting');
    request.gpu = -1;
    this.waiting.add(request);
    this.applier.startQueued(gpu);
    this.applier.notifyPreempted(request);
  }

  // ---- a request's life on a GPU -------------------------------------------------

  startOnSlot(request: Request, gpu: GpuState, from: 'waiting' | 'gpu-queued'): void {
    gpu.running.push(request);
    if (request.resumeGpu === gpu.index) {
      // Resuming after a phase-boundary suspension: inputs and activations are
      // still on this GPU, so execution continues at the next phase.
      request.resumeGpu = -1;
      transition(request, from, 'executing');
      this.startPhase(request);
      return;
    }
    transition(request, from, 'transfer-in');
    request.transferInStart = this.engine.now;
    const g = gpu.index;
    this.h2d[gpu.spec.host].start(request, this.linkIndex[g], request.inputBytes, this.executors[g].activeCount);
  }

  private onTransferInDone(request: Request): void {
    request.transferInEnd = this.engine.now;
    transition(request, 'transfer-in', 'executing');
    request.executionStart = this.engine.now;
    request.phase = 0;
    if (request.suspendAtBoundary) this.suspend(request);
    else this.startPhase(request);
  }

  private startPhase(request: Request): void {
    this.executors[request.gpu].startPhase(request, this.phaseTables.get(request.model, request.batch), request.phase, request.serviceScale);
  }

  private onPhaseDone(request: Request): void {
    request.phase++;
    if (request.phase < request.model.phases.length) {
      if (request.suspendAtBoundary) this.suspend(request);
      else this.startPhase(request);
      return;
    }
    request.suspendAtBoundary = false; // the last phase is done: nothing left to suspend
    request.executionEnd = this.engine.now;
    transition(request, 'executing', 'transfer-out');
    request.transferOutStart = this.engine.now;
    const gpu = this.gpus[request.gpu];
    const g = gpu.index;
    this.d2h[gpu.spec.host].start(request, this.linkIndex[g], request.outputBytes, this.executors[g].activeCount);
  }

  private onTransferOutDone(request: Request): void {
    request.completedAt = this.engine.now;
    transition(request, 'transfer-out', 'done');
    this.applier.complete(request, this.gpus[request.gpu]);
  }
}
