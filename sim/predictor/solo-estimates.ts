import { d2hSetupMs, type ClusterSpec } from '../cluster/cluster-spec.ts';
import type { GpuView } from '../cluster/gpu-state.ts';
import type { Request } from '../model/request.ts';
import { requestSoloExecutionMs } from '../model/profile.ts';

/**
 * Uncontended estimates from the profile alone: what a request costs when it has the
 * GPU and its link to itself. Shared by every predictor as the cold-start answer.
 */
export class SoloEstimates {
  // Per GPU, each direction's setup and bandwidth (the lesser of its link and its
  // host's uplink), read from flat arrays: policies that predict on every GPU ask
  // this for each, and chasing spec objects per call was most of their time.
  private readonly inSetupMs: Float64Array;
  private readonly inBytesPerMs: Float64Array;
  private readonly outSetupMs: Float64Array;
  private readonly outBytesPerMs: Float64Array;
  /**
   * Per GPU: a class shared by the GPUs with the same transfer estimates and slot count,
   * which is all a solo or static prediction reads of a GPU with a free slot and
   * nothing queued (Predictor.gpuClass).
   */
  readonly gpuClass: Int32Array;

  constructor(cluster: ClusterSpec) {
    const gpus = cluster.gpus;
    this.inSetupMs = Float64Array.from(gpus, (spec) => spec.link.setupMs);
    this.inBytesPerMs = Float64Array.from(gpus, (spec) => Math.min(spec.link.h2dBytesPerMs, cluster.hosts[spec.host].uplinkH2dBytesPerMs));
    this.outSetupMs = Float64Array.from(gpus, (spec) => d2hSetupMs(spec.link));
    this.outBytesPerMs = Float64Array.from(gpus, (spec) => Math.min(spec.link.d2hBytesPerMs, cluster.hosts[spec.host].uplinkD2hBytesPerMs));
    const classes = new Map<string, number>();
    this.gpuClass = Int32Array.from(gpus, (spec, g) => {
      const key = `${this.inSetupMs[g]},${this.inBytesPerMs[g]},${this.outSetupMs[g]},${this.outBytesPerMs[g]},${spec.maxConcurrency}`;
      let c = classes.get(key);
      if (c === undefined) classes.set(key, (c = classes.size));
      return c;
    });
  }

  transferInMs(request: Request, gpu: number): number {
    const setup = this.inSetupMs[gpu];
    if (request.inputBytes <= 0) return setup;
    return setup + request.inputBytes / this.inBytesPerMs[gpu];
  }

  transferOutMs(request: Request, gpu: number): number {
    const setup = this.outSetupMs[gpu];
    if (request.outputBytes <= 0) return setup;
    return setup + request.outputBytes / this.outBytesPerMs[gpu];
  }

  executionMs(request: Request): number {
    return requestSoloExecutionMs(request);
  }

  totalMs(request: Request, gpu: number): number {
    return this.transferInMs(request, gpu) + this.executionMs(request) + this.transferOutMs(request, gpu);
  }

  /**
   * When a newly dispatched request would get a slot on this GPU: replay the slot
   * releases of what runs (at its predicted completion) and of what is queued ahead
   * (each taking its solo time, or what `costs` says: predictors that model
   * interference pass their own estimates of both).
   */
  slotFreeAt(gpu: GpuView, now: number, costs?: SlotCosts): number {
    if (gpu.freeSlots > 0 && gpu.queuedCount === 0) return now;
    const slots: number[] = [];
    for (const running of gpu.running) {
      const end = costs?.runningEnd?.(running) ?? running.predictedCompletion;
      slots.push(end === end && end > now ? end : now);
    }
    while (slots.length < gpu.spec.maxConcurrency) slots.push(now);
    slots.sort((a, b) => a - b);
    for (const queued of gpu.queued) {
      const start = slots.shift()!;
      const cost = costs !== undefined ? costs.queuedMs(queued, gpu) : this.totalMs(queued, gpu.index);
      insertSorted(slots, start + cost);
    }
    return slots[0];
  }
}

/** A predictor's own estimates for slotFreeAt's replay of a GPU's work. */
export interface SlotCosts {
  /** Predicted completion of a running request; undefined: its dispatch-time prediction. */
  runningEnd?(request: Request): number | undefined;
  /** Transfer plus execution time of a queued request once it starts. */
  queuedMs(request: Request, gpu: GpuView): number;
}

function insertSorted(values: number[], value: number): void {
  let i = values.length;
  while (i > 0 && values[i - 1] > value) i--;
  values.splice(i, 0, value);
}
