import { BinaryHeap } from '../core/binary-heap.ts';
import type { Request } from '../model/request.ts';
import { NO_DECISIONS, type ClusterView, type Decision, type Policy } from './policy.ts';

/** A strict order on waiting requests: true when `a` should be served before `b`. */
export type ServiceOrder = (a: Request, b: Request) => boolean;

/**
 * The shared mechanism of the work-conserving queue policies (fifo, edf, priority):
 * requests wait centrally, one heap per model in the policy's order, and are bound
 * to a GPU only when one hosting their model has a free slot (late binding, no
 * local queues). The next request served is the first in the order among the heads
 * of the models the free GPU hosts; among several free GPUs the one with the most
 * free slots takes it, so load spreads.
 */
export class QueuePolicy implements Policy {
  // Parallel arrays (one entry per model seen), iterated without allocation.
  private readonly queueModels: string[] = [];
  private readonly queueList: BinaryHeap<Request>[] = [];
  private readonly queues = new Map<string, BinaryHeap<Request>>();
  private readonly hosts = new Map<string, number[]>();
  private readonly free: number[] = [];

  constructor(
    readonly name: string,
    private readonly order: ServiceOrder,
  ) {}

  onArrival(request: Request, view: ClusterView): readonly Decision[] {
    this.enqueue(request);
    return this.fill(view);
  }

  onCompletion(_request: Request, view: ClusterView): readonly Decision[] {
    return this.fill(view);
  }

  onPreempted(request: Request, view: ClusterView): readonly Decision[] {
    this.enqueue(request);
    return this.fill(view);
  }

  private enqueue(request: Request): void {
    let queue = this.queues.get(request.model.name);
    if (queue === undefined) {
      queue = new BinaryHeap(this.order);
      this.queues.set(request.model.name, queue);
      this.queueModels.push(request.model.name);
      this.queueList.push(queue);
    }
    queue.push(request);
  }

  /** Binds waiting requests to free slots until no free GPU can take any. */
  private fill(view: ClusterView): readonly Decision[] {
    const gpus = view.gpus;
    const free = this.free;
    let anyFree = false;
    for (let g = 0; g < gpus.length; g++) {
      const slots = gpus[g].queuedCount === 0 ? gpus[g].freeSlots : 0;
      free[g] = slots;
      if (slots > 0) anyFree = true;
    }
    if (!anyFree) return NO_DECISIONS;

    let decisions: Decision[] | undefined;
    for (;;) {
      let best: Request | undefined;
      let bestQueue: BinaryHeap<Request> | undefined;
      let bestHosts: readonly number[] = [];
      for (let q = 0; q < this.queueList.length; q++) {
        const queue = this.queueList[q];
        const head = queue.peek();
        if (head === undefined || (best !== undefined && !this.order(head, best))) continue;
        const hosts = this.hostsOf(this.queueModels[q], gpus);
        if (!anyFreeAmong(hosts, free)) continue;
        best = head;
        bestQueue = queue;
        bestHosts = hosts;
      }
      if (best === undefined || bestQueue === undefined) break;
      let target = -1;
      for (const g of bestHosts) if (free[g] > 0 && (target < 0 || free[g] > free[target])) target = g;
      bestQueue.pop();
      free[target]--;
      (decisions ??= []).push({ kind: 'dispatch', request: best, gpu: target });
    }
    return decisions ?? NO_DECISIONS;
  }

  /** GPUs hosting a model, in index order (the GPU set is fixed for a run). */
  private hostsOf(model: string, gpus: ClusterView['gpus']): readonly number[] {
    let hosts = this.hosts.get(model);
    if (hosts === undefined) {
      hosts = [];
      for (let g = 0; g < gpus.length; g++) if (gpus[g].hosts(model)) hosts.push(g);
      this.hosts.set(model, hosts);
    }
    return hosts;
  }
}

function anyFreeAmong(gpus: readonly number[], free: readonly number[]): boolean {
  for (let i = 0; i < gpus.length; i++) if (free[gpus[i]] > 0) return true;
  return false;
}

const byArrival: ServiceOrder = (a, b) => a.arrival < b.arrival || (a.arrival === b.arrival && a.id < b.id);

/** First come, first served. */
export const fifoOrder: ServiceOrder = byArrival;

/** Earliest deadline first; ties by arrival. */
export const edfOrder: ServiceOrder = (a, b) => a.deadline < b.deadline || (a.deadline === b.deadline && byArrival(a, b));

/** High priority before low, first come first served within a class; no preemption. */
export const priorityOrder: ServiceOrder = (a, b) =>
  a.priority !== b.priority ? a.priority === 'high' : byArrival(a, b);
