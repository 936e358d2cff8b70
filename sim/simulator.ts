import { Engine } from './core/engine.ts';
import type { EventHandle } from './core/event-queue.ts';
import { RandomStreams, type RandomStream } from './core/random.ts';
import { d2hSetupMs, type ClusterSpec } from './cluster/cluster-spec.ts';
import { GpuState, type LinkDirection, type LinkLoad } from './cluster/gpu-state.ts';
import { GpuExecutor, type PhaseDemands } from './gpu/gpu-executor.ts';
import { WaitingList } from './cluster/waiting-list.ts';
import { HostFabricDirection } from './pcie/host-fabric.ts';
import { lookupBatch, type ModelProfile } from './model/profile.ts';
import { Request, type Priority } from './model/request.ts';
import type { ClusterView, Decision, Policy } from './policy/policy.ts';
import type { Predictor } from './predictor/predictor.ts';
import { bug, PolicyContractError, WorkloadError } from './core/errors.ts';

/** One arrival as a workload source yields it (times in ms from the trace start). */
export interface ArrivalSpec {
  readonly arrival: number;
  readonly model: string;
  readonly batch: number;
  readonly priority: Priority;
  /** Deadline relative to arrival, ms. */
  readonly relativeDeadline: number;
  /** Override the profile's bytes per item times batch. */
  readonly inputBytes?: number;
  readonly outputBytes?: number;
}

/** Arrivals in non-decreasing time order, pulled one at a time (streaming). */
export interface ArrivalSource {
  next(): ArrivalSpec | undefined;
}

/**
 * Arrivals delivered in chunks (a trace read from disk, or a generator pulled in
 * slices), so a workload larger than memory can run. `horizon` is the arrival time
 * of the last buffered arrival; every arrival before it is already buffered.
 */
export interface BufferedArrivalSource extends ArrivalSource {
  readonly horizon: number;
  /** Buffers the next chunk; resolves false once the source is exhausted. */
  refill(): Promise<boolean>;
}

/** Receives every request once, when it leaves the system (in that order). */
export interface RequestSink {
  record(request: Request): void;
}

export interface SimulationSetup {
  readonly cluster: ClusterSpec;
  readonly models: ReadonlyMap<string, ModelProfile>;
  readonly arrivals: ArrivalSource;
  readonly policy: Policy;
  readonly predictor: Predictor;
  /**
   * Predictors evaluated alongside, without steering anything: each predicts at
   * every dispatch and learns from every completion, so one run compares them.
   */
  readonly shadowPredictors?: readonly Predictor[];
  readonly seed: number;
  readonly sink: RequestSink;
  /** Called every PROGRESS_EVERY arrivals with the count so far and the clock (for long runs). */
  readonly onProgress?: (arrivals: number, simulatedMs: number) => void;
}

type PhaseCosts = PhaseDemands;

/** What a GPU runs while paying a preemption's cost: no request's work. */
class PreemptionStall {}

/** Arrival chunks simulated between two yields to the event loop (tens of milliseconds of work). */
const YIELD_EVERY_CHUNKS = 16;

/** Arrivals between two progress callbacks. */
export const PROGRESS_EVERY = 1 << 16;

export interface GpuCounters {
  readonly id: string;
  readonly busyMs: number;
  readonly soloWorkMs: number;
  readonly deliveredWorkMs: number;
}

export interface SimulationResult {
  readonly simulatedMs: number;
  readonly events: number;
  readonly requests: number;
  readonly gpus: readonly GpuCounters[];
}

/**
 * The serving model driven by the event engine: requests arrive, the policy decides,
 * and each dispatched request holds a GPU slot through its input transfer, its
 * kernel phases and its output transfer. The simulator owns all state; the policy
 * only sees it through ClusterView and acts through decisions.
 */
export class Simulator implements ClusterView {
  private readonly engine = new Engine();
  private readonly random: RandomStreams;
  private readonly serviceStream: RandomStream;
  readonly gpus: GpuState[];
  readonly waiting = new WaitingList();
  private readonly executors: GpuExecutor<Request | PreemptionStall>[];
  private readonly h2d: HostFabricDirection<Request>[];
  private readonly d2h: HostFabricDirection<Request>[];
  /** Position of each GPU's link within its host's fabric. */
  private readonly linkIndex: number[];
  private nextId = 0;
  private pendingArrival: ArrivalSpec | undefined;
  /** One event object reused for every arrival. */
  private arrivalEvent: EventHandle | undefined;
  private lastArrivalTime = 0;
  private readonly phaseCostCache = new Map<ModelProfile, PhaseCosts[]>();

  constructor(private readonly setup: SimulationSetup) {
    this.random = new RandomStreams(setup.seed);
    this.serviceStream = this.random.stream('service');
    const { cluster } = setup;
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

  get now(): number {
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
    this.scheduleNextArrival();
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
        this.scheduleNextArrival();
        started = true;
      }
      this.engine.runBefore(source.horizon);
      if (between !== undefined) await between();
      // Awaiting resolved promises never leaves the microtask queue: yield to the event
      // loop now and then, so signals (Ctrl-C) and timers are handled during long runs.
      if (++chunks % YIELD_EVERY_CHUNKS === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (!started) this.scheduleNextArrival();
    this.engine.run();
    return this.finish();
  }

  private finish(): SimulationResult {
    // Whatever the policy still holds once nothing can happen was never served.
    for (const request of [...this.waiting]) this.leave(request, 'dropped', true);
    return {
      simulatedMs: this.engine.now,
      events: this.engine.eventsProcessed,
      requests: this.nextId,
      gpus: this.gpus.map((gpu, g) => ({
        id: gpu.spec.id,
        busyMs: this.executors[g].busyTime,
        soloWorkMs: this.executors[g].completedWork,
        deliveredWorkMs: this.executors[g].deliveredWork,
      })),
    };
  }

  // ---- arrivals ----------------------------------------------------------------

  private scheduleNextArrival(): void {
    const spec = this.setup.arrivals.next();
    if (spec === undefined) return;
    if (!(spec.arrival >= this.lastArrivalTime)) {
      throw new WorkloadError(
        `arrival ${this.nextId} at ${spec.arrival} ms comes before the previous one at ${this.lastArrivalTime} ms: arrivals must be sorted by time`,
      );
    }
    this.lastArrivalTime = spec.arrival;
    this.pendingArrival = spec;
    this.arrivalEvent = this.engine.schedule(this.arrivalEvent, spec.arrival, this.onArrivalEvent);
  }

  private readonly onArrivalEvent = (): void => {
    const spec = this.pendingArrival!;
    this.pendingArrival = undefined;
    const request = this.createRequest(spec);
    this.waiting.add(request);
    this.apply(this.setup.policy.onArrival(request, this));
    if ((this.nextId & (PROGRESS_EVERY - 1)) === 0) this.setup.onProgress?.(this.nextId, this.engine.now);
    this.scheduleNextArrival();
  };

  private createRequest(spec: ArrivalSpec): Request {
    const model = this.setup.models.get(spec.model);
    if (model === undefined) throw new WorkloadError(`arrival ${this.nextId} names unknown model "${spec.model}"`);
    const variability = model.variability;
    let scale = 1;
    if (variability.kind === 'exponential') scale = this.serviceStream.exponential(1);
    else if (variability.kind === 'lognormal') scale = this.serviceStream.lognormalUnitMean(variability.cv);
    return new Request(
      this.nextId++,
      spec.arrival,
      model,
      spec.batch,
      spec.priority,
      spec.arrival + spec.relativeDeadline,
      spec.inputBytes ?? model.inputBytesPerItem * spec.batch,
      spec.outputBytes ?? model.outputBytesPerItem * spec.batch,
      scale,
    );
  }

  // ---- decisions -----------------------------------------------------------------

  private apply(decisions: readonly Decision[]): void {
    let preempted: Request[] | undefined;
    for (let d = 0; d < decisions.length; d++) {
      const decision = decisions[d];
      switch (decision.kind) {
        case 'dispatch':
          this.dispatch(decision.request, decision.gpu);
          break;
        case 'reject':
          this.requireWaiting(decision.request, 'reject');
          this.leave(decision.request, 'rejected');
          break;
        case 'drop':
          this.drop(decision.request);
          break;
        case 'preempt':
          if (this.preempt(decision.request, decision.mode ?? 'kill', decision.costMs ?? 0)) {
            (preempted ??= []).push(decision.request);
          }
          break;
        case 'wake':
          this.engine.at(Math.max(decision.at, this.engine.now), this.onWakeEvent);
          break;
      }
    }
    if (preempted !== undefined) for (const request of preempted) this.notifyPreempted(request);
  }

  private notifyPreempted(request: Request): void {
    const policy = this.setup.policy;
    if (policy.onPreempted === undefined) {
      throw new PolicyContractError(`policy ${policy.name} preempted requests but has no onPreempted`);
    }
    this.apply(policy.onPreempted(request, this));
  }

  private readonly onWakeEvent = (): void => {
    const policy = this.setup.policy;
    if (policy.onWake !== undefined) this.apply(policy.onWake(this));
  };

  private requireWaiting(request: Request, action: string): void {
    if (request.state !== 'waiting') {
      throw new PolicyContractError(
        `policy ${this.setup.policy.name} tried to ${action} request ${request.id}, which is ${request.state}, not waiting`,
      );
    }
  }

  private dispatch(request: Request, g: number): void {
    this.requireWaiting(request, 'dispatch');
    const gpu = this.gpus[g];
    if (gpu === undefined || !gpu.hosts(request.model.name)) {
      throw new PolicyContractError(
        `policy ${this.setup.policy.name} dispatched request ${request.id} to GPU ${g}, which does not host model ${request.model.name}`,
      );
    }
    const prediction = this.setup.predictor.predict(request, gpu, this);
    request.predictedTransferMs = prediction.transferMs;
    request.predictedExecutionMs = prediction.executionMs;
    request.predictedCompletion = prediction.completion;
    const shadows = this.setup.shadowPredictors;
    if (shadows !== undefined && shadows.length > 0) {
      const pairs = (request.shadowPredictions ??= new Float64Array(2 * shadows.length));
      for (let k = 0; k < shadows.length; k++) {
        const shadow = shadows[k].predict(request, gpu, this);
        pairs[2 * k] = shadow.executionMs;
        pairs[2 * k + 1] = shadow.transferMs;
      }
    }
    // Progress kept by a phase-boundary suspension survives only on its own GPU.
    if (request.resumeGpu >= 0 && request.resumeGpu !== g) this.forgetProgress(request);
    request.dispatchedAt = this.engine.now;
    request.gpu = g;
    this.waiting.delete(request);
    if (gpu.freeSlots > 0 && gpu.queuedCount === 0) {
      this.start(request, gpu);
    } else {
      request.state = 'gpu-queued';
      gpu.queue.push(request);
    }
  }

  private drop(request: Request): void {
    if (request.state === 'waiting') {
      this.leave(request, 'dropped');
    } else if (request.state === 'gpu-queued') {
      this.gpus[request.gpu].queue.remove(request);
      this.leave(request, 'dropped');
    } else {
      throw new PolicyContractError(
        `policy ${this.setup.policy.name} tried to drop request ${request.id}, which is ${request.state}`,
      );
    }
  }

  /**
   * Stops a running request. Returns true when it is waiting again now (kill);
   * false when it will be suspended at its next phase boundary, or is already on its
   * way out (its output transfer), where stopping it would gain nothing.
   */
  private preempt(request: Request, mode: 'kill' | 'phase-boundary', costMs: number): boolean {
    const state = request.state;
    if (state !== 'transfer-in' && state !== 'executing' && state !== 'transfer-out') {
      throw new PolicyContractError(
        `policy ${this.setup.policy.name} tried to preempt request ${request.id}, which is ${state}, not running`,
      );
    }
    const gpu = this.gpus[request.gpu];
    if (costMs > 0) this.executors[gpu.index].startPhase(new PreemptionStall(), costMs, 1, 1, 1);
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
    request.state = 'waiting';
    request.gpu = -1;
    this.forgetProgress(request);
    this.waiting.add(request);
    this.startQueued(gpu);
    return true;
  }

  /** Back to the start: no transfer or phase done yet. */
  private forgetProgress(request: Request): void {
    request.dispatchedAt = request.transferInStart = request.transferInEnd = NaN;
    request.executionStart = request.executionEnd = request.transferOutStart = NaN;
    request.phase = 0;
    request.resumeGpu = -1;
    request.suspendAtBoundary = false;
  }

  /** A phase-boundary preemption takes effect: the request leaves its slot, keeping its progress. */
  private suspend(request: Request): void {
    const gpu = this.gpus[request.gpu];
    gpu.removeRunning(request);
    request.preemptions++;
    request.suspendAtBoundary = false;
    request.resumeGpu = gpu.index;
    request.state = 'waiting';
    request.gpu = -1;
    this.waiting.add(request);
    this.startQueued(gpu);
    this.notifyPreempted(request);
  }

  // ---- a request's life on a GPU -------------------------------------------------

  private start(request: Request, gpu: GpuState): void {
    gpu.running.push(request);
    if (request.resumeGpu === gpu.index) {
      // Resuming after a phase-boundary suspension: inputs and activations are
      // still on this GPU, so execution continues at the next phase.
      request.resumeGpu = -1;
      request.state = 'executing';
      this.startPhase(request);
      return;
    }
    request.state = 'transfer-in';
    request.transferInStart = this.engine.now;
    const g = gpu.index;
    this.h2d[gpu.spec.host].start(request, this.linkIndex[g], request.inputBytes, this.executors[g].activeCount);
  }

  private onTransferInDone(request: Request): void {
    request.transferInEnd = this.engine.now;
    request.state = 'executing';
    request.executionStart = this.engine.now;
    request.phase = 0;
    if (request.suspendAtBoundary) this.suspend(request);
    else this.startPhase(request);
  }

  private startPhase(request: Request): void {
    const costs = this.phaseCosts(request.model, request.batch);
    const k = request.phase;
    this.executors[request.gpu].startPhaseOf(request, costs, k, request.serviceScale);
  }

  /** The model's phase table resolved at one batch size, computed once per pair. */
  private phaseCosts(model: ModelProfile, batch: number): PhaseCosts {
    let byBatch = this.phaseCostCache.get(model);
    if (byBatch === undefined) {
      byBatch = [];
      this.phaseCostCache.set(model, byBatch);
    }
    let costs = byBatch[batch];
    if (costs === undefined) {
      costs = {
        soloMs: Float64Array.from(model.phases, (p) => lookupBatch(p.soloMs, batch)),
        compute: Float64Array.from(model.phases, (p) => lookupBatch(p.compute, batch)),
        memory: Float64Array.from(model.phases, (p) => lookupBatch(p.memory, batch)),
        sensitivity: Float64Array.from(model.phases, (p) => (p.sensitivity === undefined ? 1 : lookupBatch(p.sensitivity, batch))),
      };
      byBatch[batch] = costs;
    }
    return costs;
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
    request.state = 'transfer-out';
    request.transferOutStart = this.engine.now;
    const gpu = this.gpus[request.gpu];
    const g = gpu.index;
    this.d2h[gpu.spec.host].start(request, this.linkIndex[g], request.outputBytes, this.executors[g].activeCount);
  }

  private onTransferOutDone(request: Request): void {
    const gpu = this.gpus[request.gpu];
    request.completedAt = this.engine.now;
    request.state = 'done';
    gpu.removeRunning(request);
    this.setup.predictor.observe(request, gpu, this);
    const shadows = this.setup.shadowPredictors;
    if (shadows !== undefined) for (const shadow of shadows) shadow.observe(request, gpu, this);
    this.setup.sink.record(request);
    this.startQueued(gpu);
    this.apply(this.setup.policy.onCompletion(request, this));
  }

  private startQueued(gpu: GpuState): void {
    while (gpu.freeSlots > 0 && gpu.queuedCount > 0) this.start(gpu.queue.shift()!, gpu);
  }

  /** A request leaves without being served. `unserved` marks the end-of-run sweep. */
  private leave(request: Request, state: 'dropped' | 'rejected', unserved = false): void {
    request.state = state;
    this.waiting.delete(request);
    if (unserved) request.unserved = true;
    this.setup.sink.record(request);
  }
}
