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

// Layout of an executor's one Float64Array: its counters, then SLOT numbers per
// active phase. At 1,024 GPUs a GPU's executor is touched about once per thousand
// requests, so everything a completion reads is out of cache by then: kept in one
// array (and one line per phase) instead of a dozen objects and boxed doubles, a
// completion there missed the last-level cache 24 times per request
// (bench:instructions --gpus 1024 --cache true --profile).
const LAST_UPDATE = 0;
const BUSY_TIME = 1;
const DELIVERED_WORK = 2;
const COMPLETED_WORK = 3;
const HEADER = 4;
// Fields of a phase at HEADER + SLOT * i.
const REMAINING = 0;
const RATE = 1;
const WORK = 2;
const STARTED_AT = 3;
const COMPUTE = 4;
const MEMORY = 5;
const SENSITIVITY = 6;
const SLOT = 8; // 7 fields, padded to a 64-byte line

/**
 * Scratch shared by every executor. Only the engine calls a completion handler and
 * the engine fires one event at a time, so no two executors use these at once.
 */
const finishedScratch: unknown[] = [];
let startsScratch = new Float64Array(8);
let computeScratch = new Float64Array(8);
let memoryScratch = new Float64Array(8);
let sensitivityScratch = new Float64Array(8);
let ratesScratch = new Float64Array(8);

/** Room for n phases in the sharing laws' scratch arrays. */
function ensureScratch(n: number): void {
  if (n <= ratesScratch.length) return;
  const size = Math.max(n, 2 * ratesScratch.length);
  startsScratch = new Float64Array(size);
  computeScratch = new Float64Array(size);
  memoryScratch = new Float64Array(size);
  sensitivityScratch = new Float64Array(size);
  ratesScratch = new Float64Array(size);
}

/**
 * The kernel-execution side of one GPU as a fluid model. The active phases share the
 * GPU according to the sharing mode; whenever the active set changes, each phase's
 * progress rate is recomputed and only the earliest completion is kept scheduled,
 * so a GPU has at most one pending event however many phases it runs.
 */
export class GpuExecutor<T> {
  private owners: T[] = [];
  /** Counters and active phases (the layout above). */
  private state = new Float64Array(HEADER + SLOT * 2);
  private count = 0;
  private nextCompletion: EventHandle | undefined;
  private settling = false;

  constructor(
    private readonly engine: Engine,
    private readonly sharing: SharingParams,
    private readonly onPhaseDone: (owner: T, startedAt: number) => void,
  ) {}

  get activeCount(): number {
    return this.count;
  }

  /** Time with at least one phase active. */
  get busyTime(): Ms {
    return this.state[BUSY_TIME];
  }

  /** Integral of the summed progress rates: solo time of work delivered. */
  get deliveredWork(): Ms {
    return this.state[DELIVERED_WORK];
  }

  /** Solo work of the phases that completed. */
  get completedWork(): Ms {
    return this.state[COMPLETED_WORK];
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
    const work = table.soloMs[k] * scale;
    state[at + WORK] = work;
    state[at + REMAINING] = work;
    state[at + COMPUTE] = table.compute[k];
    state[at + MEMORY] = table.memory[k];
    state[at + SENSITIVITY] = table.sensitivity[k];
    if (!this.settling) this.reschedule();
  }

  /** A new slot for `owner`, progress brought up to now first; returns where its fields start in `state`. */
  private add(owner: T): number {
    const now = this.engine.now;
    this.advance(now);
    const i = this.count++;
    if (HEADER + SLOT * this.count > this.state.length) this.grow();
    this.owners[i] = owner;
    const at = HEADER + SLOT * i;
    this.state[at + STARTED_AT] = now;
    return at;
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
    const dt = now - state[LAST_UPDATE];
    state[LAST_UPDATE] = now;
    if (dt <= 0 || this.count === 0) return;
    state[BUSY_TIME] += dt;
    for (let i = 0, at = HEADER; i < this.count; i++, at += SLOT) {
      const done = state[at + RATE] * dt;
      state[at + REMAINING] -= done;
      state[DELIVERED_WORK] += done;
    }
  }

  /** Each active phase's rate by the sharing law (sharing.ts), through its flat arrays. */
  private computeRates(): void {
    const s = this.sharing;
    const state = this.state;
    const n = this.count;
    ensureScratch(n);
    const rates = ratesScratch;
    if (s.mode === 'spatial') {
      for (let i = 0, at = HEADER; i < n; i++, at += SLOT) {
        computeScratch[i] = state[at + COMPUTE];
        memoryScratch[i] = state[at + MEMORY];
        sensitivityScratch[i] = state[at + SENSITIVITY];
      }
      spatialRates(computeScratch, memoryScratch, sensitivityScratch, n, s.interferenceAlpha, rates);
    } else {
      timeSlicedRates(n, s.timeSliceMs, s.contextSwitchMs, rates);
    }
    for (let i = 0, at = HEADER; i < n; i++, at += SLOT) state[at + RATE] = rates[i];
  }

  private reschedule(): void {
    if (this.count === 0) {
      this.engine.cancel(this.nextCompletion);
      return;
    }
    this.computeRates();
    const state = this.state;
    let soonest = Infinity;
    for (let i = 0, at = HEADER; i < this.count; i++, at += SLOT) {
      const t = Math.max(0, state[at + REMAINING]) / state[at + RATE];
      if (t < soonest) soonest = t;
    }
    const at = this.engine.now + soonest;
    this.nextCompletion = this.nextCompletion === undefined ? this.engine.at(at, this.onCompletionEvent) : this.engine.move(this.nextCompletion, at);
  }

  private readonly onCompletionEvent = (): void => {
    const now = this.engine.now;
    this.advance(now);
    // Collect every phase that is now finished before telling anyone, so that
    // phases started by the callbacks join one rate recomputation.
    const state = this.state;
    const finished = finishedScratch as T[];
    ensureScratch(this.count);
    const starts = startsScratch;
    let done = 0;
    for (let i = 0; i < this.count; ) {
      // Done when nothing is left, or so little that its completion time rounds to
      // `now`: the float residue of rate * time grows with the clock, and such a
      // phase, rescheduled, would fire at `now` again forever.
      const at = HEADER + SLOT * i;
      const left = state[at + REMAINING];
      if (left <= WORK_EPSILON * Math.max(1, state[at + WORK]) || now + left / state[at + RATE] <= now) {
        finished[done] = this.owners[i];
        starts[done++] = state[at + STARTED_AT];
        state[COMPLETED_WORK] += state[at + WORK];
        state[DELIVERED_WORK] += left; // book the float residue as delivered
        this.removeAt(i);
      } else {
        i++;
      }
    }
    // The callbacks below cannot re-enter this handler (only the engine calls it), but
    // they can start phases here, so the finished owners are read before any of them.
    this.settling = true;
    try {
      for (let k = 0; k < done; k++) {
        const owner = finished[k];
        finished[k] = undefined as T; // release the reference
        this.onPhaseDone(owner, starts[k]);
      }
    } finally {
      this.settling = false;
    }
    this.reschedule();
  };

  /** Order of the active list does not matter: move the last one into the hole. */
  private removeAt(i: number): void {
    const last = --this.count;
    if (i !== last) {
      this.owners[i] = this.owners[last];
      const state = this.state;
      const to = HEADER + SLOT * i;
      const from = HEADER + SLOT * last;
      for (let f = 0; f < SLOT; f++) state[to + f] = state[from + f];
    }
    this.owners[last] = undefined as T; // release the reference; slots past count are unused
  }

  private grow(): void {
    const state = new Float64Array(HEADER + SLOT * 2 * this.count);
    state.set(this.state);
    this.state = state;
  }
}
