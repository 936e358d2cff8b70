/**
 * A binary min-heap under a caller's strict ordering `before(a, b)`. Slots are
 * counted rather than pushed and popped: V8 trims an array's backing store when
 * pop() empties it, and a policy queue that empties on nearly every dispatch then
 * reallocated it on the next arrival.
 */
export class BinaryHeap<T> {
  private readonly items: (T | undefined)[] = [];
  private count = 0;

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.count;
  }

  peek(): T | undefined {
    return this.count > 0 ? this.items[0] : undefined;
  }

  push(item: T): void {
    const items = this.items;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent] as T;
      if (!this.before(item, above)) break;
      items[i] = above;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const items = this.items;
    const top = items[0];
    const n = --this.count;
    const last = items[n] as T;
    items[n] = undefined; // release the reference
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && this.before(items[child + 1] as T, items[child] as T)) child++;
        if (!this.before(items[child] as T, last)) break;
        items[i] = items[child];
        i = child;
      }
      items[i] = last;
    }
    return top;
  }

  /** Removes a specific item (O(n) search); returns whether it was present. */
  remove(item: T): boolean {
    const items = this.items;
    let i = 0;
    while (i < this.count && items[i] !== item) i++;
    if (i === this.count) return false;
    // Everything after it is pushed again, in order (the heap stays valid above i).
    const rest = items.slice(i + 1, this.count) as T[];
    for (let k = i; k < this.count; k++) items[k] = undefined;
    this.count = i;
    for (const other of rest) this.push(other);
    return true;
  }
}
