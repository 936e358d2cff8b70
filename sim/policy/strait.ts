import type { GpuView } from '../cluster/gpu-state.ts';
import { HostingGpus } from './hosting-gpus.ts';
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
  private readonly skip: boolean[] = [];
  /** Per GPU: requests dispatched in the pass being decided (not yet in the view). */
  private readonly pending: Request[][] = [];
  /** The GPUs with pending requests in this pass, so a pass clears only those. */
  private readonly pendingGpus: number[] = [];
  /** Per model: the GPUs hosting it, ascending (the GPU set is fixed for a run). */
  private readonly hosting = new HostingGpus();
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
    const gpus = view.gpus;
    const hosts = this.hosting.of(request.model.name, gpus);
    let bestCompletion = Infinity;
    for (let i = 0; i < hosts.length; i++) {
      const completion = view.predictor.predict(request, gpus[hosts[i]], view).completion;
      if (completion < bestCompletion) bestCompletion = completion;
    }
    if (hosts.length === 0) return [{ kind: 'reject', request }];
    if (bestCompletion <= request.deadline) this.highs.push(request);
    else if (this.options.lateAction === 'drop') return [{ kind: 'drop', request }];
    else this.deferred.push(request);
    return this.fill(view);
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
    for (let i = 0; i < pendingGpus.length; i++) this.pending[pendingGpus[i]].length = 0;
    pendingGpus.length = 0;
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
    const pending = (this.pending[g] ??= []);
    if (pending.length === 0) this.pendingGpus.push(g);
    pending.push(request);
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
      let target = -1;
      let best = Infinity;
      for (const g of this.highs.hosts(q, gpus)) {
        const free = slots.get(g);
        if (free <= 0) continue;
        const completion = view.predictor.predict(request, this.withPending(gpus[g]), view).completion;
        if (completion < best || (completion === best && free > slots.get(target))) {
          target = g;
          best = completion;
        }
      }
      this.dispatch(request, target, decisions);
    }
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
    skip.length = 0;
    let heldBack = false;
    for (;;) {
      const q = queues.firstWithFree(gpus, slots, skip);
      if (q < 0) return heldBack;
      const request = queues.head(q)!;
      let bestAny = Infinity;
      let target = -1;
      let targetCompletion = Infinity;
      let harmful = false;
      for (const g of queues.hosts(q, gpus)) {
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

  /** The GPU as it will be once this pass's dispatches to it are applied. */
  private withPending(gpu: GpuView): GpuView {
    const pending = this.pending[gpu.index];
    return pending === undefined || pending.length === 0 ? gpu : new WhatIfGpu(gpu, [...gpu.running, ...pending], [...gpu.queued]);
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
    const before = view.predictor.predict(request, new WhatIfGpu(gpu, others), view);
    others.push(extra);
    const after = view.predictor.predict(request, new WhatIfGpu(gpu, others), view);
    const solo = requestSoloExecutionMs(request);
    const rhoBefore = solo > 0 ? before.executionMs / solo : 1;
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
      view.now + remaining * rhoBefore + before.transferMs * transferShare,
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
