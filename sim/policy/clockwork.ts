import { Fifo } from '../cluster/gpu-state.ts';
import type { Request } from '../model/request.ts';
import { NO_DECISIONS, type ClusterView, type Decision, type Policy } from './policy.ts';
import { WhatIfGpu } from './what-if-gpu.ts';

export interface ClockworkOptions {
  /** At dispatch, drop a request whose predicted completion now misses its deadline. @default true */
  readonly dropLate: boolean;
}

export const CLOCKWORK_DEFAULTS: ClockworkOptions = { dropLate: true };

/**
 * Clockwork-style predict-and-reject. Each GPU runs one request at a time, whatever
 * its maxConcurrency, so every latency is the predictable solo one; the policy keeps a
 * FIFO queue per GPU. On arrival it predicts the request's completion on every GPU
 * hosting its model as (when that GPU's running request is predicted to end) + (the
 * predicted times of the requests queued there) + (its own predicted time there, alone),
 * and queues it on the GPU where that is earliest; if even that misses the deadline it
 * rejects the request at once. With dropLate, a request whose predicted completion
 * misses its deadline by the time its turn comes is dropped instead of run.
 *
 * Times come from the scenario's predictor, asked about the request alone on a
 * one-slot copy of the GPU (WhatIfGpu.alone), since that is how it will run.
 */
export class ClockworkPolicy implements Policy {
  readonly name = 'clockwork';
  private readonly queues: Fifo<Request>[] = [];
  /** Sum of the predicted times of each GPU's queue. */
  private readonly queuedMs: number[] = [];
  /** Predicted end of what each GPU runs (meaningless while it runs nothing). */
  private readonly busyUntil: number[] = [];
  /** Predicted time (transfers + execution) of each queued request on its GPU. */
  private readonly durations = new Map<Request, number>();

  constructor(private readonly options: ClockworkOptions = CLOCKWORK_DEFAULTS) {}

  onArrival(request: Request, view: ClusterView): readonly Decision[] {
    const gpus = view.gpus;
    this.ensureGpus(view);
    let best = -1;
    let bestCompletion = Infinity;
    let bestDuration = 0;
    for (let g = 0; g < gpus.length; g++) {
      if (!gpus[g].hosts(request.model.name)) continue;
      const duration = this.predictAlone(request, g, view);
      const completion = this.freeAt(g, view) + this.queuedMs[g] + duration;
      if (completion < bestCompletion) {
        best = g;
        bestCompletion = completion;
        bestDuration = duration;
      }
    }
    if (best < 0 || bestCompletion > request.deadline) return [{ kind: 'reject', request }];
    this.queues[best].push(request);
    this.queuedMs[best] += bestDuration;
    this.durations.set(request, bestDuration);
    return this.serve(view);
  }

  onCompletion(_request: Request, view: ClusterView): readonly Decision[] {
    return this.serve(view);
  }

  /** When GPU g is predicted to finish what it runs now. */
  private freeAt(g: number, view: ClusterView): number {
    return view.gpus[g].running.length > 0 ? Math.max(view.now, this.busyUntil[g]) : view.now;
  }

  private predictAlone(request: Request, g: number, view: ClusterView): number {
    const p = view.predictor.predict(request, WhatIfGpu.alone(view.gpus[g]), view);
    return p.transferMs + p.executionMs;
  }

  /** Starts the next queued request on every GPU that runs nothing. */
  private serve(view: ClusterView): readonly Decision[] {
    let decisions: Decision[] | undefined;
    const gpus = view.gpus;
    for (let g = 0; g < this.queues.length; g++) {
      if (gpus[g].running.length > 0 || gpus[g].queuedCount > 0) continue;
      const queue = this.queues[g];
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const duration = this.durations.get(next)!;
        this.durations.delete(next);
        this.queuedMs[g] = queue.length === 0 ? 0 : this.queuedMs[g] - duration;
        if (this.options.dropLate && view.now + duration > next.deadline) {
          (decisions ??= []).push({ kind: 'drop', request: next });
          continue;
        }
        this.busyUntil[g] = view.now + duration;
        (decisions ??= []).push({ kind: 'dispatch', request: next, gpu: g });
        break;
      }
    }
    return decisions ?? NO_DECISIONS;
  }

  private ensureGpus(view: ClusterView): void {
    for (let g = this.queues.length; g < view.gpus.length; g++) {
      this.queues.push(new Fifo());
      this.queuedMs.push(0);
      this.busyUntil.push(0);
    }
  }
}
