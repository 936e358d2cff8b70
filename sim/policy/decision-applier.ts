import { PolicyContractError } from '../core/errors.ts';
import type { Ms } from '../core/units.ts';
import type { GpuState } from '../cluster/gpu-state.ts';
import type { WaitingList } from '../cluster/waiting-list.ts';
import type { Request } from '../model/request.ts';
import { transition } from '../model/request-state.ts';
import type { Predictor } from '../predictor/predictor.ts';
import type { ClusterView, Decision, Policy, PreemptMode } from './policy.ts';

/** Receives every request once, when it leaves the system (in that order). */
export interface RequestSink {
  record(request: Request): void;
}

/**
 * What differs between the two drivers (the simulator and the replay engine): their
 * clock and their executors. Everything a decision means is the applier's.
 */
export interface DriverBackend extends ClusterView {
  readonly gpus: readonly GpuState[];
  readonly waiting: WaitingList;
  /** Starts a request on a free slot of `gpu`; it is `from` (waiting when dispatched there directly). */
  startOnSlot(request: Request, gpu: GpuState, from: 'waiting' | 'gpu-queued'): void;
  /**
   * Stops a running request (already checked to be running). Returns true when it is
   * waiting again now (kill); false when it stops later (at its next phase boundary) or not at all.
   */
  preemptRunning(request: Request, mode: PreemptMode, costMs: Ms): boolean;
  /** Calls the applier's wake() at `at` (never before now). */
  wakeAt(at: Ms): void;
}

/** The parts of a run's setup the applier uses. */
export interface ApplierSetup {
  readonly policy: Policy;
  readonly predictor: Predictor;
  /** Predictors evaluated alongside without steering anything (see SimulationSetup). */
  readonly shadowPredictors?: readonly Predictor[];
  readonly sink: RequestSink;
}

/**
 * The one decision applier and validator, used by both drivers: it checks each
 * decision against the control-surface contract (sim/policy/policy.ts) and applies it
 * through the driver's backend. SimPy's real-time environment changes when things
 * happen, not what happens; so here: the replay differs only in its clock and executors.
 */
export class DecisionApplier {
  constructor(
    private readonly setup: ApplierSetup,
    private readonly driver: DriverBackend,
  ) {}

  /** A request arrived: it waits, and the policy hears of it. */
  arrive(request: Request): void {
    this.driver.waiting.add(request);
    this.apply(this.setup.policy.onArrival(request, this.driver));
  }

  /**
   * A request is done (its state already `done`): its slot is free again. The predictors
   * learn from it, the sink records it, the GPU's queue moves up and the policy hears of it.
   */
  complete(request: Request, gpu: GpuState): void {
    gpu.removeRunning(request);
    this.setup.predictor.observe(request, gpu, this.driver);
    const shadows = this.setup.shadowPredictors;
    if (shadows !== undefined) for (const shadow of shadows) shadow.observe(request, gpu, this.driver);
    this.setup.sink.record(request);
    this.startQueued(gpu);
    this.apply(this.setup.policy.onCompletion(request, this.driver));
  }

  /** A wake the policy asked for is due. */
  wake(): void {
    const policy = this.setup.policy;
    if (policy.onWake !== undefined) this.apply(policy.onWake(this.driver));
  }

  /** A request the policy preempted is waiting again: the policy must take it back. */
  notifyPreempted(request: Request): void {
    const policy = this.setup.policy;
    if (policy.onPreempted === undefined) {
      throw new PolicyContractError(`policy ${policy.name}: preemption of request ${request.id}: expected an onPreempted handler, got a policy with no onPreempted`);
    }
    this.apply(policy.onPreempted(request, this.driver));
  }

  /** Starts queued requests while the GPU has free slots. */
  startQueued(gpu: GpuState): void {
    while (gpu.freeSlots > 0 && gpu.queuedCount > 0) this.driver.startOnSlot(gpu.queue.shift()!, gpu, 'gpu-queued');
  }

  /** End of the run: whatever the policy still holds once nothing can happen was never served. */
  dropUnserved(): void {
    for (const request of [...this.driver.waiting]) this.leave(request, 'waiting', 'dropped', true);
  }

  apply(decisions: readonly Decision[]): void {
    let preempted: Request[] | undefined;
    for (let d = 0; d < decisions.length; d++) {
      const decision = decisions[d];
      switch (decision.kind) {
        case 'dispatch':
          this.dispatch(decision.request, decision.gpu);
          break;
        case 'reject':
          this.requireWaiting(decision.request, 'rejection');
          this.leave(decision.request, 'waiting', 'rejected');
          break;
        case 'drop':
          this.drop(decision.request);
          break;
        case 'preempt':
          this.requireRunning(decision.request);
          if (this.driver.preemptRunning(decision.request, decision.mode ?? 'kill', decision.costMs ?? 0)) {
            (preempted ??= []).push(decision.request);
          }
          break;
        case 'wake':
          this.driver.wakeAt(Math.max(decision.at, this.driver.now));
          break;
      }
    }
    if (preempted !== undefined) for (const request of preempted) this.notifyPreempted(request);
  }

  private dispatch(request: Request, g: number): void {
    this.requireWaiting(request, 'dispatch');
    const driver = this.driver;
    const gpu = driver.gpus[g];
    if (gpu === undefined || !gpu.hosts(request.model.name)) {
      const got = gpu === undefined ? `no GPU ${g} (the cluster has ${driver.gpus.length})` : `GPU ${g}, which does not host model ${request.model.name}`;
      throw new PolicyContractError(`policy ${this.setup.policy.name}: dispatch of request ${request.id}: expected a GPU that hosts model ${request.model.name}, got ${got}`);
    }
    const prediction = this.setup.predictor.predict(request, gpu, driver);
    request.predictedTransferMs = prediction.transferMs;
    request.predictedExecutionMs = prediction.executionMs;
    request.predictedCompletion = prediction.completion;
    const shadows = this.setup.shadowPredictors;
    if (shadows !== undefined && shadows.length > 0) {
      const pairs = (request.shadowPredictions ??= new Float64Array(2 * shadows.length));
      for (let k = 0; k < shadows.length; k++) {
        const shadow = shadows[k].predict(request, gpu, driver);
        pairs[2 * k] = shadow.executionMs;
        pairs[2 * k + 1] = shadow.transferMs;
      }
    }
    // Progress kept by a phase-boundary suspension survives only on its own GPU.
    if (request.resumeGpu >= 0 && request.resumeGpu !== g) request.forgetProgress();
    request.dispatchedAt = driver.now;
    request.gpu = g;
    driver.waiting.delete(request);
    if (gpu.freeSlots > 0 && gpu.queuedCount === 0) {
      driver.startOnSlot(request, gpu, 'waiting');
    } else {
      transition(request, 'waiting', 'gpu-queued');
      gpu.queue.push(request);
    }
  }

  private drop(request: Request): void {
    if (request.state === 'waiting') {
      this.leave(request, 'waiting', 'dropped');
    } else if (request.state === 'gpu-queued') {
      this.driver.gpus[request.gpu].queue.remove(request);
      this.leave(request, 'gpu-queued', 'dropped');
    } else {
      throw new PolicyContractError(`policy ${this.setup.policy.name}: drop of request ${request.id}: expected a waiting or GPU-queued request, got one that is ${request.state}`);
    }
  }

  private requireWaiting(request: Request, action: string): void {
    if (request.state !== 'waiting') {
      throw new PolicyContractError(`policy ${this.setup.policy.name}: ${action} of request ${request.id}: expected a waiting request, got one that is ${request.state}`);
    }
  }

  private requireRunning(request: Request): void {
    const state = request.state;
    if (state !== 'transfer-in' && state !== 'executing' && state !== 'transfer-out') {
      throw new PolicyContractError(`policy ${this.setup.policy.name}: preemption of request ${request.id}: expected a running request (transfer-in, executing or transfer-out), got one that is ${state}`);
    }
  }

  /** A request leaves without being served. `unserved` marks the end-of-run sweep. */
  private leave(request: Request, from: 'waiting' | 'gpu-queued', to: 'dropped' | 'rejected', unserved = false): void {
    transition(request, from, to);
    this.driver.waiting.delete(request);
    if (unserved) request.unserved = true;
    this.setup.sink.record(request);
  }
}
