import type { Request } from '../model/request.ts';
import type { GpuSpec } from './cluster-spec.ts';

/** A plain FIFO with O(1) push and shift, iterable front to back. */
export class Fifo<T> implements Iterable<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** onChange: called after every push, shift and removal (a GPU's queue tells its watchers). */
  constructor(private readonly onChange?: () => void) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
    this.onChange?.();
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.onChange?.();
    return item;
  }

  remove(item: T): boolean {
    const i = this.items.indexOf(item, this.head);
    if (i < 0) return false;
    this.items.splice(i, 1);
    this.onChange?.();
    return true;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}

/** Transfers on one direction of a GPU's PCIe link and its host's uplink. */
export interface LinkLoad {
  /** Transfers on this GPU's link, in setup or flowing. */
  readonly transfers: number;
  /** Bytes those transfers still have to move. */
  readonly bytes: number;
  /** Transfers flowing anywhere on the host's uplink (all its GPUs). */
  readonly hostTransfers: number;
}

export type LinkDirection = 'h2d' | 'd2h';

/** What policies and predictors may see of one GPU. */
export interface GpuView {
  readonly index: number;
  readonly spec: GpuSpec;
  /** Requests holding a slot: in transfer or executing. */
  readonly running: readonly Request[];
  /** Requests dispatched here that wait for a slot, in order. */
  readonly queued: Iterable<Request>;
  readonly queuedCount: number;
  readonly freeSlots: number;
  hosts(model: string): boolean;
  /** Current transfers on this GPU's link in one direction. */
  linkLoad(direction: LinkDirection): LinkLoad;
  /**
   * Calls listener(index) whenever freeSlots or queuedCount may have changed, so a
   * policy can keep an index of free slots instead of scanning every GPU. Optional:
   * views without it (what-if copies, test fakes) are scanned.
   */
  watchSlots?(listener: (gpu: number) => void): void;
}

const NO_LOAD: LinkLoad = { transfers: 0, bytes: 0, hostTransfers: 0 };

/**
 * The simulator's bookkeeping for one GPU's slots and local queue. What a policy reads
 * of every GPU it considers (free slots, queued count, the model it was last asked
 * about) is kept in the object's own fields, so a GPU not touched for a while costs one
 * cache line to ask, not five (its spec, running array, queue and model set): at 1,024
 * GPUs most GPUs a policy asks about are cold.
 */
export class GpuState implements GpuView {
  /**
   * Requests holding a slot. Read-only outside: addRunning and removeRunning tell the
   * watchers (a plain array: an Array subclass that reported its pushes cost 3% of a
   * run's time).
   */
  readonly running: readonly Request[] = [];
  readonly queue = new Fifo<Request>(() => {
    this.queuedNow = this.queue.length;
    this.slotsChanged();
  });
  private readonly modelSet: ReadonlySet<string>;
  /**
   * The first watcher, in a field: a run has one (its policy's free-slot index), and an
   * array of them was one more cold line per slot change at 1,024 GPUs.
   */
  private watcher: ((gpu: number) => void) | undefined = undefined;
  /** Watchers after the first (a reserve's second index, tests); undefined while there are none. */
  private moreWatchers: ((gpu: number) => void)[] | undefined = undefined;
  private readonly maxConcurrency: number;
  /** maxConcurrency less the running requests, kept as they change. */
  private freeNow: number;
  /** queue.length, kept as it changes. */
  private queuedNow = 0;
  /** The model hosts() last said yes to: most questions are about the model asked before. */
  private lastHosted: string | undefined = undefined;

  constructor(
    readonly index: number,
    readonly spec: GpuSpec,
    private readonly probeLink: (gpu: number, direction: LinkDirection) => LinkLoad = () => NO_LOAD,
  ) {
    this.modelSet = new Set(spec.models);
    this.maxConcurrency = spec.maxConcurrency;
    this.freeNow = spec.maxConcurrency;
  }

  watchSlots(listener: (gpu: number) => void): void {
    if (this.watcher === undefined) this.watcher = listener;
    else (this.moreWatchers ??= []).push(listener);
  }

  private slotsChanged(): void {
    const watcher = this.watcher;
    if (watcher === undefined) return;
    watcher(this.index);
    const more = this.moreWatchers;
    if (more !== undefined) for (let i = 0; i < more.length; i++) more[i](this.index);
  }

  get queued(): Iterable<Request> {
    return this.queue;
  }

  get queuedCount(): number {
    return this.queuedNow;
  }

  get freeSlots(): number {
    return this.freeNow;
  }

  hosts(model: string): boolean {
    if (model === this.lastHosted) return true;
    if (!this.modelSet.has(model)) return false;
    this.lastHosted = model;
    return true;
  }

  linkLoad(direction: LinkDirection): LinkLoad {
    return this.probeLink(this.index, direction);
  }

  /** A request takes a slot. */
  addRunning(request: Request): void {
    const running = this.running as Request[];
    running.push(request);
    this.runningChanged();
  }

  /** Removes a request, keeping the others in order (without splice's garbage array). */
  removeRunning(request: Request): void {
    const running = this.running as Request[];
    const i = running.indexOf(request);
    if (i < 0) return;
    for (let k = i + 1; k < running.length; k++) running[k - 1] = running[k];
    running.pop();
    this.runningChanged();
  }

  /** Keeps freeNow current and tells the watchers. */
  private runningChanged(): void {
    this.freeNow = this.maxConcurrency - this.running.length;
    this.slotsChanged();
  }
}
