import type { Request } from '../model/request.ts';
import type { ClusterView, Decision, Policy, PreemptMode } from './policy.ts';
import { ModelQueues, freeSlots, mostFree, priorityOrder } from './queue-policy.ts';
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
  private readonly free: number[] = [];
  private readonly skip: boolean[] = [];
  /** Victims of a phase-boundary preemption that have not stopped yet, with their GPU. */
  private readonly suspending = new Map<Request, number>();
  /** Per GPU: requests suspended there with their progress, in priority order. */
  private readonly resumes: Request[][] = [];

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
      insertInOrder((this.resumes[gpu] ??= []), request);
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
    const free = this.free;
    if (!freeSlots(gpus, free)) return;
    for (;;) {
      const q = this.queues.first(gpus, free);
      let resumeGpu = -1;
      for (let g = 0; g < gpus.length; g++) {
        const list = this.resumes[g];
        if (free[g] <= 0 || list === undefined || list.length === 0) continue;
        if (resumeGpu < 0 || priorityOrder(list[0], this.resumes[resumeGpu][0])) resumeGpu = g;
      }
      if (resumeGpu >= 0 && (q < 0 || priorityOrder(this.resumes[resumeGpu][0], this.queues.head(q)!))) {
        free[resumeGpu]--;
        decisions.push({ kind: 'dispatch', request: this.resumes[resumeGpu].shift()!, gpu: resumeGpu });
        continue;
      }
      if (q < 0) break;
      const target = mostFree(this.queues.hosts(q, gpus), free);
      free[target]--;
      decisions.push({ kind: 'dispatch', request: this.queues.pop(q)!, gpu: target });
    }
  }

  /**
   * After fill, any high request still waiting found no free slot: each (in priority
   * order) preempts one low request on a GPU hosting its model, while there are some.
   */
  private preemptForHigh(view: ClusterView, decisions: Decision[]): void {
    const gpus = view.gpus;
    const skip = this.skip;
    skip.length = 0;
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
