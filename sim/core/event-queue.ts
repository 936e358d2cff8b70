/**
 * The pending-event list: a binary min-heap ordered by (time, insertion sequence),
 * where every event knows its position, so cancelling and rescheduling are true
 * O(log n) heap operations and the heap never carries dead entries. It is only a
 * data structure; the engine that owns the clock lives in engine.ts. Ties in time
 * fire in insertion order (a rescheduled event counts as newly inserted), so a run
 * never depends on heap internals.
 */

export type EventAction = () => void;

/** A scheduled event. Hold it to cancel or reschedule it. */
export interface EventHandle {
  readonly time: number;
  readonly seq: number;
  /** True once cancelled; a cancelled event never fires. */
  readonly cancelled: boolean;
  /** True while the event waits in the queue (not yet fired, not cancelled). */
  readonly pending: boolean;
  readonly action: EventAction;
}

class ScheduledEvent implements EventHandle {
  cancelled = false;
  /** Position in the heap array, or -1 once fired or cancelled. */
  index = -1;
  constructor(
    public time: number,
    public seq: number,
    readonly action: EventAction,
  ) {}

  get pending(): boolean {
    return this.index >= 0;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

function checkTime(time: number): void {
  if (!(time === time) || time === Infinity || time === -Infinity) {
    throw new RangeError(`event time must be a finite number, got ${time}`);
  }
}

export class EventQueue {
  private readonly heap: ScheduledEvent[] = [];
  private nextSeq = 0;

  /** Number of pending events. */
  get size(): number {
    return this.heap.length;
  }

  push(time: number, action: EventAction): EventHandle {
    checkTime(time);
    const event = new ScheduledEvent(time, this.nextSeq++, action);
    event.index = this.heap.length;
    this.heap.push(event);
    this.siftUp(event.index);
    return event;
  }

  /** Removes a pending event. Cancelling one that fired or was cancelled does nothing. */
  cancel(handle: EventHandle): void {
    const event = handle as ScheduledEvent;
    if (event.index < 0) return;
    this.removeAt(event.index);
    event.cancelled = true;
  }

  /**
   * Moves an event to a new time, as if cancelled and pushed again (it goes after
   * events already at that time), without allocating. An event that already fired
   * or was cancelled is put back in the queue, so a model can keep reusing one.
   */
  reschedule(handle: EventHandle, time: number): void {
    const event = handle as ScheduledEvent;
    checkTime(time);
    event.seq = this.nextSeq++;
    if (event.index < 0) {
      event.cancelled = false;
      event.time = time;
      event.index = this.heap.length;
      this.heap.push(event);
      this.siftUp(event.index);
      return;
    }
    const earlier = time < event.time;
    event.time = time;
    if (earlier) this.siftUp(event.index);
    else this.siftDown(event.index);
  }

  /** The earliest pending event, without removing it. */
  peek(): EventHandle | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest pending event. */
  pop(): EventHandle | undefined {
    const top = this.heap[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index];
    removed.index = -1;
    const last = heap.pop()!;
    if (index === heap.length) return;
    heap[index] = last;
    last.index = index;
    if (index > 0 && before(last, heap[(index - 1) >> 1])) this.siftUp(index);
    else this.siftDown(index);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const item = heap[index];
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent];
      if (!before(item, above)) break;
      heap[index] = above;
      above.index = index;
      index = parent;
    }
    heap[index] = item;
    item.index = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[index];
    for (;;) {
      let child = 2 * index + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap[child + 1], heap[child])) child++;
      const below = heap[child];
      if (!before(below, item)) break;
      heap[index] = below;
      below.index = index;
      index = child;
    }
    heap[index] = item;
    item.index = index;
  }
}
