import { Engine } from './core/engine.ts';
import { bug } from './core/errors.ts';
import { RandomStreams } from './core/random.ts';
import type { Ms } from './core/units.ts';
import type { ClusterSpec } from './cluster/cluster-spec.ts';
import { GpuState } from './cluster/gpu-state.ts';
import { WaitingList } from './cluster/waiting-list.ts';
import type { ModelProfile } from './model/profile.ts';
import type { Request } from './model/request.ts';
import { ArrivalFeed, type ArrivalSource, type BufferedArrivalSource } from './arrivals.ts';
import { DecisionApplier, type DriverBackend, type RequestSink } from './policy/decision-applier.ts';
import type { Policy, PreemptMode } from './policy/policy.ts';
import type { Predictor } from './predictor/predictor.ts';
import { preemptRunning } from './preemption.ts';
import { RequestLife } from './request-life.ts';

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
 * The serving model driven by the event engine, put together from one module per
 * concern: requests arrive (arrivals.ts), the policy decides (policy/decision-applier.ts,
 * shared with the replay), each dispatched request holds a GPU slot through its input
 * transfer, its kernel phases and its output transfer (request-life.ts), and
 * preemption cuts in (preemption.ts). The simulator owns all state; the policy only
 * sees it through ClusterView and acts through decisions.
 */
export class Simulator implements DriverBackend {
  private readonly engine = new Engine();
  readonly gpus: GpuState[];
  readonly waiting = new WaitingList();
  private readonly applier: DecisionApplier;
  private readonly arrivals: ArrivalFeed;
  private readonly life: RequestLife;

  constructor(private readonly setup: SimulationSetup) {
    const { cluster } = setup;
    this.applier = new DecisionApplier(setup, this);
    this.arrivals = new ArrivalFeed(this.engine, setup.arrivals, setup.models, new RandomStreams(setup.seed).stream('service'), this.onRequest);
    this.gpus = cluster.gpus.map((spec, i) => new GpuState(i, spec, (g, direction) => this.life.linkLoad(g, direction)));
    this.life = new RequestLife(this.engine, cluster, this.gpus, this.waiting, this.applier);
  }

  get now(): Ms {
    return this.engine.now;
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
        busyMs: this.life.executors[g].busyTime,
        soloWorkMs: this.life.executors[g].completedWork,
        deliveredWorkMs: this.life.executors[g].deliveredWork,
      })),
    };
  }

  private readonly onRequest = (request: Request): void => {
    this.applier.arrive(request);
    const count = this.arrivals.count;
    if ((count & (PROGRESS_EVERY - 1)) === 0) this.setup.onProgress?.(count, this.engine.now);
  };

  // ---- the driver's side of decisions (DriverBackend) ----------------------------

  startOnSlot(request: Request, gpu: GpuState, from: 'waiting' | 'gpu-queued'): void {
    this.life.start(request, gpu, from);
  }

  preemptRunning(request: Request, mode: PreemptMode, costMs: Ms): boolean {
    return preemptRunning(this.life, request, mode, costMs);
  }

  wakeAt(at: Ms): void {
    this.engine.at(at, this.onWakeEvent);
  }

  private readonly onWakeEvent = (): void => this.applier.wake();
}
