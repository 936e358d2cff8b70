import { describe, expect, it } from 'vitest';
import { Engine } from '../sim/core/engine.ts';
import { EventQueue, type EventHandle } from '../sim/core/event-queue.ts';
import { RandomStream } from '../sim/core/random.ts';

const noop = (): void => {};

/** Pops everything, returning the handles in the order they came out. */
function drain(queue: EventQueue): EventHandle[] {
  const out: EventHandle[] = [];
  for (let e = queue.pop(); e !== undefined; e = queue.pop()) out.push(e);
  return out;
}

describe('EventQueue', () => {
  it('pops in time order', () => {
    const queue = new EventQueue();
    for (const t of [5, 1, 4, 2, 3, 0.5, 10, 7]) queue.push(t, noop);
    expect(drain(queue).map((e) => e.time)).toEqual([0.5, 1, 2, 3, 4, 5, 7, 10]);
  });

  it('breaks ties in time by insertion order', () => {
    const queue = new EventQueue();
    const labels = new Map<EventHandle, string>();
    const push = (time: number, label: string) => labels.set(queue.push(time, noop), label);
    push(2, 'a');
    push(1, 'b');
    push(2, 'c');
    push(1, 'd');
    push(2, 'e');
    push(0, 'f');
    push(2, 'g');
    push(1, 'h');
    expect(drain(queue).map((e) => labels.get(e))).toEqual(['f', 'b', 'd', 'h', 'a', 'c', 'e', 'g']);
  });

  it('keeps insertion order among many events at one time', () => {
    const queue = new EventQueue();
    const handles = Array.from({ length: 1000 }, () => queue.push(3, noop));
    expect(drain(queue)).toEqual(handles);
  });

  it('never returns a cancelled event, from peek or pop', () => {
    const queue = new EventQueue();
    const a = queue.push(1, noop);
    const b = queue.push(2, noop);
    const c = queue.push(3, noop);
    queue.cancel(a);
    expect(a.cancelled).toBe(true);
    expect(queue.peek()).toBe(b);
    queue.cancel(c);
    expect(drain(queue)).toEqual([b]);
    expect(queue.peek()).toBeUndefined();
    expect(queue.pop()).toBeUndefined();
  });

  it('counts only live events in size', () => {
    const queue = new EventQueue();
    expect(queue.size).toBe(0);
    const a = queue.push(1, noop);
    const b = queue.push(2, noop);
    queue.push(3, noop);
    expect(queue.size).toBe(3);
    queue.cancel(b);
    expect(queue.size).toBe(2);
    queue.cancel(b); // twice is once
    expect(queue.size).toBe(2);
    expect(queue.pop()).toBe(a);
    expect(queue.size).toBe(1);
    queue.cancel(a); // already fired: nothing to cancel
    expect(queue.size).toBe(1);
    queue.pop();
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it('cancels by flagging the handle; the event is skipped when it surfaces', () => {
    // The cost of cancel is not observable here; what is: the flag is set at once,
    // the others keep their order, and the cancelled one never comes out.
    const queue = new EventQueue();
    const handles = Array.from({ length: 100 }, (_, i) => queue.push(100 - i, noop));
    const deep = handles[0]; // latest time: a leaf
    queue.cancel(deep);
    expect(deep.cancelled).toBe(true);
    const popped = drain(queue);
    expect(popped).toHaveLength(99);
    expect(popped).not.toContain(deep);
  });

  it('rejects NaN and infinite times', () => {
    const queue = new EventQueue();
    expect(() => queue.push(NaN, noop)).toThrow(RangeError);
    expect(() => queue.push(Infinity, noop)).toThrow(RangeError);
    expect(queue.size).toBe(0);
  });

  it('matches a sorted reference under random push, cancel and pop', () => {
    for (let seed = 0; seed < 20; seed++) {
      const random = new RandomStream(`event-queue-property:${seed}`);
      const queue = new EventQueue();
      // Reference: live events with their insertion rank, popped by (time, rank).
      const reference: { handle: EventHandle; time: number; rank: number }[] = [];
      const everIssued: EventHandle[] = [];
      let rank = 0;
      for (let step = 0; step < 3000; step++) {
        const u = random.uniform();
        if (u < 0.5) {
          // Few distinct times, so ties are common.
          const time = Math.floor(random.uniform() * 50) / 4;
          const handle = queue.push(time, noop);
          reference.push({ handle, time, rank: rank++ });
          everIssued.push(handle);
        } else if (u < 0.65) {
          // Cancel anything ever issued: live, already cancelled or already popped.
          if (everIssued.length === 0) continue;
          const handle = everIssued[Math.floor(random.uniform() * everIssued.length)];
          queue.cancel(handle);
          const i = reference.findIndex((r) => r.handle === handle);
          if (i >= 0) reference.splice(i, 1);
        } else {
          let first = -1;
          for (let i = 0; i < reference.length; i++) {
            const r = reference[i];
            if (first < 0 || r.time < reference[first].time || (r.time === reference[first].time && r.rank < reference[first].rank)) first = i;
          }
          const expected = first < 0 ? undefined : reference.splice(first, 1)[0];
          expect(queue.pop()).toBe(expected?.handle);
        }
        expect(queue.size).toBe(reference.length);
      }
      reference.sort((a, b) => a.time - b.time || a.rank - b.rank);
      expect(drain(queue)).toEqual(reference.map((r) => r.handle));
    }
  });
});

describe('Engine', () => {
  it('advances the clock to each event time and runs actions in order', () => {
    const engine = new Engine();
    const seen: [string, number][] = [];
    engine.at(3, () => seen.push(['c', engine.now]));
    engine.at(1, () => seen.push(['a', engine.now]));
    engine.at(2, () => seen.push(['b', engine.now]));
    expect(engine.now).toBe(0);
    engine.run();
    expect(seen).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(engine.now).toBe(3);
    expect(engine.eventsProcessed).toBe(3);
    expect(engine.pending).toBe(0);
  });

  it('schedules relative to now with after()', () => {
    const engine = new Engine();
    const times: number[] = [];
    engine.at(2.5, () => engine.after(1.25, () => times.push(engine.now)));
    engine.run();
    expect(times).toEqual([3.75]);
  });

  it('fires an event scheduled for now after those already due now', () => {
    const engine = new Engine();
    const order: string[] = [];
    engine.at(1, () => {
      order.push('first');
      engine.at(1, () => order.push('scheduled by first'));
    });
    engine.at(1, () => order.push('second'));
    engine.run();
    expect(order).toEqual(['first', 'second', 'scheduled by first']);
  });

  it('cannot schedule in the past', () => {
    const engine = new Engine();
    engine.at(5, noop);
    engine.run();
    expect(() => engine.at(4.999, noop)).toThrow(RangeError);
    expect(() => engine.after(-1, noop)).toThrow(RangeError);
    expect(() => engine.at(5, noop)).not.toThrow(); // now itself is fine
  });

  it('run(until) fires events up to and including until and leaves later ones pending', () => {
    const engine = new Engine();
    const fired: number[] = [];
    for (const t of [1, 2, 3, 4, 5]) engine.at(t, () => fired.push(t));
    engine.run(3);
    expect(fired).toEqual([1, 2, 3]);
    expect(engine.now).toBe(3);
    expect(engine.pending).toBe(2);
    engine.run(3.5);
    expect(fired).toEqual([1, 2, 3]);
    expect(engine.pending).toBe(2);
    engine.run();
    expect(fired).toEqual([1, 2, 3, 4, 5]);
    expect(engine.pending).toBe(0);
  });

  it('does not fire or count cancelled events', () => {
    const engine = new Engine();
    const fired: number[] = [];
    const handles = [1, 2, 3, 4].map((t) => engine.at(t, () => fired.push(t)));
    engine.cancel(handles[1]);
    engine.at(1.5, () => engine.cancel(handles[3])); // cancelled by an earlier event
    engine.cancel(undefined); // allowed, does nothing
    expect(engine.pending).toBe(4);
    engine.run();
    expect(fired).toEqual([1, 3]);
    expect(engine.eventsProcessed).toBe(3); // 1, 1.5, 3
    expect(engine.now).toBe(3);
  });

  it('step() fires exactly one event and reports when none is left', () => {
    const engine = new Engine();
    engine.at(1, noop);
    engine.at(2, noop);
    expect(engine.step()).toBe(true);
    expect(engine.now).toBe(1);
    expect(engine.step()).toBe(true);
    expect(engine.step()).toBe(false);
    expect(engine.now).toBe(2);
    expect(engine.eventsProcessed).toBe(2);
  });

  it('handlers that reschedule or cancel their own and other events fire as a naive reference does', () => {
    // The engine fires an event while it still holds the heap's root; this checks that
    // rescheduling, cancelling and re-adding during firing keep (time, seq) order exactly.
    for (let seed = 0; seed < 10; seed++) {
      const random = new RandomStream(`engine-firing:${seed}`);
      const engine = new Engine();
      const reference: { id: number; time: number; seq: number }[] = [];
      let nextSeq = 0;
      const fired: string[] = [];
      const expected: string[] = [];
      const count = 12;
      const handles: (EventHandle | undefined)[] = new Array(count).fill(undefined);
      const place = (id: number, time: number) => {
        const i = reference.findIndex((r) => r.id === id);
        if (i >= 0) reference.splice(i, 1);
        reference.push({ id, time, seq: nextSeq++ });
      };
      const unplace = (id: number) => {
        const i = reference.findIndex((r) => r.id === id);
        if (i >= 0) reference.splice(i, 1);
      };
      let budget = 4000;
      const act = (id: number) => (): void => {
        fired.push(`${id}@${engine.now}`);
        unplace(id); // a firing event is no longer pending
        if (--budget <= 0) return;
        for (let k = 0; k < 3; k++) {
          const u = random.uniform();
          const other = Math.floor(random.uniform() * count);
          const time = engine.now + Math.floor(random.uniform() * 4) / 2; // ties are common
          if (u < 0.5) {
            handles[id] = handles[id] === undefined ? engine.at(time, actions[id]) : engine.move(handles[id]!, time);
            place(id, time);
          } else if (u < 0.6) {
            engine.cancel(handles[id]);
            unplace(id);
          } else if (u < 0.9) {
            handles[other] = handles[other] === undefined ? engine.at(time, actions[other]) : engine.move(handles[other]!, time);
            place(other, time);
          } else {
            engine.cancel(handles[other]);
            unplace(other);
          }
        }
        expect(engine.pending).toBe(reference.length);
      };
      const actions = Array.from({ length: count }, (_, id) => act(id));
      for (let id = 0; id < count; id++) {
        handles[id] = engine.at(id % 3, actions[id]);
        place(id, id % 3);
      }
      // The reference fires by (time, seq) and replays the same random draws.
      const referenceRandom = new RandomStream(`engine-firing:${seed}`);
      let referenceBudget = 4000;
      const live = [...reference];
      let referenceSeq = nextSeq;
      let now = 0;
      const referencePlace = (id: number, time: number) => {
        const i = live.findIndex((r) => r.id === id);
        if (i >= 0 && live[i].time === time) return; // schedule() keeps a pending event already at that time
        if (i >= 0) live.splice(i, 1);
        live.push({ id, time, seq: referenceSeq++ });
      };
      const referenceUnplace = (id: number) => {
        const i = live.findIndex((r) => r.id === id);
        if (i >= 0) live.splice(i, 1);
      };
      for (;;) {
        if (live.length === 0) break;
        live.sort((a, b) => a.time - b.time || a.seq - b.seq);
        const top = live.shift()!;
        now = top.time;
        expected.push(`${top.id}@${now}`);
        if (--referenceBudget <= 0) continue;
        for (let k = 0; k < 3; k++) {
          const u = referenceRandom.uniform();
          const other = Math.floor(referenceRandom.uniform() * count);
          const time = now + Math.floor(referenceRandom.uniform() * 4) / 2;
          if (u < 0.5) referencePlace(top.id, time);
          else if (u < 0.6) referenceUnplace(top.id);
          else if (u < 0.9) referencePlace(other, time);
          else referenceUnplace(other);
        }
      }
      engine.run();
      expect(fired.length).toBeGreaterThan(300);
      expect(fired).toEqual(expected);
      expect(engine.pending).toBe(0);
    }
  });
});

describe('EventHandle.time', () => {
  it('is the time it is queued for, then the time it had when it fired or was cancelled', () => {
    const engine = new Engine();
    const seen: number[] = [];
    const a = engine.at(5, () => seen.push(a.time));
    const b = engine.at(7, () => {});
    const c = engine.at(9, () => {
      if (engine.now === 9) engine.move(c, 12); // rescheduled while it fires, once
    });
    expect([a.time, b.time, c.time]).toEqual([5, 7, 9]);
    engine.move(a, 3);
    engine.move(b, 8);
    expect([a.time, b.time]).toEqual([3, 8]);
    engine.runBefore(4);
    expect(seen).toEqual([3]); // its own time, read while it fires
    expect(a.pending).toBe(false);
    expect(a.time).toBe(3);
    engine.cancel(b);
    expect(b.time).toBe(8);
    engine.runBefore(10);
    expect(c.pending).toBe(true);
    expect(c.time).toBe(12);
    engine.run();
    expect(c.time).toBe(12);
    engine.move(b, 20); // a cancelled event queued again
    expect(b.time).toBe(20);
  });
});
