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
  /** Firing: still at the heap's root, so that rescheduling it is one sift down. */
  firing = false;
  constructor(
    public time: number,
    public seq: number,
    readonly action: EventAction,
  ) {}

  get pending(): boolean {
    return this.index >= 0 && !this.firing;
  }
}

function checkTime(time: number): void {
  if (!(time === time) || time === Infinity || time === -Infinity) notFinite(time);
}

/** The throw of checkTime, apart so the message is never built on the hot path (see engine.ts, pastTime). */
function notFinite(time: number): never {
  throw new RangeError(`event time must be a finite number, got ${time}`);
}

/**
 * The heap keeps each entry's (time, seq) key in typed arrays beside the event
 * objects, so sifting compares numbers in two flat arrays instead of loading fields
 * from scattered objects: the queue's cost is most of the engine's per event.
 */
export class EventQueue {
  private events: ScheduledEvent[] = [];
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private count = 0;
  private nextSeq = 0;
  /** The event between beginFiring and endFiring, while it still holds the root. */
  private firingEvent: ScheduledEvent | undefined = undefined;

  /** Number of pending events. */
  get size(): number {
    return this.firingEvent === undefined ? this.count : this.count - 1;
  }

  push(time: number, action: EventAction): EventHandle {
    checkTime(time);
    const event = new ScheduledEvent(time, this.nextSeq++, action);
    this.insert(event);
    return event;
  }

  /** Removes a pending event. Cancelling one that fired or was cancelled does nothing. */
  cancel(handle: EventHandle): void {
    const event = handle as ScheduledEvent;
    if (event.index < 0) return;
    if (event.firing) this.stopFiring(event);
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
    const seq = this.nextSeq++;
    event.seq = seq;
    if (event.index < 0) {
      event.cancelled = false;
      event.time = time;
      this.insert(event);
      return;
    }
    if (event.firing) this.stopFiring(event);
    const index = event.index;
    const earlier = time < event.time;
    event.time = time;
    // A later seq never moves an entry up, so only an earlier time sifts up.
    if (earlier) this.siftUp(index, event, time, seq);
    else this.siftDown(index, event, time, seq);
  }

  /** The earliest pending event, without removing it. */
  peek(): EventHandle | undefined {
    return this.count > 0 ? this.events[0] : undefined;
  }

  /** Time of the earliest pending event, or Infinity when none is left. */
  peekTime(): number {
    return this.count > 0 ? this.times[0] : Infinity;
  }

  /** Removes and returns the earliest pending event. */
  pop(): EventHandle | undefined {
    if (this.count === 0) return undefined;
    const top = this.events[0];
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
    const top = this.events[0];
    top.firing = true;
    this.firingEvent = top;
    return top;
  }

  /** Removes the fired event unless its action rescheduled or cancelled it. */
  endFiring(handle: EventHandle): void {
    const event = handle as ScheduledEvent;
    if (!event.firing) return;
    this.stopFiring(event);
    this.removeAt(0);
  }

  private stopFiring(event: ScheduledEvent): void {
    event.firing = false;
    this.firingEvent = undefined;
  }

  private insert(event: ScheduledEvent): void {
    const index = this.count++;
    if (index === this.times.length) this.grow();
    this.siftUp(index, event, event.time, event.seq);
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }

  private removeAt(index: number): void {
    const events = this.events;
    events[index].index = -1;
    const lastIndex = --this.count;
    const last = events[lastIndex];
    events[lastIndex] = undefined as unknown as ScheduledEvent; // release the reference
    if (index === lastIndex) return;
    const time = this.times[lastIndex];
    const seq = this.seqs[lastIndex];
    if (index > 0) {
      const parent = (index - 1) >> 1;
      const pt = this.times[parent];
      if (time < pt || (time === pt && seq < this.seqs[parent])) {
        this.siftUp(index, last, time, seq);
        return;
      }
    }
    this.siftDown(index, last, time, seq);
  }

  /** Places `event` with key (time, seq) at `index` or above, moving parents down. */
  private siftUp(index: number, event: ScheduledEvent, time: number, seq: number): void {
    const events = this.events;
    const times = this.times;
    const seqs = this.seqs;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const pt = times[parent];
      if (time > pt || (time === pt && seq > seqs[parent])) break;
      const above = events[parent];
      events[index] = above;
      times[index] = pt;
      seqs[index] = seqs[parent];
      above.index = index;
      index = parent;
    }
    events[index] = event;
    times[index] = time;
    seqs[index] = seq;
    event.index = index;
  }

  /** Places `event` with key (time, seq) at `index` or below, moving children up. */
  private siftDown(index: number, event: ScheduledEvent, time: number, seq: number): void {
    const events = this.events;
    const times = this.times;
    const seqs = this.seqs;
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
      const below = events[child];
      events[index] = below;
      times[index] = ct;
      seqs[index] = cs;
      below.index = index;
      index = child;
    }
    events[index] = event;
    times[index] = time;
    seqs[index] = seq;
    event.index = index;
  }
}
