import { Fifo, type GpuView } from '../cluster/gpu-state.ts';
import { HostingGpus } from './hosting-gpus.ts';
import { HostsByClass } from './hosts-by-class.ts';
import { StartBoundTree } from './start-bound-tree.ts';
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
 *
 * Cost: with a predictor that has GPU classes (Predictor.gpuClass: solo, static), the
 * request's time is predicted once per class and the earliest GPU of each class found
 * in a StartBoundTree, in O(log GPUs) per improvement on the best found; otherwise
 * (adaptive) every hosting GPU is asked, as the rule reads.
 */
export class ClockworkPolicy implements Policy {
  readonly name = 'clockwork';
  private readonly queues: Fifo<Request>[] = [];
  /** Sum of the predicted times of each GPU's queue. */
  private readonly queuedMs: number[] = [];
  /** Predicted end of what each GPU runs (meaningless while it runs nothing). */
  private readonly busyUntil: number[] = [];
  /** Per GPU, beside its queue: the predicted time (transfers + execution) of each queued request there. */
  private readonly durations: Fifo<number>[] = [];
  /** A bit per GPU whose queue holds requests: serve visits those, not every GPU. */
  private withQueue = new Uint32Array(0);
  /**
   * A bit per GPU touched since the last serve: with watched views, only these can have
   * become idle with a queue (every other GPU with a queue was running at the last
   * serve and has not changed since), so serve visits them, not every GPU with a queue.
   */
  private touchedSinceServe = new Uint32Array(0);
  /** Per model: the GPUs hosting it, ascending (the GPU set is fixed for a run). */
  private readonly hosting = new HostingGpus();
  /** Per GPU: its idle one-slot copy (WhatIfGpu.alone), made once for the view's GPU it copies. */
  private readonly aloneViews: WhatIfGpu[] = [];
  private readonly aloneBases: GpuView[] = [];
  /** Hosting GPUs split by predictor class, and a StartBoundTree per class list. */
  private readonly classes = new HostsByClass();
  // Keyed by class lists, which models on the same GPUs share (HostingGpus): one set of trees for them.
  private readonly trees = new Map<readonly (readonly number[])[], StartBoundTree[]>();
  /** Per GPU: the trees it is a leaf of, and where. */
  private memberships: { tree: StartBoundTree; position: number }[][] = [];
  /** GPUs whose leaves are stale: their queue, predicted end or running state changed. */
  private dirty = new Int32Array(0);
  private dirtyCount = 0;
  private isDirty = new Uint8Array(0);
  /** The GPU views watched for running-state changes; unwatchable views are all read on each arrival. */
  private watchedGpus: readonly GpuView[] | undefined;
  private watched = false;
  /** What earliestByClass or earliestByScan found: the GPU (-1: none), its completion and the request's time there. */
  private pick = -1;
  private pickCompletion = Infinity;
  private pickDuration = 0;

  constructor(private readonly options: ClockworkOptions = CLOCKWORK_DEFAULTS) {}

  onArrival(request: Request, view: ClusterView): readonly Decision[] {
    this.ensureGpus(view);
    const hosts = this.hosting.of(request.model.name, view.gpus);
    const classes = this.classes.of(hosts, view.predictor);
    if (classes !== undefined) this.earliestByClass(request, classes, view);
    else this.earliestByScan(request, hosts, view);
    const best = this.pick;
    if (best < 0 || this.pickCompletion > request.deadline) return [{ kind: 'reject', request }];
    this.queues[best].push(request);
    this.withQueue[best >> 5] |= 1 << (best & 31);
    this.queuedMs[best] += this.pickDuration;
    this.touch(best);
    this.durations[best].push(this.pickDuration);
    return this.serve(view);
  }

  /** The hosting GPU with the earliest predicted completion (the lowest index on ties), asking about every one. */
  private earliestByScan(request: Request, hosts: readonly number[], view: ClusterView): void {
    let best = -1;
    let bestCompletion = Infinity;
    let bestDuration = 0;
    for (let i = 0; i < hosts.length; i++) {
      const g = hosts[i];
      const duration = this.predictAlone(request, g, view);
      const completion = this.freeAt(g, view) + this.queuedMs[g] + duration;
      if (completion < bestCompletion) {
        best = g;
        bestCompletion = completion;
        bestDuration = duration;
      }
    }
    this.pick = best;
    this.pickCompletion = bestCompletion;
    this.pickDuration = bestDuration;
  }

  /** earliestByScan's answer, with one prediction per GPU class and a StartBoundTree search in each. */
  private earliestByClass(request: Request, classes: readonly (readonly number[])[], view: ClusterView): void {
    this.refreshTrees(view);
    let trees = this.trees.get(classes);
    if (trees === undefined) this.trees.set(classes, (trees = classes.map((list) => this.plant(list, view))));
    let best = -1;
    let bestCompletion = Infinity;
    let bestDuration = 0;
    for (const tree of trees) {
      const duration = this.predictAlone(request, tree.gpus[0], view);
      const g = tree.earliest(view.now, duration, (g) => this.freeAt(g, view) + this.queuedMs[g] + duration);
      const completion = tree.bestCompletion;
      if (g >= 0 && (completion < bestCompletion || (completion === bestCompletion && g < best))) {
        best = g;
        bestCompletion = completion;
        bestDuration = duration;
      }
    }
    this.pick = best;
    this.pickCompletion = bestCompletion;
    this.pickDuration = bestDuration;
  }

  /** A tree over one class list, its leaves read from the GPUs now. */
  private plant(list: readonly number[], view: ClusterView): StartBoundTree {
    const tree = new StartBoundTree(list);
    for (let p = 0; p < list.length; p++) {
      const g = list[p];
      this.memberships[g].push({ tree, position: p });
      tree.set(p, this.queuedMs[g], view.gpus[g].running.length > 0, this.busyUntil[g]);
    }
    return tree;
  }

  /** Marks GPU g's leaves stale. */
  private touch(g: number): void {
    this.touchedSinceServe[g >> 5] |= 1 << (g & 31);
    if (this.isDirty[g] === 0) {
      this.isDirty[g] = 1;
      this.dirty[this.dirtyCount++] = g;
    }
  }

  /** Re-reads the GPUs whose leaves are stale (every GPU when the views cannot be watched). */
  private refreshTrees(view: ClusterView): void {
    const gpus = view.gpus;
    if (gpus !== this.watchedGpus) {
      this.watchedGpus = gpus;
      this.watched = gpus.every((gpu) => gpu.watchSlots !== undefined);
      if (this.watched) {
        // One listener for every GPU (it is told which): a closure per GPU was one more cold line per change at 1,024 GPUs.
        const touch = (g: number): void => this.touch(g);
        for (const gpu of gpus) gpu.watchSlots!(touch);
      }
      this.touchedSinceServe.fill(~0); // views new to the policy: serve looks at every GPU once
    }
    if (!this.watched) for (let g = 0; g < gpus.length; g++) this.touch(g);
    const dirty = this.dirty;
    for (let i = 0; i < this.dirtyCount; i++) {
      const g = dirty[i];
      this.isDirty[g] = 0;
      const memberships = this.memberships[g];
      if (memberships.length === 0) continue;
      const running = gpus[g].running.length > 0;
      for (const { tree, position } of memberships) tree.set(position, this.queuedMs[g], running, this.busyUntil[g]);
    }
    this.dirtyCount = 0;
  }

  onCompletion(_request: Request, view: ClusterView): readonly Decision[] {
    return this.serve(view);
  }

  /** When GPU g is predicted to finish what it runs now. */
  private freeAt(g: number, view: ClusterView): number {
    return view.gpus[g].running.length > 0 ? Math.max(view.now, this.busyUntil[g]) : view.now;
  }

  private predictAlone(request: Request, g: number, view: ClusterView): number {
    const base = view.gpus[g];
    if (this.aloneBases[g] !== base) {
      this.aloneBases[g] = base;
      this.aloneViews[g] = WhatIfGpu.alone(base);
    }
    const p = view.predictor.predict(request, this.aloneViews[g], view);
    return p.transferMs + p.executionMs;
  }

  /**
   * Starts the next queued request on every GPU that runs nothing, in GPU order. With
   * watched views it visits the GPUs with a queue that were touched since the last
   * serve; otherwise every GPU with a queue.
   */
  private serve(view: ClusterView): readonly Decision[] {
    let decisions: Decision[] | undefined;
    const gpus = view.gpus;
    const withQueue = this.withQueue;
    const touched = this.touchedSinceServe;
    const onlyTouched = this.watched && gpus === this.watchedGpus;
    for (let w = 0; w < withQueue.length; w++) {
      const candidates = onlyTouched ? withQueue[w] & touched[w] : withQueue[w];
      touched[w] = 0; // before serving: what serving touches is looked at next time
      for (let bits = candidates; bits !== 0; bits &= bits - 1) {
        const g = (w << 5) + (31 - Math.clz32(bits & -bits));
        if (gpus[g].running.length > 0 || gpus[g].queuedCount > 0) continue;
        decisions = this.serveGpu(g, view, decisions);
      }
    }
    return decisions ?? NO_DECISIONS;
  }

  /** Starts GPU g's next queued request, dropping those already late when dropLate. */
  private serveGpu(g: number, view: ClusterView, decisions: Decision[] | undefined): Decision[] | undefined {
    const queue = this.queues[g];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const duration = this.durations[g].shift()!;
      this.queuedMs[g] = queue.length === 0 ? 0 : this.queuedMs[g] - duration;
      this.touch(g);
      if (this.options.dropLate && view.now + duration > next.deadline) {
        (decisions ??= []).push({ kind: 'drop', request: next });
        continue;
      }
      this.busyUntil[g] = view.now + duration;
      (decisions ??= []).push({ kind: 'dispatch', request: next, gpu: g });
      break;
    }
    if (queue.length === 0) this.withQueue[g >> 5] &= ~(1 << (g & 31));
    return decisions;
  }

  private ensureGpus(view: ClusterView): void {
    for (let g = this.queues.length; g < view.gpus.length; g++) {
      this.queues.push(new Fifo());
      this.durations.push(new Fifo());
      this.queuedMs.push(0);
      this.busyUntil.push(0);
      this.memberships.push([]);
    }
    if (this.isDirty.length < this.queues.length) {
      const grown = new Uint8Array(this.queues.length);
      grown.set(this.isDirty);
      this.isDirty = grown;
      const dirty = new Int32Array(this.queues.length); // each GPU at most once (isDirty)
      dirty.set(this.dirty.subarray(0, this.dirtyCount));
      this.dirty = dirty;
    }
    const words = (this.queues.length + 31) >> 5;
    if (this.withQueue.length < words) {
      const grown = new Uint32Array(words);
      grown.set(this.withQueue);
      this.withQueue = grown;
      const touched = new Uint32Array(words).fill(~0); // new GPUs count as touched
      touched.set(this.touchedSinceServe);
      this.touchedSinceServe = touched;
    }
  }
}
