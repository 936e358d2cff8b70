import type { GpuView } from '../cluster/gpu-state.ts';
import { HostingGpus } from './hosting-gpus.ts';
import { HostsByClass } from './hosts-by-class.ts';
import { d2hSetupMs } from '../cluster/cluster-spec.ts';
import { requestPhaseSoloMs, requestSoloExecutionMs } from '../model/profile.ts';
import type { Request } from '../model/request.ts';
import { NO_DECISIONS, type ClusterView, type Decision, type Policy } from './policy.ts';
import { ModelQueues, edfOrder, priorityEdfOrder } from './queue-policy.ts';
import { slotsBeyondReserve, WatchedFreeSlots } from './watched-free-slots.ts';
import { WhatIfGpu } from './what-if-gpu.ts';
import type { Ms } from '../core/units.ts';

export type LateAction = 'drop' | 'defer';

export interface StraitOptions {
  /** What to do with a request predicted to miss its deadline anyway. @default 'drop' */
  readonly lateAction: LateAction;
  /** Slots per GPU that low-priority (and deferred) work leaves free for high arrivals. @default 1 */
  readonly reserveSlots: number;
  /** A high request counts as meeting its deadline only if predicted to finish this much before it. @default 0 */
  readonly marginMs: Ms;
  /** While low work is held back for interference, look again after this long (0: only on arrivals and completions). @default 0 */
  readonly recheckMs: Ms;
}

export const STRAIT_DEFAULTS: StraitOptions = { lateAction: 'drop', reserveSlots: 1, marginMs: 0, recheckMs: 0 };

/**
 * Strait: priority- and interference-aware scheduling driven by the scenario's predictor
 * (solo, static or adaptive, so the three can be compared under one policy).
 *
 * High-priority requests go first. They wait centrally, earliest deadline first, and
 * take free slots before any low work; each goes to the free GPU hosting its model with
 * the earliest predicted completion (the predictor sees the co-runners it would join).
 * Binding late, when a slot frees, rather than to a GPU's local queue on arrival, keeps
 * a misjudged wait from stranding a high request behind a slow GPU.
 *
 * Low-priority requests wait centrally, earliest deadline first (one queue per model),
 * and take a free slot only where the predictor says no high request on that GPU
 * (running, or being dispatched there in the same decision) would miss its deadline
 * because of them: for each such request h, its completion is predicted with its
 * current co-runners and with the candidate added, and the candidate is held back if h
 * meets its deadline (less marginMs) without it and misses with it. Low work leaves
 * reserveSlots slots of each GPU free (at most all but one) for high requests yet to
 * come: the interference check protects the high requests present, the reserve those
 * arriving later. Low work never takes a slot a waiting high request could use.
 *
 * A request predicted to miss its deadline anyway (a high one on its best GPU at
 * arrival, counting the wait for a slot; a low one on its best free GPU when it is
 * examined) is dropped at once (lateAction "drop"), so it consumes no capacity, or
 * deferred ("defer"): it waits behind all other work and runs only on capacity nothing
 * else wants (as low work: within the reserve, subject to the interference check).
 *
 * How a running request's completion is predicted with one-request predictions: the
 * predictor is asked about h on a WhatIfGpu holding h's co-runners (without h itself,
 * so h reads as joining them; with or without the candidate). Its slowdown rho (predicted
 * over solo execution) is applied to h's remaining solo work: for a request executing
 * phase k, solo - elapsed / rho, kept between the solo time of the phases after k and
 * that of the phases from k on; all of it before execution. The output transfer (the
 * input's too, before execution) is added from the predicted transfer time. Limits:
 * the co-location set is taken as fixed for the rest of h's life; the progress inside
 * the current phase is estimated from elapsed time; the candidate's own transfer is not
 * added to the link load; only requests holding a slot are co-runners.
 * Requests are re-examined on every arrival and completion (and every recheckMs while
 * some are held back): a held-back request waits at most until the high request
 * blocking it completes. Within one model's queue only the head is examined, so a
 * held-back head holds back that model's later low requests until the next look.
 */
export class StraitPolicy implements Policy {
  readonly name = 'strait';
  private readonly highs = new ModelQueues(edfOrder);
  private readonly lows = new ModelQueues(edfOrder);
  private readonly deferred = new ModelQueues(priorityEdfOrder);
  /** Free slots, indexed and updated only where a GPU changed. */
  private readonly slots = new WatchedFreeSlots();
  /** The same beyond each GPU's reserve: what low and deferred work may take. */
  private readonly slotsForLow: WatchedFreeSlots;
  // The arrays below are reused from pass to pass with a count or a fill, never cut
  // with `length = 0`: V8 sets an array's length in a runtime call and drops its backing
  // store, which the next push allocates again (on the mix under strait, about 5% of
  // the instructions per request, `npm run bench:instructions -- --variants mix
  // --mix-policy strait --profile 25`).
  private readonly skip: boolean[] = [];
  /** Per GPU: requests dispatched in the pass being decided (not yet in the view); undefined when none. */
  private readonly pending: (Request[] | undefined)[] = [];
  /** The GPUs with pending requests in this pass, the first pendingGpuCount, so a pass clears only those. */
  private readonly pendingGpus: number[] = [];
  private pendingGpuCount = 0;
  /** Per model: the GPUs hosting it, ascending (the GPU set is fixed for a run). */
  private readonly hosting = new HostingGpus();
  /** The same split by the predictor's GPU classes, where it has them. */
  private readonly classes = new HostsByClass();
  /** In chooseLowByClass, per (class, free-slot count) with a free GPU: the class list, the count and the predicted completion. */
  private readonly bucketLists: (readonly number[])[] = [];
  private readonly bucketSlots: number[] = [];
  private readonly bucketCompletions: number[] = [];
  /** What chooseLow or chooseLowByClass found for the request being admitted. */
  private choice = { bestAny: Infinity, target: -1, harmful: false };
  private wakeAt = NaN;

  constructor(private readonly options: StraitOptions = STRAIT_DEFAULTS) {
    this.slotsForLow = new WatchedFreeSlots(slotsBeyondReserve(options.reserveSlots));
  }

  onArrival(request: Request, view: ClusterView): readonly Decision[] {
    if (request.priority === 'high') return this.placeHigh(request, view);
    this.lows.push(request);
    return this.fill(view);
  }

  onCompletion(_request: Request, view: ClusterView): readonly Decision[] {
    return this.fill(view);
  }

  onWake(view: ClusterView): readonly Decision[] {
    if (view.now >= this.wakeAt) this.wakeAt = NaN;
    return this.fill(view);
  }

  /** A high request: judged against its deadline on its best GPU (counting any wait for a slot), then queued first in line. */
  private placeHigh(request: Request, view: ClusterView): readonly Decision[] {
    const hosts = this.hosting.of(request.model.name, view.gpus);
    if (hosts.length === 0) return [{ kind: 'reject', request }];
    if (this.meetsDeadlineSomewhere(request, hosts, view)) this.highs.push(request);
    else if (this.options.lateAction === 'drop') return [{ kind: 'drop', request }];
    else this.deferred.push(request);
    return this.fill(view);
  }

  /**
   * Whether the request is predicted to meet its deadline on some GPU of `hosts`. Only
   * the answer matters, not which GPU, so the likeliest are asked first and the first
   * yes ends it: with GPU classes, one GPU per class and free-slot count; without, the
   * GPU with the most free slots. Every host is asked only when none of those meets it.
   * Which GPUs are asked changes nothing else: the adaptive predictor keeps a record of
   * the last GPU it was asked about for a waiting request, but placeHighs or admit ask
   * again before the request is dispatched, and a dropped request's record is never read.
   */
  private meetsDeadlineSomewhere(request: Request, hosts: readonly number[], view: ClusterView): boolean {
    const gpus = view.gpus;
    const predictor = view.predictor;
    const slots = this.slots;
    slots.refresh(gpus);
    const classes = this.classes.of(hosts, predictor);
    if (classes !== undefined) {
      for (const list of classes) {
        for (let k = slots.maxSlots(list); k >= 1; k--) {
          const p = slots.nextWith(list, k);
          if (p >= 0 && predictor.predict(request, gpus[list[p]], view).completion <= request.deadline) return true;
        }
      }
    } else {
      const g = slots.mostFree(hosts);
      if (g >= 0 && predictor.predict(request, gpus[g], view).completion <= request.deadline) return true;
    }
    for (let i = 0; i < hosts.length; i++) {
      if (predictor.predict(request, gpus[hosts[i]], view).completion <= request.deadline) return true;
    }
    return false;
  }

  private late(request: Request, decisions: Decision[]): void {
    if (this.options.lateAction === 'drop') decisions.push({ kind: 'drop', request });
    else this.deferred.push(request);
  }

  /** Fills free slots: waiting high requests, then low ones where they harm no high request, then deferred ones. */
  private fill(view: ClusterView): readonly Decision[] {
    if (this.highs.size + this.lows.size + this.deferred.size === 0) return NO_DECISIONS;
    const gpus = view.gpus;
    this.slots.refresh(gpus);
    this.slotsForLow.refresh(gpus);
    const pendingGpus = this.pendingGpus;
    for (let i = 0; i < this.pendingGpuCount; i++) this.pending[pendingGpus[i]] = undefined;
    this.pendingGpuCount = 0;
    // Every GPU busy: nothing can be placed, so nothing is held back by the interference check either.
    if (!this.slots.anyFreeAnywhere()) return NO_DECISIONS;
    const decisions: Decision[] = [];
    this.placeHighs(view, decisions);
    let heldBack = this.admit(this.lows, true, view, decisions);
    heldBack = this.admit(this.deferred, false, view, decisions) || heldBack;
    const recheck = this.options.recheckMs;
    if (heldBack && recheck > 0 && !(this.wakeAt > view.now)) {
      this.wakeAt = view.now + recheck;
      decisions.push({ kind: 'wake', at: this.wakeAt });
    }
    return decisions.length > 0 ? decisions : NO_DECISIONS;
  }

  /** Records a dispatch decided in this pass: the GPU's slot is taken, and later predictions there count the request. */
  private dispatch(request: Request, g: number, decisions: Decision[]): void {
    this.slots.take(g);
    // One slot fewer beyond the reserve too, if there was one.
    this.slotsForLow.take(g);
    const pending = this.pending[g];
    if (pending === undefined) {
      this.pending[g] = [request];
      this.pendingGpus[this.pendingGpuCount++] = g;
    } else {
      pending.push(request);
    }
    decisions.push({ kind: 'dispatch', request, gpu: g });
  }

  /**
   * Waiting high requests take free slots, earliest deadline first, each on its free GPU
   * with the earliest predicted completion (judged late or not once, on arrival).
   */
  private placeHighs(view: ClusterView, decisions: Decision[]): void {
    const gpus = view.gpus;
    const slots = this.slots;
    for (;;) {
      const q = this.highs.firstWithFree(gpus, slots);
      if (q < 0) return;
      const request = this.highs.pop(q)!;
      const hosts = this.highs.hosts(q, gpus);
      const classes = this.classes.of(hosts, view.predictor);
      const target = classes !== undefined ? this.bestFreeByClass(request, classes, view) : this.bestFree(request, hosts, view);
      this.dispatch(request, target, decisions);
    }
  }

  /** The free GPU of `hosts` with the earliest predicted completion, the most free slots on ties, then the lowest index. */
  private bestFree(request: Request, hosts: readonly number[], view: ClusterView): number {
    const gpus = view.gpus;
    const slots = this.slots;
    let target = -1;
    let best = Infinity;
    for (const g of hosts) {
      const free = slots.get(g);
      if (free <= 0) continue;
      const completion = view.predictor.predict(request, this.withPending(gpus[g]), view).completion;
      if (completion < best || (completion === best && free > slots.get(target))) {
        target = g;
        best = completion;
      }
    }
    return target;
  }

  /**
   * bestFree with one prediction per class and free-slot count, asked of the class's
   * first GPU with that many free (the one bestFree's scan would keep of them).
   */
  private bestFreeByClass(request: Request, classes: readonly (readonly number[])[], view: ClusterView): number {
    const gpus = view.gpus;
    const slots = this.slots;
    let target = -1;
    let best = Infinity;
    let bestFree = 0;
    for (const list of classes) {
      for (let k = slots.maxSlots(list); k >= 1; k--) {
        const p = slots.nextWith(list, k);
        if (p < 0) continue;
        const g = list[p];
        const completion = view.predictor.predict(request, this.withPending(gpus[g]), view).completion;
        if (completion < best || (completion === best && (k > bestFree || (k === bestFree && g < target)))) {
          target = g;
          best = completion;
          bestFree = k;
        }
      }
    }
    return target;
  }

  /**
   * One stage of fill over a set of queues; returns whether some head was held back by
   * the interference check. `judgeLate`: a head predicted to miss its deadline on
   * every free GPU is dropped or deferred rather than held.
   */
  private admit(queues: ModelQueues, judgeLate: boolean, view: ClusterView, decisions: Decision[]): boolean {
    const gpus = view.gpus;
    const slots = this.slotsForLow;
    const skip = this.skip;
    skip.fill(false);
    let heldBack = false;
    for (;;) {
      const q = queues.firstWithFree(gpus, slots, skip);
      if (q < 0) return heldBack;
      const request = queues.head(q)!;
      const hosts = queues.hosts(q, gpus);
      const classes = this.classes.of(hosts, view.predictor);
      if (classes === undefined || !this.chooseLowByClass(request, classes, judgeLate, view)) this.chooseLow(request, hosts, judgeLate, view);
      const { bestAny, target, harmful } = this.choice;
      if (judgeLate && bestAny > request.deadline) {
        queues.pop(q);
        this.late(request, decisions);
        continue;
      }
      if (target < 0) {
        if (harmful) heldBack = true;
        skip[q] = true;
        continue;
      }
      queues.pop(q);
      this.dispatch(request, target, decisions);
    }
  }

  /**
   * For admit: among the GPUs of `hosts` with a slot for low work, the earliest
   * predicted completion (bestAny), and the GPU with the earliest among those where the
   * request harms no high request (and meets its deadline, when judgeLate), the lowest
   * index on ties; harmful when some GPU was passed over for harm. Into this.choice.
   */
  private chooseLow(request: Request, hosts: readonly number[], judgeLate: boolean, view: ClusterView): void {
    const gpus = view.gpus;
    const slots = this.slotsForLow;
    let bestAny = Infinity;
    let target = -1;
    let targetCompletion = Infinity;
    let harmful = false;
    for (const g of hosts) {
      if (slots.get(g) <= 0) continue;
      const completion = view.predictor.predict(request, this.withPending(gpus[g]), view).completion;
      if (completion < bestAny) bestAny = completion;
      if (completion >= targetCompletion || (judgeLate && completion > request.deadline)) continue;
      if (!this.harmless(request, gpus[g], view)) {
        harmful = true;
        continue;
      }
      target = g;
      targetCompletion = completion;
    }
    this.choice = { bestAny, target, harmful };
  }

  /**
   * chooseLow with one prediction per class and free-slot count. The buckets are taken
   * in order of completion; in each, GPUs are checked for harm in index order until the
   * first harmless one, and of a completion shared by several buckets, the lowest such
   * index wins: the GPU chooseLow's scan keeps. If no GPU is harmless, all were checked,
   * as in the scan. Returns false, deciding nothing, on a NaN completion (whose order
   * the scan defines GPU by GPU).
   */
  private chooseLowByClass(request: Request, classes: readonly (readonly number[])[], judgeLate: boolean, view: ClusterView): boolean {
    const gpus = view.gpus;
    const slots = this.slotsForLow;
    const lists = this.bucketLists;
    const counts = this.bucketSlots;
    const completions = this.bucketCompletions;
    let n = 0; // buckets found, the first n of each array
    let bestAny = Infinity;
    for (const list of classes) {
      for (let k = slots.maxSlots(list); k >= 1; k--) {
        const p = slots.nextWith(list, k);
        if (p < 0) continue;
        const completion = view.predictor.predict(request, this.withPending(gpus[list[p]]), view).completion;
        if (completion !== completion) return false;
        if (completion < bestAny) bestAny = completion;
        lists[n] = list;
        counts[n] = k;
        completions[n++] = completion;
      }
    }
    let target = -1;
    let harmful = false;
    const done = new Uint8Array(n);
    for (;;) {
      // The least completion not yet tried, among those a target may have.
      let level = Infinity;
      for (let b = 0; b < n; b++) {
        const c = completions[b];
        if (done[b] === 0 && c < level && !(judgeLate && c > request.deadline)) level = c;
      }
      if (level === Infinity) break;
      for (let b = 0; b < n; b++) {
        if (completions[b] !== level) continue;
        done[b] = 1;
        const list = lists[b];
        for (let p = slots.nextWith(list, counts[b]); p >= 0; p = slots.nextWith(list, counts[b], p + 1)) {
          const g = list[p];
          if (target >= 0 && g > target) break;
          if (this.harmless(request, gpus[g], view)) {
            target = g;
            break;
          }
          harmful = true;
        }
      }
      if (target >= 0) break;
    }
    this.choice = { bestAny, target, harmful };
    return true;
  }

  /** The GPU as it will be once this pass's dispatches to it are applied. */
  private withPending(gpu: GpuView): GpuView {
    const pending = this.pending[gpu.index];
    return pending === undefined ? gpu : new WhatIfGpu(gpu, [...gpu.running, ...pending], [...gpu.queued]);
  }

  /** True when no high request running on the GPU is predicted to miss its deadline because of `candidate`. */
  private harmless(candidate: Request, gpu: GpuView, view: ClusterView): boolean {
    const pending = this.pending[gpu.index] ?? NO_REQUESTS;
    for (const high of gpu.running) if (!this.spares(high, candidate, gpu, pending, view)) return false;
    for (const high of pending) if (!this.spares(high, candidate, gpu, pending, view)) return false;
    return true;
  }

  /** False when `high` (running or being dispatched to the GPU) meets its deadline without `candidate` and misses it with. */
  private spares(high: Request, candidate: Request, gpu: GpuView, pending: readonly Request[], view: ClusterView): boolean {
    if (high.priority !== 'high' || high.state === 'transfer-out') return true;
    const others: Request[] = [];
    for (const r of gpu.running) if (r !== high) others.push(r);
    for (const r of pending) if (r !== high) others.push(r);
    const goal = high.deadline - this.options.marginMs;
    const [without, withCandidate] = this.predictFinish(high, gpu, others, candidate, view);
    return !(without <= goal && withCandidate > goal);
  }

  /** Predicted completion of a running request among `others`, without and with `extra` added. */
  private predictFinish(request: Request, gpu: GpuView, others: Request[], extra: Request, view: ClusterView): [number, number] {
    // Numbers, not the predictions: a predictor may rewrite its answer on the next call.
    const before = view.predictor.predict(request, new WhatIfGpu(gpu, others), view);
    const executionBefore = before.executionMs;
    const transferBefore = before.transferMs;
    others.push(extra);
    const after = view.predictor.predict(request, new WhatIfGpu(gpu, others), view);
    const solo = requestSoloExecutionMs(request);
    const rhoBefore = solo > 0 ? executionBefore / solo : 1;
    const rhoAfter = solo > 0 ? after.executionMs / solo : 1;
    let remaining = solo;
    let transferShare = 1;
    if (request.state === 'executing') {
      let fromCurrent = 0;
      for (let k = request.phase; k < request.model.phases.length; k++) fromCurrent += requestPhaseSoloMs(request, k);
      const afterCurrent = fromCurrent - requestPhaseSoloMs(request, request.phase);
      const byElapsed = solo - (view.now - request.executionStart) / rhoBefore;
      remaining = Math.min(fromCurrent, Math.max(afterCurrent, byElapsed));
      transferShare = outputShare(request, gpu);
    }
    return [
      view.now + remaining * rhoBefore + transferBefore * transferShare,
      view.now + remaining * rhoAfter + after.transferMs * transferShare,
    ];
  }
}

const NO_REQUESTS: readonly Request[] = Object.freeze([]);

/** The output transfer's share of a request's uncontended transfer time on a GPU's link. */
function outputShare(request: Request, gpu: GpuView): number {
  const link = gpu.spec.link;
  const input = link.setupMs + request.inputBytes / link.h2dBytesPerMs;
  const output = d2hSetupMs(link) + request.outputBytes / link.d2hBytesPerMs;
  return input + output > 0 ? output / (input + output) : 0;
}
