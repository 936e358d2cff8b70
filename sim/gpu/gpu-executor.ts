import type { Engine } from '../core/engine.ts';
import type { EventHandle } from '../core/event-queue.ts';
import type { Ms } from '../core/units.ts';
import { spatialRates, timeSlicedRates, type SharingParams } from './sharing.ts';

/** Remaining work below this (ms of solo time) counts as finished: float residue. */
const WORK_EPSILON = 1e-9;

/** Solo time and demands of each phase of one model at one batch size (index = phase). */
export interface PhaseDemands {
  readonly soloMs: Float64Array;
  readonly compute: Float64Array;
  readonly memory: Float64Array;
  readonly sensitivity: Float64Array;
}

/** A table of one phase: `soloMs` alone, at the given demands (sensitivity 1 unless given). */
export function onePhase(soloMs: Ms, compute: number, memory: number, sensitivity = 1): PhaseDemands {
  return {
    soloMs: Float64Array.of(soloMs),
    compute: Float64Array.of(compute),
    memory: Float64Array.of(memory),
    sensitivity: Float64Array.of(sensitivity),
  };
}

/**
 * The kernel-execution side of one GPU as a fluid model. The active phases share the
 * GPU according to the sharing mode; whenever the active set changes, each phase's
 * progress rate is recomputed and only the earliest completion is kept scheduled,
 * so a GPU has at most one pending event however many phases it runs.
 */
export class GpuExecutor<T> {
  private owners: T[] = [];
  private work: number[] = [];
  private remaining = new Float64Array(8);
  private compute = new Float64Array(8);
  private memory = new Float64Array(8);
  private sensitivity = new Float64Array(8);
  private rates = new Float64Array(8);
  private count = 0;
  private lastUpdate = 0;
  private nextCompletion: EventHandle | undefined;
  private settling = false;
  private readonly finishedScratch: T[] = [];

  /** Time with at least one phase active. */
  busyTime: Ms = 0;
  /** Integral of the summed progress rates: solo time of work delivered. */
  deliveredWork: Ms = 0;
  /** Solo work of the phases that completed. */
  completedWork: Ms = 0;

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

  /**
   * Starts phase k of a table, its solo time times `scale`: the one way to start a
   * phase (a single phase of given demands: onePhase()). The numbers are copied array
   * to array; passed one by one, each double argument of a call V8 does not inline is
   * a heap allocation (this is the simulator's hot path).
   */
  startPhase(owner: T, table: PhaseDemands, k: number, scale: number): void {
    const i = this.add(owner);
    const work = table.soloMs[k] * scale;
    this.work[i] = work;
    this.remaining[i] = work;
    this.compute[i] = table.compute[k];
    this.memory[i] = table.memory[k];
    this.sensitivity[i] = table.sensitivity[k];
    if (!this.settling) this.reschedule();
  }

  /** A new slot for `owner`, progress brought up to now first; returns its index. */
  private add(owner: T): number {
    const now = this.engine.now;
    this.advance(now);
    this.ensureCapacity(this.count + 1);
    const i = this.count++;
    this.owners[i] = owner;
    return i;
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
    const dt = now - this.lastUpdate;
    this.lastUpdate = now;
    if (dt <= 0 || this.count === 0) return;
    this.busyTime += dt;
    const remaining = this.remaining;
    const rates = this.rates;
    for (let i = 0; i < this.count; i++) {
      const done = rates[i] * dt;
      remaining[i] -= done;
      this.deliveredWork += done;
    }
  }

  private computeRates(): void {
    const s = this.sharing;
    if (s.mode === 'spatial') {
      spatialRates(this.compute, this.memory, this.sensitivity, this.count, s, this.rates);
    } else {
      timeSlicedRates(this.count, s, this.rates);
    }
  }

  private reschedule(): void {
    if (this.count === 0) {
      this.engine.cancel(this.nextCompletion);
      return;
    }
    this.computeRates();
    let soonest = Infinity;
    for (let i = 0; i < this.count; i++) {
      const t = Math.max(0, this.remaining[i]) / this.rates[i];
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
    const finished = this.finishedScratch;
    let first: T | undefined;
    let done = 0;
    for (let i = 0; i < this.count; ) {
      // Done when nothing is left, or so little that its completion time rounds to
      // `now`: the float residue of rate * time grows with the clock, and such a
      // phase, rescheduled, would fire at `now` again forever.
      const left = this.remaining[i];
      if (left <= WORK_EPSILON * Math.max(1, this.work[i]) || now + left / this.rates[i] <= now) {
        if (done === 0) first = this.owners[i];
        else finished[done - 1] = this.owners[i];
        done++;
        this.completedWork += this.work[i];
        this.deliveredWork += left; // book the float residue as delivered
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

  /** Order of the active list does not matter: swap the last one into the hole. */
  private removeAt(i: number): void {
    const last = --this.count;
    if (i !== last) {
      this.owners[i] = this.owners[last];
      this.work[i] = this.work[last];
      this.remaining[i] = this.remaining[last];
      this.rates[i] = this.rates[last];
      this.compute[i] = this.compute[last];
      this.memory[i] = this.memory[last];
      this.sensitivity[i] = this.sensitivity[last];
    }
    this.owners[last] = undefined as T; // release the reference; slots past count are unused
  }

  private ensureCapacity(n: number): void {
    if (n <= this.remaining.length) return;
    const grow = (a: Float64Array) => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.remaining = grow(this.remaining);
    this.compute = grow(this.compute);
    this.memory = grow(this.memory);
    this.sensitivity = grow(this.sensitivity);
    this.rates = grow(this.rates);
  }
}
