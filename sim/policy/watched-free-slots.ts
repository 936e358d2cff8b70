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
 * (FreeSlotIndex), and kept current by the GPUs' watchSlots: only GPUs that changed
 * since the last refresh are read again, so a dispatch costs O(log GPUs). Views whose
 * GPUs cannot be watched are read in full at every refresh, as before. `slotsOf` says
 * what a GPU offers (slotsForNewWork by default; less for work held to a reserve).
 */
export class WatchedFreeSlots {
  private gpus: readonly GpuView[] | undefined;
  private index = new FreeSlotIndex(0);
  private watched = false;
  private readonly groups = new Map<readonly number[], number>();
  private readonly groupsByMembers = new Map<string, number>();
  private lastHosts: readonly number[] | undefined = undefined;
  private lastGroup = -1;
  /** GPUs changed since the last refresh, the first `dirtyCount` of `dirty` (a count: `length = 0` on an array was 1.2% of an M/M/8 run's self time). */
  private dirty = new Int32Array(0);
  private dirtyCount = 0;
  private isDirty = new Uint8Array(0);

  constructor(private readonly slotsOf: SlotsOf = slotsForNewWork) {}

  /** Reads every GPU that changed since the last call (all of them the first time). */
  refresh(gpus: readonly GpuView[]): void {
    if (gpus !== this.gpus) this.attach(gpus);
    if (!this.watched) {
      for (let g = 0; g < gpus.length; g++) this.index.set(g, this.slotsOf(gpus[g]));
      return;
    }
    const dirty = this.dirty;
    const count = this.dirtyCount;
    for (let i = 0; i < count; i++) {
      const g = dirty[i];
      this.isDirty[g] = 0;
      this.index.set(g, this.slotsOf(gpus[g]));
    }
    this.dirtyCount = 0;
  }

  get(g: number): number {
    return this.index.get(g);
  }

  /** Takes one slot of GPU g, if it has one, for a dispatch being decided (the GPU reports it once applied). */
  take(g: number): void {
    const free = this.index.get(g);
    if (free > 0) this.index.set(g, free - 1);
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
    this.index = new FreeSlotIndex(gpus.length);
    this.groups.clear();
    this.groupsByMembers.clear();
    this.lastHosts = undefined;
    this.dirty = new Int32Array(gpus.length); // each GPU is listed at most once
    this.dirtyCount = 0;
    this.isDirty = new Uint8Array(gpus.length);
    for (let g = 0; g < gpus.length; g++) this.index.set(g, this.slotsOf(gpus[g]));
    this.watched = gpus.every((gpu) => gpu.watchSlots !== undefined);
    if (!this.watched) return;
    const dirty = this.dirty;
    const isDirty = this.isDirty;
    const mark = (g: number) => {
      if (isDirty[g] === 0) {
        isDirty[g] = 1;
        dirty[this.dirtyCount++] = g;
      }
    };
    for (const gpu of gpus) gpu.watchSlots!(mark);
  }
}
