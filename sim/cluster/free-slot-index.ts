import { PositionSet } from './position-set.ts';

/**
 * Free slots per GPU, indexed per group of GPUs (a model's hosting GPUs) so that
 * "does any GPU of the group have a free slot" and "which has the most" are answered
 * in O(1) and a change of one GPU costs O(log GPUs) per group it belongs to. Replaces
 * a scan of every GPU per dispatch, which made 128 GPUs cost 1.34x per event what 8
 * cost.
 *
 * Each group is a max tree over its GPUs in the order given (ascending GPU index):
 * a node holds the position of its subtree's GPU with the most free slots, the
 * leftmost on ties, so the answer is the lowest-index GPU among those with the most,
 * the same GPU a front-to-back scan picks. A group asked by free count (nextWith) also
 * keeps a PositionSet per count, so "the first GPU with exactly k free" is O(log GPUs):
 * what a policy needs to predict once per kind of GPU rather than once per GPU.
 */
export class FreeSlotIndex {
  private readonly free: Int32Array;
  private readonly groups: GroupTree[] = [];
  /** Per GPU, the groups it belongs to and its leaf position in each. */
  private readonly memberships: { group: number; position: number }[][];

  constructor(gpuCount: number) {
    this.free = new Int32Array(gpuCount);
    this.memberships = Array.from({ length: gpuCount }, () => []);
  }

  /** Free slots of GPU g as last set. */
  get(g: number): number {
    return this.free[g];
  }

  /** Adds a group of GPUs (ascending indices); returns its id. */
  addGroup(gpus: readonly number[]): number {
    const id = this.groups.length;
    const tree = new GroupTree(gpus, this.free);
    this.groups.push(tree);
    for (let position = 0; position < gpus.length; position++) this.memberships[gpus[position]].push({ group: id, position });
    return id;
  }

  set(g: number, slots: number): void {
    const before = this.free[g];
    if (before === slots) return;
    this.free[g] = slots;
    const memberships = this.memberships[g];
    for (let i = 0; i < memberships.length; i++) this.groups[memberships[i].group].update(memberships[i].position, before, slots);
  }

  /**
   * The position (in the group's list) of the first GPU at or after position `from`
   * with exactly `slots` free (at least 1), or -1. The group's sets by free count are
   * built on its first such question and kept from then on.
   */
  nextWith(group: number, slots: number, from = 0): number {
    return this.groups[group].bySlots().nextWith(slots, from);
  }

  /** The largest free count any GPU of the group has had since its first nextWith. */
  maxSlots(group: number): number {
    return this.groups[group].bySlots().maxSlots;
  }

  /** Whether any GPU of the group has a free slot. */
  anyFree(group: number): boolean {
    return this.mostFree(group) >= 0;
  }

  /** The group's GPU with the most free slots (the lowest index on ties), or -1 when none has one. */
  mostFree(group: number): number {
    const g = this.groups[group].best();
    return g >= 0 && this.free[g] > 0 ? g : -1;
  }
}

/** A max tree over one group's GPUs; leaves are padded to a power of two with -1. */
class GroupTree {
  private readonly leaves: number;
  /** node -> position (in gpus) of the best GPU below it, -1 for padding. */
  private readonly bestAt: Int32Array;

  constructor(
    private readonly gpus: readonly number[],
    private readonly free: Int32Array,
  ) {
    let leaves = 1;
    while (leaves < gpus.length) leaves *= 2;
    this.leaves = leaves;
    this.bestAt = new Int32Array(2 * leaves).fill(-1);
    for (let p = 0; p < gpus.length; p++) this.bestAt[leaves + p] = p;
    for (let node = leaves - 1; node >= 1; node--) this.bestAt[node] = this.better(this.bestAt[2 * node], this.bestAt[2 * node + 1]);
  }

  /** The GPU index of the best leaf, or -1 for an empty group. */
  best(): number {
    const p = this.bestAt[1];
    return p >= 0 ? this.gpus[p] : -1;
  }

  private slotSets: SlotSets | undefined;

  /** The group's positions by free count, made on first use. */
  bySlots(): SlotSets {
    if (this.slotSets === undefined) {
      this.slotSets = new SlotSets(this.gpus.length);
      for (let p = 0; p < this.gpus.length; p++) this.slotSets.move(p, 0, this.free[this.gpus[p]]);
    }
    return this.slotSets;
  }

  update(position: number, from: number, to: number): void {
    this.slotSets?.move(position, from, to);
    const bestAt = this.bestAt;
    for (let node = (this.leaves + position) >> 1; node >= 1; node >>= 1) {
      const best = this.better(bestAt[2 * node], bestAt[2 * node + 1]);
      // Same best as before, and not the GPU that changed: every node above compares
      // what it compared before.
      if (best === bestAt[node] && best !== position) return;
      bestAt[node] = best;
    }
  }

  /** Of two positions (left before right), the one with more free slots; left on ties. */
  private better(left: number, right: number): number {
    if (right < 0) return left;
    if (left < 0) return right;
    return this.free[this.gpus[right]] > this.free[this.gpus[left]] ? right : left;
  }
}

/** One group's positions in a set per free count (1 and up; 0 is not kept). */
class SlotSets {
  private readonly sets: PositionSet[] = [];

  constructor(private readonly size: number) {}

  get maxSlots(): number {
    return this.sets.length - 1;
  }

  move(position: number, from: number, to: number): void {
    if (from > 0) this.sets[from].delete(position);
    if (to <= 0) return;
    while (this.sets.length <= to) this.sets.push(new PositionSet(this.size));
    this.sets[to].add(position);
  }

  nextWith(slots: number, from: number): number {
    return slots > 0 && slots < this.sets.length ? this.sets[slots].next(from) : -1;
  }
}
