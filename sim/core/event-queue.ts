/**
 * The pending-event list: a binary min-heap ordered by (time, insertion sequence).
 * It is only a data structure (insert, peek, pop, cancel); the engine that owns the
 * clock lives in engine.ts. Ties in time fire in insertion order, so a run never
 * depends on heap internals.
 */

export type EventAction = () => void;

/** A scheduled event. Hold it to cancel it; everything else is read-only. */
export interface EventHandle {
  readonly time: number;
  readonly seq: number;
  /** Set by cancel(); a cancelled event is skipped when it reaches the top. */
  cancelled: boolean;
  readonly action: EventAction;
}

class ScheduledEvent implements EventHandle {
  cancelled = false;
  /** Set when popped: cancelling it afterwards must not touch the live count. */
  fired = false;
  constructor(
    readonly time: number,
    readonly seq: number,
    readonly action: EventAction,
  ) {}
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

export class EventQueue {
  private readonly heap: ScheduledEvent[] = [];
  private nextSeq = 0;
  private live = 0;

  /** Number of pending events that have not been cancelled. */
  get size(): number {
    return this.live;
  }

  push(time: number, action: EventAction): EventHandle {
    if (!(time === time) || time === Infinity) {
      throw new RangeError(`event time must be a finite number, got ${time}`);
    }
    const event = new ScheduledEvent(time, this.nextSeq++, action);
    const heap = this.heap;
    heap.push(event);
    this.siftUp(heap.length - 1);
    this.live++;
    return event;
  }

  /**
   * O(1): marks the event; it is discarded lazily when it reaches the top. Cancelling
   * an event that already fired (or was already cancelled) does nothing.
   */
  cancel(handle: EventHandle): void {
    if (!handle.cancelled && !(handle as ScheduledEvent).fired) {
      handle.cancelled = true;
      this.live--;
    }
  }

  /** The earliest live event, without removing it. */
  peek(): EventHandle | undefined {
    this.discardCancelledTop();
    return this.heap[0];
  }

  /** Removes and returns the earliest live event. */
  pop(): EventHandle | undefined {
    this.discardCancelledTop();
    const top = this.heap[0];
    if (top === undefined) return undefined;
    this.removeTop();
    this.live--;
    top.fired = true;
    return top;
  }

  private discardCancelledTop(): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0].cancelled) this.removeTop();
  }

  private removeTop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const item = heap[index];
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(item, heap[parent])) break;
      heap[index] = heap[parent];
      index = parent;
    }
    heap[index] = item;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[index];
    for (;;) {
      let child = 2 * index + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap[child + 1], heap[child])) child++;
      if (!before(heap[child], item)) break;
      heap[index] = heap[child];
      index = child;
    }
    heap[index] = item;
  }
}
