import type { GpuSpec } from '../cluster/cluster-spec.ts';
import type { GpuView, LinkDirection, LinkLoad } from '../cluster/gpu-state.ts';
import type { Request } from '../model/request.ts';

const NOTHING: readonly Request[] = Object.freeze([]);
const NO_LOAD: LinkLoad = Object.freeze({ transfers: 0, bytes: 0, hostTransfers: 0 });

/**
 * A hypothetical view of one GPU for asking the predictor "what if": the same GPU
 * (index, link, models) holding a different set of requests, e.g. with a candidate
 * added, with a request itself left out so it is predicted against its co-runners,
 * or empty and one-slot for a policy that runs one request at a time. The predictor
 * interface predicts one request placed on a GPU from what that GPU holds, so a
 * policy asks its questions by changing what the GPU is said to hold.
 *
 * Limits: link load is the real GPU's now (a candidate's own transfer is not added),
 * or none for the idle copy; requests it lists as running keep their real state (a
 * waiting candidate reads as not started, so a predictor sees all of its work ahead).
 */
export class WhatIfGpu implements GpuView {
  readonly spec: GpuSpec;

  constructor(
    private readonly base: GpuView,
    readonly running: readonly Request[],
    private readonly queue: readonly Request[] = NOTHING,
    maxConcurrency?: number,
    private readonly quietLink = false,
  ) {
    this.spec = maxConcurrency === undefined || maxConcurrency === base.spec.maxConcurrency ? base.spec : { ...base.spec, maxConcurrency };
  }

  get index(): number {
    return this.base.index;
  }

  get queued(): Iterable<Request> {
    return this.queue;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  get freeSlots(): number {
    return this.spec.maxConcurrency - this.running.length;
  }

  hosts(model: string): boolean {
    return this.base.hosts(model);
  }

  linkLoad(direction: LinkDirection): LinkLoad {
    return this.quietLink ? NO_LOAD : this.base.linkLoad(direction);
  }

  /** An idle one-slot copy of a GPU with an idle link: what a request costs there alone. */
  static alone(base: GpuView): WhatIfGpu {
    return new WhatIfGpu(base, NOTHING, NOTHING, 1, true);
  }
}
