import { FreeSlotIndex } from '../cluster/free-slot-index.ts';
import type { GpuView } from '../cluster/gpu-state.ts';

/** Slots a newly dispatched request could take at once on a GPU (none while its local queue holds anything). */
export function slotsForNewWork(gpu: GpuView): number {
  const slots = gpu.queuedCount === 0 ? gpu.freeSlots : 0;
  return slots > 0 ? slots : 0;
}

/** Slots for new work beyond a reserve of `reserve` per GPU (at most all but one are reserved): what low work may take. */
export function slotsBeyondReserve(reserve: number): SlotsOf {
  return (gpu) => Math.max(0, slotsForNewWork(gpu) - Math.min(reserve, gpu.spec.maxConcurrency - 1));
}

/** What a GPU offers one class of work: slotsForNewWork, or less (a reserve). */
export type SlotsOf = (gpu: GpuView) => number;

/**
 * A policy's free-slot counts for the GPUs of its cluster view, indexed per host list
 * (FreeSlotIndex), and kept current by the GPUs' watchSlots: a GPU whose running or
 * queued work changes writes its new count into the index at once, so a dispatch costs
 * O(log GPUs) and refresh() has nothing to do. Views whose GPUs cannot be watched are
 * read in full at every refresh. `slotsOf` says what a GPU offers (slotsForNewWork by
 * default; less for work held to a reserve).
 *
 * Until 2026-12-07 a change only marked the GPU in a dirty list that refresh() read:
 * the index is the same at every refresh either way (take() lowers a count only for a
 * dispatch the GPU reports once applied), and the mark, the list and the second call
 * through slotsOf cost about 150 instructions per M/M/8 request (RESULTS.md).
 */
export class WatchedFreeSlots {
  private gpus: readonly GpuView[] | undefined;
  private index = new FreeSlotIndex(0);
  private watched = false;
  private readonly groups = new Map<readonly number[], number>();
  private readonly groupsByMembers = new Map<string, number>();
  private lastHosts: readonly number[] | undefined = undefined;
  private lastGroup = -1;

  constructor(private readonly slotsOf: SlotsOf = slotsForNewWork) {}

  /** Brings the index up to date: nothing to do for watched GPUs (they write their changes); every GPU read again otherwise. */
  refresh(gpus: readonly GpuView[]): void {
    if (gpus !== this.gpus) this.attach(gpus);
    if (this.watched) return;
    for (let g = 0; g < gpus.length; g++) this.index.set(g, this.slotsOf(gpus[g]));
  }

  get(g: number): number {
    return this.index.get(g);
  }

  /** Takes one slot of GPU g, if it has one, for a dispatch being decided (the GPU reports it once applied). */
  take(g: number): void {
    const free = this.index.get(g);
    if (free > 0) this.index.set(g, free - 1);
  }

  /** Whether any GPU of the view has a free slot (O(1): a saturated cluster's arrivals need look no further). */
  anyFreeAnywhere(): boolean {
    return this.index.anyFreeAnywhere();
  }

  /** Whether any of `hosts` (a list kept for the run, ascending) has a free slot. */
  anyFree(hosts: readonly number[]): boolean {
    return this.index.anyFree(this.group(hosts));
  }

  /** The GPU among `hosts` with the most free slots (the lowest index on ties), or -1. */
  mostFree(hosts: readonly number[]): number {
    return this.index.mostFree(this.group(hosts));
  }

  /** The position in `hosts` of the first GPU at or after position `from` with exactly `slots` free, or -1. */
  nextWith(hosts: readonly number[], slots: number, from = 0): number {
    return this.index.nextWith(this.group(hosts), slots, from);
  }

  /** The most free slots a GPU of `hosts` can have offered (an upper bound for nextWith's `slots`). */
  maxSlots(hosts: readonly number[]): number {
    return this.index.maxSlots(this.group(hosts));
  }

  private group(hosts: readonly number[]): number {
    // Most questions name the host list asked about before (every one, when all models
    // share their GPUs): an identity check instead of the map's hash lookup.
    if (hosts === this.lastHosts) return this.lastGroup;
    let group = this.groups.get(hosts);
    if (group === undefined) {
      // Lists with the same GPUs share one group: models hosted everywhere would
      // otherwise each add a group that every change of a GPU updates.
      const key = hosts.join(',');
      group = this.groupsByMembers.get(key);
      if (group === undefined) this.groupsByMembers.set(key, (group = this.index.addGroup(hosts)));
      this.groups.set(hosts, group);
    }
    this.lastHosts = hosts;
    this.lastGroup = group;
    return group;
  }

  private attach(gpus: readonly GpuView[]): void {
    this.gpus = gpus;
    const index = (this.index = new FreeSlotIndex(gpus.length));
    this.groups.clear();
    this.groupsByMembers.clear();
    this.lastHosts = undefined;
    for (let g = 0; g < gpus.length; g++) index.set(g, this.slotsOf(gpus[g]));
    this.watched = gpus.every((gpu) => gpu.watchSlots !== undefined);
    if (!this.watched) return;
    const slotsOf = this.slotsOf;
    // A listener left from an earlier view (never, in a run) writes into that view's index, not this one.
    // One listener for every GPU (it is told which): a closure per GPU was one more
    // cold line per slot change at 1,024 GPUs.
    const listener = (g: number): void => index.set(g, slotsOf(gpus[g]));
    for (const gpu of gpus) gpu.watchSlots!(listener);
  }
}
