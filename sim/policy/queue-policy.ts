import { BinaryHeap } from '../core/binary-heap.ts';
import type { GpuView } from '../cluster/gpu-state.ts';
import type { ModelProfile } from '../model/profile.ts';
import type { Request } from '../model/request.ts';
import { HostingGpus } from './hosting-gpus.ts';
import { NO_DECISIONS, type ClusterView, type Decision, type Policy } from './policy.ts';
import { slotsBeyondReserve, slotsForNewWork, WatchedFreeSlots } from './watched-free-slots.ts';

/** A strict order on waiting requests: true when `a` should be served before `b`. */
export type ServiceOrder = (a: Request, b: Request) => boolean;

/**
 * Central waiting requests, one heap per model in a service order, with each model's
 * hosting GPUs. The queue index of a model is stable for the run, so callers can keep
 * per-queue flags in plain arrays. Iterated without allocation (the hot path of every
 * work-conserving policy).
 */
export class ModelQueues {
  private readonly models: string[] = [];
  private readonly heaps: BinaryHeap<Request>[] = [];
  private readonly indexOf = new Map<string, number>();
  private readonly hostLists: (readonly number[])[] = [];
  private readonly hosting = new HostingGpus();
  private total = 0;
  // The model asked about last and its queue: most arrivals name the model the one
  // before did, and an identity check is cheaper than the map's hash of its name.
  private lastModel: ModelProfile | undefined = undefined;
  private lastQueue = -1;

  constructor(readonly order: ServiceOrder) {}

  /** Number of model queues (some may be empty). */
  get count(): number {
    return this.heaps.length;
  }

  /** Requests waiting in all queues. */
  get size(): number {
    return this.total;
  }

  push(request: Request): void {
    this.pushAt(this.queueOf(request), request);
  }

  /** The index of the queue for a request's model (made on first sight, empty). */
  queueOf(request: Request): number {
    const model = request.model;
    if (model === this.lastModel) return this.lastQueue;
    let q = this.indexOf.get(model.name);
    if (q === undefined) {
      q = this.heaps.length;
      this.indexOf.set(model.name, q);
      this.models.push(model.name);
      this.heaps.push(new BinaryHeap(this.order));
    }
    this.lastModel = model;
    this.lastQueue = q;
    return q;
  }

  /** push() to a queue already looked up with queueOf(). */
  pushAt(q: number, request: Request): void {
    this.heaps[q].push(request);
    this.total++;
  }

  head(q: number): Request | undefined {
    return this.heaps[q].peek();
  }

  pop(q: number): Request | undefined {
    const request = this.heaps[q].pop();
    if (request !== undefined) this.total--;
    return request;
  }

  /**
   * GPUs hosting queue q's model, in index order (the GPU set is fixed for a run);
   * queues of models on the same GPUs get the same list (HostingGpus).
   */
  hosts(q: number, gpus: readonly GpuView[]): readonly number[] {
    let hosts = this.hostLists[q];
    if (hosts === undefined) this.hostLists[q] = hosts = this.hosting.of(this.models[q], gpus);
    return hosts;
  }

  /**
   * The queue whose head comes first in the order among those with a hosting GPU
   * that has free[g] > 0 (and not skip[q]); -1 when there is none.
   */
  first(gpus: readonly GpuView[], free: readonly number[], skip?: readonly boolean[]): number {
    let best = -1;
    let bestHead: Request | undefined;
    for (let q = 0; q < this.heaps.length; q++) {
      const head = this.heaps[q].peek();
      if (head === undefined || (bestHead !== undefined && !this.order(head, bestHead))) continue;
      if (skip !== undefined && skip[q]) continue;
      if (!anyFreeAmong(this.hosts(q, gpus), free)) continue;
      best = q;
      bestHead = head;
    }
    return best;
  }

  /** first(), with free slots from an index: O(queues), not O(queues x GPUs). */
  firstWithFree(gpus: readonly GpuView[], slots: WatchedFreeSlots, skip?: readonly boolean[]): number {
    let best = -1;
    let bestHead: Request | undefined;
    for (let q = 0; q < this.heaps.length; q++) {
      const head = this.heaps[q].peek();
      if (head === undefined || (bestHead !== undefined && !this.order(head, bestHead))) continue;
      if (skip !== undefined && skip[q]) continue;
      if (!slots.anyFree(this.hosts(q, gpus))) continue;
      best = q;
      bestHead = head;
    }
    return best;
  }
}

/** Whether any of `gpus` has free[g] > 0. */
export function anyFreeAmong(gpus: readonly number[], free: readonly number[]): boolean {
  for (let i = 0; i < gpus.length; i++) if (free[gpus[i]] > 0) return true;
  return false;
}

/** The GPU among `gpus` with the most free[g] (the lowest index on ties), or -1. */
export function mostFree(gpus: readonly number[], free: readonly number[]): number {
  let target = -1;
  for (const g of gpus) if (free[g] > 0 && (target < 0 || free[g] > free[target])) target = g;
  return target;
}

/**
 * Fills free[g] with the slots a newly dispatched request could take at once on each
 * GPU (none while its local queue holds anything); returns whether any is free.
 */
export function freeSlots(gpus: readonly GpuView[], free: number[]): boolean {
  let anyFree = false;
  for (let g = 0; g < gpus.length; g++) {
    free[g] = slotsForNewWork(gpus[g]);
    if (free[g] > 0) anyFree = true;
  }
  return anyFree;
}

export interface QueuePolicyOptions {
  /**
   * Slots per GPU that low-priority work leaves free for high requests yet to come,
   * as strait's reserve: a low request takes a slot only where more than this many are
   * free (at most all but one are reserved). Makes the policy no longer work-conserving
   * for low work; a knob for fair comparisons. @default 0 (work-conserving)
   */
  readonly reserveSlots: number;
}

export const QUEUE_POLICY_DEFAULTS: QueuePolicyOptions = { reserveSlots: 0 };

/**
 * The shared mechanism of the work-conserving queue policies (fifo, edf, priority):
 * requests wait centrally, one heap per model in the policy's order, and are bound
 * to a GPU only when one hosting their model has a free slot (late binding, no
 * local queues). The next request served is the first in the order among the heads
 * of the models the free GPU hosts; among several free GPUs the one with the most
 * free slots takes it, so load spreads.
 *
 * With reserveSlots > 0, low requests wait in heaps of their own (same order), so a
 * low head held back by the reserve never blocks a high request of its model; the
 * next request served is still the first in the order among all heads that may go.
 */
export class QueuePolicy implements Policy {
  private readonly queues: ModelQueues;
  /** Low requests, apart only while a reserve holds them back (undefined: in `queues`). */
  private readonly lows: ModelQueues | undefined;
  /** Free slots for fill, indexed and updated only where a GPU changed. */
  private readonly slots = new WatchedFreeSlots();
  /** The same less each GPU's reserve: what low requests may take (with a reserve only). */
  private readonly slotsForLow: WatchedFreeSlots | undefined;

  constructor(
    readonly name: string,
    private readonly order: ServiceOrder,
    private readonly options: QueuePolicyOptions = QUEUE_POLICY_DEFAULTS,
  ) {
    this.queues = new ModelQueues(order);
    this.lows = options.reserveSlots > 0 ? new ModelQueues(order) : undefined;
    this.slotsForLow = options.reserveSlots > 0 ? new WatchedFreeSlots(slotsBeyondReserve(options.reserveSlots)) : undefined;
  }

  onArrival(request: Request, view: ClusterView): readonly Decision[] {
    if (this.lows === undefined && this.queues.size === 0) return this.admitAlone(request, view);
    this.push(request);
    return this.fill(view);
  }

  /**
   * An arrival when nothing waits (the common case below saturation): it is the only
   * head, so fill() would dispatch it to its model's GPU with the most free slots, or
   * leave it queued. The same decision, without a pass through the heaps.
   */
  private admitAlone(request: Request, view: ClusterView): readonly Decision[] {
    const gpus = view.gpus;
    const slots = this.slots;
    slots.refresh(gpus);
    const q = this.queues.queueOf(request);
    const target = slots.mostFree(this.queues.hosts(q, gpus));
    if (target < 0) {
      this.queues.pushAt(q, request);
      return NO_DECISIONS;
    }
    slots.take(target);
    return [{ kind: 'dispatch', request, gpu: target }];
  }

  onCompletion(_request: Request, view: ClusterView): readonly Decision[] {
    return this.fill(view);
  }

  onPreempted(request: Request, view: ClusterView): readonly Decision[] {
    this.push(request);
    return this.fill(view);
  }

  private push(request: Request): void {
    if (this.lows !== undefined && request.priority === 'low') this.lows.push(request);
    else this.queues.push(request);
  }

  /** Binds waiting requests to free slots until no free GPU can take any. */
  private fill(view: ClusterView): readonly Decision[] {
    if (this.lows !== undefined) return this.fillWithReserve(view, this.lows, this.slotsForLow!);
    if (this.queues.size === 0) return NO_DECISIONS; // a completion with nothing waiting: the common case below saturation
    const gpus = view.gpus;
    const slots = this.slots;
    slots.refresh(gpus);
    // Every GPU busy (an arrival to a saturated cluster): no queue's head can go.
    if (!slots.anyFreeAnywhere()) return NO_DECISIONS;
    let decisions: Decision[] | undefined;
    for (;;) {
      const q = this.queues.firstWithFree(gpus, slots);
      if (q < 0) break;
      const target = slots.mostFree(this.queues.hosts(q, gpus));
      slots.take(target);
      const decision: Decision = { kind: 'dispatch', request: this.queues.pop(q)!, gpu: target };
      // A literal of one: `[]` then push() would allocate room for 17.
      if (decisions === undefined) decisions = [decision];
      else decisions.push(decision);
    }
    return decisions ?? NO_DECISIONS;
  }

  /** fill with low requests apart: each pass serves whichever head comes first among those that may go. */
  private fillWithReserve(view: ClusterView, lows: ModelQueues, slotsForLow: WatchedFreeSlots): readonly Decision[] {
    if (this.queues.size + lows.size === 0) return NO_DECISIONS;
    const gpus = view.gpus;
    const slots = this.slots;
    slots.refresh(gpus);
    slotsForLow.refresh(gpus);
    // Every GPU busy: no head can go (slots beyond the reserve are fewer still).
    if (!slots.anyFreeAnywhere()) return NO_DECISIONS;
    let decisions: Decision[] | undefined;
    for (;;) {
      const q = this.queues.firstWithFree(gpus, slots);
      const l = lows.firstWithFree(gpus, slotsForLow);
      if (q < 0 && l < 0) break;
      const fromLow = q < 0 || (l >= 0 && this.order(lows.head(l)!, this.queues.head(q)!));
      const queues = fromLow ? lows : this.queues;
      const index = fromLow ? l : q;
      const target = (fromLow ? slotsForLow : slots).mostFree(queues.hosts(index, gpus));
      // A slot taken leaves one fewer beyond the reserve, if any was.
      slots.take(target);
      slotsForLow.take(target);
      const decision: Decision = { kind: 'dispatch', request: queues.pop(index)!, gpu: target };
      if (decisions === undefined) decisions = [decision];
      else decisions.push(decision);
    }
    return decisions ?? NO_DECISIONS;
  }
}

const byArrival: ServiceOrder = (a, b) => a.arrival < b.arrival || (a.arrival === b.arrival && a.id < b.id);

/** First come, first served. */
export const fifoOrder: ServiceOrder = byArrival;

/** Earliest deadline first; ties by arrival. */
export const edfOrder: ServiceOrder = (a, b) => a.deadline < b.deadline || (a.deadline === b.deadline && byArrival(a, b));

/** High priority before low, first come first served within a class; no preemption. */
export const priorityOrder: ServiceOrder = (a, b) =>
  a.priority !== b.priority ? a.priority === 'high' : byArrival(a, b);

/** High priority before low, earliest deadline first within a class. */
export const priorityEdfOrder: ServiceOrder = (a, b) =>
  a.priority !== b.priority ? a.priority === 'high' : edfOrder(a, b);
