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
 * the same GPU a front-to-back scan picks.
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
    if (this.free[g] === slots) return;
    this.free[g] = slots;
    const memberships = this.memberships[g];
    for (let i = 0; i < memberships.length; i++) this.groups[memberships[i].group].update(memberships[i].position);
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

  update(position: number): void {
    for (let node = (this.leaves + position) >> 1; node >= 1; node >>= 1) {
      this.bestAt[node] = this.better(this.bestAt[2 * node], this.bestAt[2 * node + 1]);
    }
  }

  /** Of two positions (left before right), the one with more free slots; left on ties. */
  private better(left: number, right: number): number {
    if (right < 0) return left;
    if (left < 0) return right;
    return this.free[this.gpus[right]] > this.free[this.gpus[left]] ? right : left;
  }
}
