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
  /** True once cancelled; a cancelled event never fires. */
  readonly cancelled: boolean;
  /** True while the event waits in the queue (not yet fired, not cancelled). */
  readonly pending: boolean;
  readonly action: EventAction;
}

class ScheduledEvent implements EventHandle {
  cancelled = false;
  /** Its slot in the queue while queued (see EventQueue), or -1 once fired or cancelled. */
  slot = -1;
  /**
   * Its time once it has left the queue (fired or cancelled); while queued, the queue's
   * arrays hold it. A number field is a heap box of its own in V8: kept current at every
   * reschedule, it was one more cold line per event at 1,024 GPUs.
   */
  timeOut: number;

  constructor(
    private readonly queue: EventQueue,
    time: number,
    readonly action: EventAction,
  ) {
    this.timeOut = time;
  }

  get time(): number {
    return this.slot >= 0 ? this.queue.timeOfSlot(this.slot) : this.timeOut;
  }

  get pending(): boolean {
    return this.slot >= 0 && this.slot !== this.queue.firingSlot;
  }
}

function checkTime(time: number): void {
  // x - x is 0 for every finite x, NaN for NaN and the infinities: one test for all three.
  if (time - time !== 0) notFinite(time);
}

/** The throw of checkTime, apart so the message is never built on the hot path (see engine.ts, pastTime). */
function notFinite(time: number): never {
  throw new RangeError(`event time must be a finite number, got ${time}`);
}

/**
 * The heap holds small integers, not objects: each queued event has a slot (a number
 * reused once it leaves the queue), the heap's entries are (time, seq, slot) in three
 * typed arrays in heap order, and each slot's heap position sits in a fourth. Sifting
 * moves numbers between flat arrays; it loads no event object and stores no pointer
 * (the object layout before it, an array of events each keeping its own position, paid
 * a map check and a write-barrier test per level).
 */
export class EventQueue {
  /** The event of each slot (a stale entry past its use is overwritten on reuse). */
  private slotEvent: ScheduledEvent[] = [];
  /** Heap position of each slot's event. */
  private slotPosition = new Int32Array(64);
  private freeSlots = new Int32Array(64);
  private freeCount = 0;
  private slotCount = 0;
  private heapSlots = new Int32Array(64);
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private count = 0;
  private nextSeq = 0;
  /** The slot of the event between beginFiring and endFiring, while it still holds the root; -1 when none. */
  firingSlot = -1;

  /** Number of pending events. */
  get size(): number {
    return this.firingSlot < 0 ? this.count : this.count - 1;
  }

  push(time: number, action: EventAction): EventHandle {
    checkTime(time);
    const event = new ScheduledEvent(this, time, action);
    this.insert(event, time, this.nextSeq++);
    return event;
  }

  /** Removes a pending event. Cancelling one that fired or was cancelled does nothing. */
  cancel(handle: EventHandle): void {
    const event = handle as ScheduledEvent;
    const slot = event.slot;
    if (slot < 0) return;
    if (slot === this.firingSlot) this.firingSlot = -1;
    this.removeAt(this.slotPosition[slot]);
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
    const seq = this.nextSeq++;
    const slot = event.slot;
    if (slot < 0) {
      event.cancelled = false;
      this.insert(event, time, seq);
      return;
    }
    if (slot === this.firingSlot) this.firingSlot = -1;
    const index = this.slotPosition[slot];
    const earlier = time < this.times[index];
    // A later seq never moves an entry up, so only an earlier time sifts up.
    if (earlier) this.siftUp(index, slot, time, seq);
    else this.siftDown(index, slot, time, seq);
  }

  /** The earliest pending event, without removing it. */
  peek(): EventHandle | undefined {
    return this.count > 0 ? this.slotEvent[this.heapSlots[0]] : undefined;
  }

  /** The time of a queued event's slot (ScheduledEvent.time). */
  timeOfSlot(slot: number): number {
    return this.times[this.slotPosition[slot]];
  }

  /** The time at the root: the event beginFiring() returns. The queue must not be empty. */
  rootTime(): number {
    return this.times[0];
  }

  /** Time of the earliest pending event, or Infinity when none is left. */
  peekTime(): number {
    return this.count > 0 ? this.times[0] : Infinity;
  }

  /**
   * Whether the earliest pending event is due before `time`. A boolean, not
   * peekTime() < time: the run loop that compared peekTime()'s number got it boxed, a
   * 16-byte heap number per event (V8 tags the number that may also be the constant Infinity).
   */
  hasEventBefore(time: number): boolean {
    return this.count > 0 && this.times[0] < time;
  }

  /** Removes and returns the earliest pending event. */
  pop(): EventHandle | undefined {
    if (this.count === 0) return undefined;
    const top = this.slotEvent[this.heapSlots[0]];
    this.removeAt(0);
    return top;
  }

  /**
   * Takes the earliest event for firing, leaving it at the root: it is no longer
   * pending, but a handler that reschedules it (a model keeping one recurring event,
   * the common case) moves it with one sift down instead of a removal and an insert.
   * Nothing else can move above it meanwhile: every other key is larger. The caller
   * must call endFiring() once the action returns. The queue must not be empty.
   */
  beginFiring(): EventHandle {
    const slot = this.heapSlots[0];
    this.firingSlot = slot;
    return this.slotEvent[slot];
  }

  /** Removes the fired event unless its action rescheduled or cancelled it. */
  endFiring(_handle: EventHandle): void {
    if (this.firingSlot < 0) return;
    this.firingSlot = -1;
    this.removeAt(0);
  }

  private insert(event: ScheduledEvent, time: number, seq: number): void {
    const slot = this.freeCount > 0 ? this.freeSlots[--this.freeCount] : this.newSlot();
    this.slotEvent[slot] = event;
    event.slot = slot;
    const index = this.count++;
    if (index === this.times.length) this.growHeap();
    this.siftUp(index, slot, time, seq);
  }

  private newSlot(): number {
    const slot = this.slotCount++;
    if (slot === this.slotPosition.length) {
      this.slotPosition = grown(this.slotPosition, new Int32Array(2 * slot));
      this.freeSlots = grown(this.freeSlots, new Int32Array(2 * slot));
    }
    return slot;
  }

  private growHeap(): void {
    const n = 2 * this.times.length;
    this.heapSlots = grown(this.heapSlots, new Int32Array(n));
    this.times = grown(this.times, new Float64Array(n));
    this.seqs = grown(this.seqs, new Float64Array(n));
  }

  /** Takes the entry at `index` out of the heap and frees its slot. */
  private removeAt(index: number): void {
    const heapSlots = this.heapSlots;
    const removed = heapSlots[index];
    const event = this.slotEvent[removed];
    event.timeOut = this.times[index];
    event.slot = -1;
    this.freeSlots[this.freeCount++] = removed;
    const lastIndex = --this.count;
    if (index === lastIndex) return;
    const slot = heapSlots[lastIndex];
    const time = this.times[lastIndex];
    const seq = this.seqs[lastIndex];
    if (index > 0) {
      const parent = (index - 1) >> 1;
      const pt = this.times[parent];
      if (time < pt || (time === pt && seq < this.seqs[parent])) {
        this.siftUp(index, slot, time, seq);
        return;
      }
    }
    this.siftDown(index, slot, time, seq);
  }

  /** Places `slot` with key (time, seq) at `index` or above, moving parents down. */
  private siftUp(index: number, slot: number, time: number, seq: number): void {
    const heapSlots = this.heapSlots;
    const times = this.times;
    const seqs = this.seqs;
    const position = this.slotPosition;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const pt = times[parent];
      if (time > pt || (time === pt && seq > seqs[parent])) break;
      const above = heapSlots[parent];
      heapSlots[index] = above;
      times[index] = pt;
      seqs[index] = seqs[parent];
      position[above] = index;
      index = parent;
    }
    heapSlots[index] = slot;
    times[index] = time;
    seqs[index] = seq;
    position[slot] = index;
  }

  /** Places `slot` with key (time, seq) at `index` or below, moving children up. */
  private siftDown(index: number, slot: number, time: number, seq: number): void {
    const heapSlots = this.heapSlots;
    const times = this.times;
    const seqs = this.seqs;
    const position = this.slotPosition;
    const n = this.count;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= n) break;
      let ct = times[child];
      let cs = seqs[child];
      const right = child + 1;
      if (right < n) {
        const rt = times[right];
        if (rt < ct || (rt === ct && seqs[right] < cs)) {
          child = right;
          ct = rt;
          cs = seqs[right];
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      const below = heapSlots[child];
      heapSlots[index] = below;
      times[index] = ct;
      seqs[index] = cs;
      position[below] = index;
      index = child;
    }
    heapSlots[index] = slot;
    times[index] = time;
    seqs[index] = seq;
    position[slot] = index;
  }
}

/** `bigger` with `a` copied into its start. */
function grown<A extends Int32Array | Float64Array>(a: A, bigger: A): A {
  bigger.set(a);
  return bigger;
}
