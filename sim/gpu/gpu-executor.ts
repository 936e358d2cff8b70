import type { Engine } from '../core/engine.ts';
import type { EventHandle } from '../core/event-queue.ts';
import type { Ms } from '../core/units.ts';
import { spatialRates, timeSlicedRates, type SharingParams } from './sharing.ts';

/** Remaining work below this (ms of solo time) counts as finished: float residue. */
const WORK_EPSILON = 1e-9;

/** A phase's numbers in a PhaseDemands table, in this order from PhaseColumn.Count * k. */
export const enum PhaseColumn {
  SoloMs = 0,
  Compute = 1,
  Memory = 2,
  Sensitivity = 3,
  Count = 4,
}

/**
 * Solo time and demands of each phase of one model at one batch size: phase k's four
 * numbers side by side from PhaseColumn.Count * k (PhaseColumn's order). One array,
 * not one per quantity: a phase start read four arrays, four objects and four backing
 * stores, 43.7 simulated L1 misses per request of the bench mix in startPhase
 * (bench:instructions --variants mix --cache true --profile).
 */
export interface PhaseDemands {
  readonly phases: Float64Array;
}

/** A table of one phase: `soloMs` alone, at the given demands (sensitivity 1 unless given). */
export function onePhase(soloMs: Ms, compute: number, memory: number, sensitivity = 1): PhaseDemands {
  return { phases: Float64Array.of(soloMs, compute, memory, sensitivity) };
}

/**
 * An executor's numbers, all in one Float64Array: its counters, then a record of
 * `Stride` numbers per active phase from `Header` on (the sharing law's PhaseRecord
 * first, sim/gpu/sharing.ts). At 1,024 GPUs a GPU's executor is touched about once per
 * thousand requests and is out of cache each time: kept as five typed arrays, two
 * arrays and boxed counters, a completion there missed the last-level cache about 18
 * times per request (bench:instructions --gpus 1024 --cache true --profile). A
 * `const enum` so that each offset compiles to a number (a module constant is read
 * from the module's context at every use).
 */
const enum Layout {
  LastUpdate = 0,
  BusyTime = 1,
  DeliveredWork = 2,
  CompletedWork = 3,
  Header = 4,
  /** Numbers per phase: PhaseRecord's four, Remaining and Work, two unused (a 64-byte record). */
  Stride = 8,
}

/** A phase record's fields (Compute to Rate: PhaseRecord's offsets, sim/gpu/sharing.ts). */
const enum Field {
  Compute = 0,
  Memory = 1,
  Sensitivity = 2,
  Rate = 3,
  /** Solo ms of work left. */
  Remaining = 4,
  /** Solo ms of work at the start. */
  Work = 5,
}

/**
 * The kernel-execution side of one GPU as a fluid model. The active phases share the
 * GPU according to the sharing mode; whenever the active set changes, each phase's
 * progress rate is recomputed and only the earliest completion is kept scheduled,
 * so a GPU has at most one pending event however many phases it runs.
 */
export class GpuExecutor<T> {
  private owners: T[] = [];
  /** Counters and active phases (Layout). */
  private state = new Float64Array(Layout.Header + 2 * Layout.Stride);
  private count = 0;
  private nextCompletion: EventHandle | undefined;
  private settling = false;
  private readonly finishedScratch: T[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly sharing: SharingParams,
    // Told the owner only: the start time once passed beside it was read by a test alone,
    // and cost an array store per phase start.
    private readonly onPhaseDone: (owner: T) => void,
  ) {}

  get activeCount(): number {
    return this.count;
  }

  /** Time with at least one phase active. */
  get busyTime(): Ms {
    return this.state[Layout.BusyTime];
  }

  /** Integral of the summed progress rates: solo time of work delivered. */
  get deliveredWork(): Ms {
    return this.state[Layout.DeliveredWork];
  }

  /** Solo work of the phases that completed. */
  get completedWork(): Ms {
    return this.state[Layout.CompletedWork];
  }

  /**
   * Starts phase k of a table, its solo time times `scale`: the one way to start a
   * phase (a single phase of given demands: onePhase()). The numbers are copied array
   * to array; passed one by one, each double argument of a call V8 does not inline is
   * a heap allocation (this is the simulator's hot path).
   */
  startPhase(owner: T, table: PhaseDemands, k: number, scale: number): void {
    const at = this.add(owner);
    const state = this.state;
    const phases = table.phases;
    const from = PhaseColumn.Count * k;
    const work = phases[from + PhaseColumn.SoloMs] * scale;
    state[at + Field.Work] = work;
    state[at + Field.Remaining] = work;
    state[at + Field.Compute] = phases[from + PhaseColumn.Compute];
    state[at + Field.Memory] = phases[from + PhaseColumn.Memory];
    state[at + Field.Sensitivity] = phases[from + PhaseColumn.Sensitivity];
    if (!this.settling) this.reschedule();
  }

  /** A new record for `owner`, progress brought up to now first; returns where it starts in `state`. */
  private add(owner: T): number {
    this.advance(this.engine.now);
    const i = this.count++;
    if (Layout.Header + this.count * Layout.Stride > this.state.length) this.grow();
    this.owners[i] = owner;
    return Layout.Header + i * Layout.Stride;
  }

  /** Removes an owner's active phase (preemption). Returns whether it was active. */
  abort(owner: T): boolean {
    let i = 0;
    while (i < this.count && this.owners[i] !== owner) i++;
    if (i === this.count) return false;
    this.advance(this.engine.now);
    this.removeAt(i);
    if (!this.settling) this.reschedule();
    return true;
  }

  /** Brings remaining work and the counters up to `now` at the current rates. */
  private advance(now: number): void {
    const state = this.state;
    const dt = now - state[Layout.LastUpdate];
    state[Layout.LastUpdate] = now;
    if (dt <= 0 || this.count === 0) return;
    state[Layout.BusyTime] += dt;
    const end = Layout.Header + this.count * Layout.Stride;
    for (let at = Layout.Header; at < end; at += Layout.Stride) {
      const done = state[at + Field.Rate] * dt;
      state[at + Field.Remaining] -= done;
      state[Layout.DeliveredWork] += done;
    }
  }

  private computeRates(): void {
    const s = this.sharing;
    if (s.mode === 'spatial') {
      spatialRates(this.state, Layout.Header, Layout.Stride, this.count, s);
    } else {
      timeSlicedRates(this.state, Layout.Header, Layout.Stride, this.count, s);
    }
  }

  private reschedule(): void {
    if (this.count === 0) {
      this.engine.cancel(this.nextCompletion);
      return;
    }
    this.computeRates();
    const state = this.state;
    let soonest = Infinity;
    const end = Layout.Header + this.count * Layout.Stride;
    for (let at = Layout.Header; at < end; at += Layout.Stride) {
      const t = Math.max(0, state[at + Field.Remaining]) / state[at + Field.Rate];
      if (t < soonest) soonest = t;
    }
    const at = this.engine.now + soonest;
    this.nextCompletion = this.nextCompletion === undefined ? this.engine.at(at, this.onCompletionEvent) : this.engine.move(this.nextCompletion, at);
  }

  private readonly onCompletionEvent = (): void => {
    const now = this.engine.now;
    this.advance(now);
    // Collect every phase that is now finished before telling anyone, so that
    // phases started by the callbacks join one rate recomputation. The first (most
    // often the only one) is kept in a local: a request is young and the scratch array
    // old, so each store there was a write-barrier call (about 50 instructions).
    const state = this.state;
    const finished = this.finishedScratch;
    let first: T | undefined;
    let done = 0;
    for (let i = 0; i < this.count; ) {
      // Done when nothing is left, or so little that its completion time rounds to
      // `now`: the float residue of rate * time grows with the clock, and such a
      // phase, rescheduled, would fire at `now` again forever.
      const at = Layout.Header + i * Layout.Stride;
      const left = state[at + Field.Remaining];
      const work = state[at + Field.Work];
      if (left <= WORK_EPSILON * Math.max(1, work) || now + left / state[at + Field.Rate] <= now) {
        if (done === 0) first = this.owners[i];
        else finished[done - 1] = this.owners[i];
        done++;
        state[Layout.CompletedWork] += work;
        state[Layout.DeliveredWork] += left; // book the float residue as delivered
        this.removeAt(i);
      } else {
        i++;
      }
    }
    // Reusing the scratch array is safe: only the engine calls this handler, so the
    // callbacks below cannot re-enter it.
    this.settling = true;
    try {
      if (done > 0) this.onPhaseDone(first as T);
      for (let k = 1; k < done; k++) this.onPhaseDone(finished[k - 1]);
    } finally {
      this.settling = false;
    }
    this.reschedule();
  };

  /** Order of the active list does not matter: move the last record into the hole. */
  private removeAt(i: number): void {
    const last = --this.count;
    if (i !== last) {
      this.owners[i] = this.owners[last];
      const state = this.state;
      const to = Layout.Header + i * Layout.Stride;
      const from = Layout.Header + last * Layout.Stride;
      state[to + Field.Compute] = state[from + Field.Compute];
      state[to + Field.Memory] = state[from + Field.Memory];
      state[to + Field.Sensitivity] = state[from + Field.Sensitivity];
      state[to + Field.Rate] = state[from + Field.Rate];
      state[to + Field.Remaining] = state[from + Field.Remaining];
      state[to + Field.Work] = state[from + Field.Work];
    }
    this.owners[last] = undefined as T; // release the reference; slots past count are unused
  }

  /** Room for twice the phases, the counters and records kept. */
  private grow(): void {
    const bigger = new Float64Array(Layout.Header + 2 * (this.state.length - Layout.Header));
    bigger.set(this.state);
    this.state = bigger;
  }
}
