import type { Ms } from './units.ts';
import { EventQueue, type EventAction, type EventHandle } from './event-queue.ts';

/**
 * Throws for an event scheduled before the clock. Its own function, not a template
 * literal in the caller: TurboFan computed the message's number-to-string on the hot
 * path of every caller it inlined at() or move() into, ahead of the test that guards it
 * (`node --print-opt-code`: a NumberToString call per transfer start, about 600
 * instructions per request of the bench mix). A call never made is never inlined.
 */
function pastTime(time: Ms, clock: Ms): never {
  throw new RangeError(`cannot schedule at ${time} ms: the clock is already at ${clock} ms`);
}

/**
 * The simulation clock and its event loop. Models schedule actions at absolute
 * simulated times (milliseconds); the engine pops them in (time, sequence) order and
 * advances the clock. Wall time never enters here.
 */
export class Engine {
  private readonly queue = new EventQueue();
  private clock = 0;
  private processed = 0;

  /** The clock. O(1). */
  get now(): Ms {
    return this.clock;
  }

  /** Events fired so far (cancelled ones are not counted). */
  get eventsProcessed(): number {
    return this.processed;
  }

  /** Pending events. O(1). */
  get pending(): number {
    return this.queue.size;
  }

  /** Schedules a new event: `action` at absolute `time`, which may not lie in the past. O(log n). */
  at(time: Ms, action: EventAction): EventHandle {
    if (time < this.clock) {
      pastTime(time, this.clock);
    }
    return this.queue.push(time, action);
  }

  /** Schedules a new event `delay` after now. O(log n). */
  after(delay: Ms, action: EventAction): EventHandle {
    return this.at(this.clock + delay, action);
  }

  /** Removes a pending event (nothing for a fired or cancelled one, or none). O(log n), no dead entry left. */
  cancel(handle: EventHandle | undefined): void {
    if (handle !== undefined) this.queue.cancel(handle);
  }

  /**
   * Moves an event already made (pending, fired or cancelled) to `time`, which may not
   * lie in the past, and returns the handle. A model object keeps one recurring event
   * this way instead of allocating one per occurrence; a first occurrence uses at().
   * Moving counts as a new insertion for ties. O(log n); nothing when a pending event
   * is moved to its own time.
   */
  move(handle: EventHandle, time: Ms): EventHandle {
    if (time < this.clock) {
      pastTime(time, this.clock);
    }
    if (!handle.pending || time !== handle.time) this.queue.reschedule(handle, time);
    return handle;
  }

  // The fire sequence (clock, begin, count, action, end) is written out in each loop on
  // purpose: moved into one private method, it ran about 3x slower per event in a
  // micro-benchmark of the engine (V8 stopped inlining it into the loops).

  /** Fires one event; returns false when none is left. O(log n). */
  step(): boolean {
    const queue = this.queue;
    if (queue.size === 0) return false;
    this.clock = queue.rootTime();
    const event = queue.beginFiring();
    this.processed++;
    event.action();
    queue.endFiring(event);
    return true;
  }

  /** Fires every event strictly before `time`, leaving the rest pending. O(log n) per event. */
  runBefore(time: number): void {
    const queue = this.queue;
    while (queue.hasEventBefore(time)) {
      this.clock = queue.rootTime();
      const event = queue.beginFiring();
      this.processed++;
      event.action();
      queue.endFiring(event);
    }
  }

  /** Runs until no event is left (or until `until`, leaving later events pending). O(log n) per event. */
  run(until = Infinity): void {
    const queue = this.queue;
    if (until === Infinity) {
      // The hot loop of every full run: pop, advance the clock, fire.
      while (queue.size > 0) {
        this.clock = queue.rootTime();
        const event = queue.beginFiring();
        this.processed++;
        event.action();
        queue.endFiring(event);
      }
      return;
    }
    while (queue.peekTime() <= until) this.step();
  }
}
