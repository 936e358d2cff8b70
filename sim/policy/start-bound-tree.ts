/**
 * For clockwork's choice among a list of GPUs of one predictor class (which all take
 * the same predicted time d for a request): each GPU's predicted completion is
 * (when it finishes what it runs, at least now) + (its queue's predicted time) + d,
 * and the GPU with the earliest, the lowest index on ties, is wanted. A tree over the
 * list (ascending GPU index) keeps in each node lower bounds on that sum's first two
 * terms over its subtree, so a search left to right skips every subtree that cannot
 * beat the best completion found so far: O(log GPUs) per improvement instead of a
 * prediction per GPU. Exact: every GPU it does evaluate is evaluated as the scan did,
 * and a skipped one could at best tie a GPU of lower index.
 *
 * Bounds (rounding is monotone, so each holds in floating point too): a GPU's start
 * max(now, busyEnd) + queued is at least now + queued, and at least busyEnd + queued
 * while it runs something (an idle GPU's start is now + queued: -Infinity stands for
 * it in the second bound). A subtree's bound is the larger of now + its least queued
 * and its least (busyEnd + queued).
 */
export class StartBoundTree {
  private readonly leaves: number;
  /** Per node: the least queued time below it (+Infinity for padding). */
  private readonly minQueued: Float64Array;
  /** Per node: the least busyEnd + queued below it (-Infinity where a GPU is idle). */
  private readonly minBusyEnd: Float64Array;
  private best = Infinity;
  private target = -1;
  /** The target's position in the list (-1 while none is found). */
  private targetPosition = -1;

  constructor(readonly gpus: readonly number[]) {
    let leaves = 1;
    while (leaves < gpus.length) leaves *= 2;
    this.leaves = leaves;
    this.minQueued = new Float64Array(2 * leaves).fill(Infinity);
    this.minBusyEnd = new Float64Array(2 * leaves).fill(Infinity);
    for (let p = 0; p < gpus.length; p++) this.set(p, 0, false, 0);
  }

  /** GPU at `position` now has `queuedMs` queued and runs something predicted to end at busyUntil (when `running`). */
  set(position: number, queuedMs: number, running: boolean, busyUntil: number): void {
    let node = this.leaves + position;
    this.minQueued[node] = queuedMs;
    this.minBusyEnd[node] = running ? busyUntil + queuedMs : -Infinity;
    for (node >>= 1; node >= 1; node >>= 1) {
      const queued = Math.min(this.minQueued[2 * node], this.minQueued[2 * node + 1]);
      const busyEnd = Math.min(this.minBusyEnd[2 * node], this.minBusyEnd[2 * node + 1]);
      // Unchanged here, unchanged above: most leaf changes stop within a level or two
      // instead of walking all log2(GPUs) levels.
      if (queued === this.minQueued[node] && busyEnd === this.minBusyEnd[node]) return;
      this.minQueued[node] = queued;
      this.minBusyEnd[node] = busyEnd;
    }
  }

  /**
   * The GPU (an index from the list) with the least completion(g), the lowest index on
   * ties, or -1; completion(g) must be (its start, as bounded above) + durationMs.
   * bestCompletion holds that least completion afterwards.
   */
  earliest(now: number, durationMs: number, completion: (g: number) => number): number {
    this.best = Infinity;
    this.target = -1;
    this.targetPosition = -1;
    if (this.bound(1, now, durationMs) < Infinity) this.visit(1, 0, this.leaves, now, durationMs, completion);
    return this.target;
  }

  get bestCompletion(): number {
    return this.best;
  }

  /** The least completion any GPU below `node` can have. */
  private bound(node: number, now: number, durationMs: number): number {
    const queuedBound = now + this.minQueued[node];
    const busyBound = this.minBusyEnd[node];
    return (queuedBound > busyBound ? queuedBound : busyBound) + durationMs;
  }

  /**
   * Searches below `node` (positions first .. first + span - 1), the child with the lower
   * bound first (the left on ties): the first leaf reached is then usually the best, and
   * its completion prunes the rest. The best found may lie left or right of a subtree,
   * so a subtree is searched when its bound is below the best, or equal to it and its
   * first position is left of the best's (a tie goes to the lowest index).
   */
  private visit(node: number, first: number, span: number, now: number, durationMs: number, completion: (g: number) => number): void {
    if (node >= this.leaves) {
      const g = this.gpus[first];
      const c = completion(g);
      if (c < this.best || (c === this.best && first < this.targetPosition)) {
        this.best = c;
        this.target = g;
        this.targetPosition = first;
      }
      return;
    }
    const half = span >> 1;
    const left = 2 * node;
    const leftBound = this.bound(left, now, durationMs);
    const rightBound = this.bound(left + 1, now, durationMs);
    if (rightBound < leftBound) {
      if (this.worth(rightBound, first + half)) this.visit(left + 1, first + half, half, now, durationMs, completion);
      if (this.worth(leftBound, first)) this.visit(left, first, half, now, durationMs, completion);
    } else {
      if (this.worth(leftBound, first)) this.visit(left, first, half, now, durationMs, completion);
      if (this.worth(rightBound, first + half)) this.visit(left + 1, first + half, half, now, durationMs, completion);
    }
  }

  /** Whether a subtree with this bound, starting at position `first`, could hold a better GPU than the best found. */
  private worth(bound: number, first: number): boolean {
    return bound < this.best || (bound === this.best && first < this.targetPosition);
  }
}
