import type { Engine } from './core/engine.ts';
import type { Ms } from './core/units.ts';
import { d2hSetupMs, type ClusterSpec } from './cluster/cluster-spec.ts';
import type { GpuState, LinkDirection, LinkLoad } from './cluster/gpu-state.ts';
import type { WaitingList } from './cluster/waiting-list.ts';
import { GpuExecutor } from './gpu/gpu-executor.ts';
import { SharingParamsPool } from './gpu/sharing.ts';
import { HostFabricDirection } from './pcie/host-fabric.ts';
import { PhaseTableCache } from './model/phase-table-cache.ts';
import { phaseFactor } from './model/profile.ts';
import { Request } from './model/request.ts';
import { transition } from './model/request-state.ts';
import type { DecisionApplier } from './policy/decision-applier.ts';
import { suspend, type PreemptionStall } from './preemption.ts';

/**
 * A request's life on a GPU in the simulator: it holds a slot through its input
 * transfer (the host's PCIe fabric), its kernel phases (the GPU's executor) and its
 * output transfer, then hands the finished request to the decision applier.
 * Preemption (preemption.ts) cuts into this life; arrivals and decisions live elsewhere.
 */
export class RequestLife {
  readonly executors: GpuExecutor<Request | PreemptionStall>[];
  readonly h2d: HostFabricDirection<Request>[];
  readonly d2h: HostFabricDirection<Request>[];
  /**
   * Each GPU's host, and its link's position within that host's fabric, in flat arrays:
   * read through the GPU's spec, each transfer start touched one more line, cold at
   * 1,024 GPUs.
   */
  private readonly hostOf: Int32Array;
  private readonly linkIndex: Int32Array;
  private readonly phaseTables = new PhaseTableCache();

  constructor(
    private readonly engine: Engine,
    cluster: ClusterSpec,
    readonly gpus: readonly GpuState[],
    readonly waiting: WaitingList,
    readonly applier: DecisionApplier,
  ) {
    // One callback and one sharing object for every GPU alike, not one per GPU: at 1,024
    // GPUs an executor's completion finds its own objects cold, a cache line each.
    const onPhaseDone = (owner: Request | PreemptionStall): void => {
      if (owner instanceof Request) this.onPhaseDone(owner);
    };
    const sharings = new SharingParamsPool();
    this.executors = cluster.gpus.map((spec) => new GpuExecutor<Request | PreemptionStall>(engine, sharings.of(spec.sharing), onPhaseDone));
    const linksPerHost: number[][] = cluster.hosts.map(() => []);
    this.hostOf = Int32Array.from(cluster.gpus, (spec) => spec.host);
    this.linkIndex = new Int32Array(cluster.gpus.length);
    cluster.gpus.forEach((spec, g) => {
      this.linkIndex[g] = linksPerHost[spec.host].length;
      linksPerHost[spec.host].push(g);
    });
    this.h2d = cluster.hosts.map(
      (host, h) =>
        new HostFabricDirection<Request>(
          engine,
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
          engine,
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

  /** The transfers on GPU g's link in one direction (for predictors). */
  linkLoad(g: number, direction: LinkDirection): LinkLoad {
    return (direction === 'h2d' ? this.h2d : this.d2h)[this.hostOf[g]].load(this.linkIndex[g]);
  }

  /** Takes a free slot: the input transfer starts, or execution resumes after a phase-boundary suspension. */
  start(request: Request, gpu: GpuState, from: 'waiting' | 'gpu-queued'): void {
    gpu.addRunning(request);
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
    this.h2d[this.hostOf[g]].start(request, this.linkIndex[g], request.inputBytes, this.executors[g].activeCount);
  }

  private onTransferInDone(request: Request): void {
    request.transferInEnd = this.engine.now;
    transition(request, 'transfer-in', 'executing');
    request.executionStart = this.engine.now;
    request.phase = 0;
    if (request.suspendAtBoundary) suspend(this, request);
    else this.startPhase(request);
  }

  private startPhase(request: Request): void {
    const k = request.phase;
    const scale = request.shaped ? request.serviceScale * phaseFactor(request, k) : request.serviceScale;
    this.executors[request.gpu].startPhase(request, this.phaseTables.get(request.model, request.batch), k, scale);
  }

  private onPhaseDone(request: Request): void {
    request.phase++;
    if (request.phase < request.model.phases.length) {
      if (request.suspendAtBoundary) suspend(this, request);
      else this.startPhase(request);
      return;
    }
    request.suspendAtBoundary = false; // the last phase is done: nothing left to suspend
    request.executionEnd = this.engine.now;
    transition(request, 'executing', 'transfer-out');
    request.transferOutStart = this.engine.now;
    const g = request.gpu;
    this.d2h[this.hostOf[g]].start(request, this.linkIndex[g], request.outputBytes, this.executors[g].activeCount);
  }

  private onTransferOutDone(request: Request): void {
    request.completedAt = this.engine.now;
    transition(request, 'transfer-out', 'done');
    this.applier.complete(request, this.gpus[request.gpu]);
  }
}
