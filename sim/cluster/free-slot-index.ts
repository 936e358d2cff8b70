import { PositionSet } from './position-set.ts';

/**
 * Free slots per GPU, indexed per group of GPUs (a model's hosting GPUs) so that
 * "does any GPU of the group have a free slot", "which has the most" and "the first
 * with exactly k free" are answered without a scan of the group. Replaces a scan of
 * every GPU per dispatch, which made 128 GPUs cost 1.34x per event what 8 cost.
 *
 * Each group keeps its GPUs' positions (in the order given: ascending GPU index) in one
 * PositionSet per free count, and the highest count whose set is not empty. The GPU
 * with the most free slots, the lowest index on ties, is then the first member of that
 * set: the GPU a front-to-back scan picks. A change of one GPU moves one bit between
 * two sets (a word or two each). A max tree over the GPUs gave the same answers at
 * O(log GPUs) per change, walked leaf to root: at 1,024 GPUs about 1,600 instructions
 * per request (bench:instructions --gpus 1024 --profile).
 */
export class FreeSlotIndex {
  private readonly free: Int32Array;
  private readonly groups: GroupSlots[] = [];
  /**
   * GPU g's groups and its position in each, as pairs (group, position, ...) in
   * members[memberStart[g]] up to members[memberStart[g + 1]]: one flat array for all
   * GPUs, laid out again when a group is added (a few times a run). An array per GPU
   * was one more cold line per change at 1,024 GPUs.
   */
  private memberStart: Int32Array;
  private members = new Int32Array(0);
  /** The sum of every GPU's free slots: zero answers "any free slot anywhere?" without a group. */
  private totalFree = 0;

  constructor(gpuCount: number) {
    this.free = new Int32Array(gpuCount);
    this.memberStart = new Int32Array(gpuCount + 1);
  }

  /** Free slots of GPU g as last set. */
  get(g: number): number {
    return this.free[g];
  }

  /** Adds a group of GPUs (ascending indices); returns its id. */
  addGroup(gpus: readonly number[]): number {
    const id = this.groups.length;
    this.groups.push(new GroupSlots(gpus, this.free));
    this.layOutMembers();
    return id;
  }

  /** members and memberStart from the groups' GPU lists: each GPU's pairs in the order of the groups' ids. */
  private layOutMembers(): void {
    const start = this.memberStart;
    start.fill(0);
    for (const group of this.groups) for (const g of group.gpus) start[g + 1] += 2;
    for (let g = 0; g + 1 < start.length; g++) start[g + 1] += start[g];
    const members = new Int32Array(start[start.length - 1]);
    const next = start.slice(0, start.length - 1);
    this.groups.forEach(({ gpus }, group) => {
      gpus.forEach((g, position) => {
        members[next[g]++] = group;
        members[next[g]++] = position;
      });
    });
    this.members = members;
  }

  set(g: number, slots: number): void {
    const before = this.free[g];
    if (before === slots) return;
    this.free[g] = slots;
    this.totalFree += slots - before;
    const members = this.members;
    const end = this.memberStart[g + 1];
    for (let i = this.memberStart[g]; i < end; i += 2) this.groups[members[i]].move(members[i + 1], before, slots);
  }

  /** The position (in the group's list) of the first GPU at or after position `from` with exactly `slots` free (at least 1), or -1. */
  nextWith(group: number, slots: number, from = 0): number {
    return this.groups[group].nextWith(slots, from);
  }

  /** The largest free count any GPU of the group has had since the group was added (an upper bound for nextWith's `slots`). */
  maxSlots(group: number): number {
    return this.groups[group].maxSlots;
  }

  /** Whether any GPU at all has a free slot. */
  anyFreeAnywhere(): boolean {
    return this.totalFree > 0;
  }

  /** Whether any GPU of the group has a free slot. */
  anyFree(group: number): boolean {
    return this.groups[group].mostFree() >= 0;
  }

  /** The group's GPU with the most free slots (the lowest index on ties), or -1 when none has one. */
  mostFree(group: number): number {
    return this.groups[group].mostFree();
  }
}

/** One group's positions in a set per free count (1 and up; 0 is not kept). */
class GroupSlots {
  /** sets[k]: the positions with k free slots; sets[0] stays empty. */
  private readonly sets: PositionSet[] = [];
  /** The highest k with a non-empty sets[k]; 0 when no GPU of the group has a free slot. */
  private top = 0;

  constructor(
    /** The group's GPUs, ascending, as given to addGroup. */
    readonly gpus: readonly number[],
    free: Int32Array,
  ) {
    this.sets.push(new PositionSet(gpus.length));
    for (let p = 0; p < gpus.length; p++) this.move(p, 0, free[gpus[p]]);
  }

  get maxSlots(): number {
    return this.sets.length - 1;
  }

  move(position: number, from: number, to: number): void {
    const sets = this.sets;
    if (from > 0) sets[from].delete(position);
    if (to > 0) {
      while (sets.length <= to) sets.push(new PositionSet(this.gpus.length));
      sets[to].add(position);
      if (to > this.top) this.top = to;
    }
    if (from === this.top && from > to) {
      let top = from;
      while (top > 0 && sets[top].isEmpty()) top--;
      this.top = top;
    }
  }

  mostFree(): number {
    const top = this.top;
    return top > 0 ? this.gpus[this.sets[top].next(0)] : -1;
  }

  nextWith(slots: number, from: number): number {
    return slots > 0 && slots < this.sets.length ? this.sets[slots].next(from) : -1;
  }
}
