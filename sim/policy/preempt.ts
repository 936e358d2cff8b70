import type { Request } from '../model/request.ts';
import type { ClusterView, Decision, Policy, PreemptMode } from './policy.ts';
import { ModelQueues, priorityOrder } from './queue-policy.ts';
import { WatchedFreeSlots } from './watched-free-slots.ts';
import type { Ms } from '../core/units.ts';

export interface PreemptOptions {
  /** kill: stop at once, losing progress; phase-boundary: suspend at the next phase end, keeping it. @default 'kill' */
  readonly mode: PreemptMode;
  /** GPU stall per preemption. @default 0.1 */
  readonly costMs: Ms;
  /** A low request preempted this many times is not preempted again (Infinity: no limit). @default Infinity */
  readonly maxPreemptionsPerRequest: number;
}

export const PREEMPT_DEFAULTS: PreemptOptions = { mode: 'kill', costMs: 0.1, maxPreemptionsPerRequest: Infinity };

/**
 * Software-defined preemption in the style of REEF. Requests wait centrally in static
 * priority order (high before low, first come first served within a class) and take
 * free slots like the priority policy. A high-priority request that finds no free slot
 * on a GPU hosting its model preempts one low-priority request running on such a GPU
 * (the one started most recently, so the least work is lost; not one already in its
 * output transfer, nor one already being preempted) and is dispatched to that GPU:
 * - kill: the victim stops at once and loses its progress; the high request takes its
 *   slot now; the victim waits again centrally, in its place by arrival.
 * - phase-boundary: the victim finishes its current phase, then is suspended keeping
 *   its progress; the high request waits in that GPU's local queue until then. The
 *   suspended victim later resumes on the same GPU (never elsewhere, which would lose
 *   its progress), taking a free slot there before younger low requests.
 * Each preemption stalls the GPU for costMs. A low request already preempted
 * maxPreemptionsPerRequest times is left to finish.
 */
export class PreemptPolicy implements Policy {
  readonly name = 'preempt';
  private readonly queues = new ModelQueues(priorityOrder);
  /** Free slots, indexed and updated only where a GPU changed. */
  private readonly slots = new WatchedFreeSlots();
  private readonly skip: boolean[] = [];
  /** Victims of a phase-boundary preemption that have not stopped yet, with their GPU. */
  private readonly suspending = new Map<Request, number>();
  /** Per GPU: requests suspended there with their progress, in priority order. */
  private readonly resumes: Request[][] = [];
  /** The GPUs whose resumes list is not empty (any order): fill looks at these, not at every GPU. */
  private readonly resumeGpus: number[] = [];

  constructor(private readonly options: PreemptOptions = PREEMPT_DEFAULTS) {}

  onArrival(request: Request, view: ClusterView): readonly Decision[] {
    this.queues.push(request);
    const decisions: Decision[] = [];
    this.fill(view, decisions);
    if (request.priority === 'high') this.preemptForHigh(view, decisions);
    return decisions;
  }

  onCompletion(request: Request, view: ClusterView): readonly Decision[] {
    // A victim in its last phase completes instead of being suspended.
    this.suspending.delete(request);
    const decisions: Decision[] = [];
    this.fill(view, decisions);
    return decisions;
  }

  onPreempted(request: Request, view: ClusterView): readonly Decision[] {
    const gpu = this.suspending.get(request);
    if (gpu !== undefined) {
      this.suspending.delete(request);
      const list = (this.resumes[gpu] ??= []);
      if (list.length === 0) this.resumeGpus.push(gpu);
      insertInOrder(list, request);
    } else {
      this.queues.push(request);
    }
    const decisions: Decision[] = [];
    this.fill(view, decisions);
    return decisions;
  }

  /** Binds waiting and suspended requests to free slots, in priority order. */
  private fill(view: ClusterView, decisions: Decision[]): void {
    const gpus = view.gpus;
    const slots = this.slots;
    if (this.queues.size === 0 && this.resumeGpus.length === 0) return;
    slots.refresh(gpus);
    if (!slots.anyFreeAnywhere()) return; // every GPU busy: nothing waiting or suspended can go
    for (;;) {
      const q = this.queues.firstWithFree(gpus, slots);
      const r = this.firstResume(slots);
      const resumeGpu = r < 0 ? -1 : this.resumeGpus[r];
      if (resumeGpu >= 0 && (q < 0 || priorityOrder(this.resumes[resumeGpu][0], this.queues.head(q)!))) {
        slots.take(resumeGpu);
        const list = this.resumes[resumeGpu];
        decisions.push({ kind: 'dispatch', request: list.shift()!, gpu: resumeGpu });
        if (list.length === 0) this.resumeGpus.splice(r, 1);
        continue;
      }
      if (q < 0) break;
      const target = slots.mostFree(this.queues.hosts(q, gpus));
      slots.take(target);
      decisions.push({ kind: 'dispatch', request: this.queues.pop(q)!, gpu: target });
    }
  }

  /**
   * The position in resumeGpus of the GPU with a free slot whose first suspended request
   * comes first in priority order, or -1. The order is strict (ids break ties), so the
   * answer does not depend on the order of resumeGpus.
   */
  private firstResume(slots: WatchedFreeSlots): number {
    let best = -1;
    for (let i = 0; i < this.resumeGpus.length; i++) {
      const g = this.resumeGpus[i];
      if (slots.get(g) <= 0) continue;
      if (best < 0 || priorityOrder(this.resumes[g][0], this.resumes[this.resumeGpus[best]][0])) best = i;
    }
    return best;
  }

  /**
   * After fill, any high request still waiting found no free slot: each (in priority
   * order) preempts one low request on a GPU hosting its model, while there are some.
   */
  private preemptForHigh(view: ClusterView, decisions: Decision[]): void {
    const gpus = view.gpus;
    const skip = this.skip;
    skip.fill(false); // not length = 0: a runtime call that also drops the backing store
    let taken: Set<Request> | undefined;
    for (;;) {
      let q = -1;
      for (let i = 0; i < this.queues.count; i++) {
        const head = this.queues.head(i);
        if (head === undefined || head.priority !== 'high' || skip[i]) continue;
        if (q < 0 || priorityOrder(head, this.queues.head(q)!)) q = i;
      }
      if (q < 0) return;
      const victim = this.victim(this.queues.hosts(q, gpus), view, taken);
      if (victim === undefined) {
        skip[q] = true;
        continue;
      }
      (taken ??= new Set()).add(victim);
      const { mode, costMs } = this.options;
      if (mode === 'phase-boundary') this.suspending.set(victim, victim.gpu);
      decisions.push({ kind: 'preempt', request: victim, mode, costMs });
      decisions.push({ kind: 'dispatch', request: this.queues.pop(q)!, gpu: victim.gpu });
    }
  }

  /** The low request started most recently on one of `hosts` that may be preempted. */
  private victim(hosts: readonly number[], view: ClusterView, taken: Set<Request> | undefined): Request | undefined {
    let best: Request | undefined;
    for (const g of hosts) {
      for (const r of view.gpus[g].running) {
        if (r.priority !== 'low' || (r.state !== 'transfer-in' && r.state !== 'executing')) continue;
        if (r.preemptions >= this.options.maxPreemptionsPerRequest || this.suspending.has(r) || taken?.has(r)) continue;
        if (best === undefined || r.dispatchedAt > best.dispatchedAt || (r.dispatchedAt === best.dispatchedAt && r.id > best.id)) best = r;
      }
    }
    return best;
  }
}

function insertInOrder(list: Request[], request: Request): void {
  let i = list.length;
  while (i > 0 && priorityOrder(request, list[i - 1])) i--;
  list.splice(i, 0, request);
}
