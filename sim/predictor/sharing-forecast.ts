/**
 * A small forward run of the sharing law (sim/gpu/sharing.ts) over one GPU's known
 * work: the phases its co-runners have left, the requests queued on it, and the new
 * request. It answers how long the new request's kernels would take if nothing else
 * arrived (or, with a filler, if every slot that is or falls vacant were at once taken
 * by work of a given mean demand). The adaptive predictor's physically shaped
 * feature: what it cannot know (future arrivals, each request's own variability, the
 * exact progress inside a running phase) is left to the learned correction on top.
 */
import { spatialRates, timeSlicedRates, type SharingParams } from '../gpu/sharing.ts';
import { phaseFactor, requestSoloExecutionMs, type RequestShape } from '../model/profile.ts';
import type { PhaseTable } from './colocation-features.ts';

/** Work a request has left: its phases from `phase` on, `remaining` solo ms of that one. */
export interface ForecastWork {
  readonly table: PhaseTable;
  readonly phase: number;
  readonly remaining: number;
  /** The request, when its tokens or duration shape its phases (see RequestShape); absent: the table as is. */
  readonly shape?: RequestShape;
}

/** Solo ms of phase k of a table, shaped by a request's tokens or duration when it has a shape. */
function phaseMs(table: PhaseTable, k: number, shape: RequestShape | undefined): number {
  return shape === undefined ? table.soloMs[k] : table.soloMs[k] * phaseFactor(shape, k);
}

/** Demand of the persistent work that takes every vacant slot. */
export interface Filler {
  readonly compute: number;
  readonly memory: number;
}

/** Phase completions simulated at most; past it the rest runs at the last rate. */
const MAX_STEPS = 4096;
const EPSILON = 1e-9;

/** A phase's record for the sharing law: PhaseRecord's offsets (sim/gpu/sharing.ts), written out so they compile to numbers. */
const enum Field {
  Compute = 0,
  Memory = 1,
  Sensitivity = 2,
  Rate = 3,
  Stride = 4,
}

const NORMAL = 0;
const SELF = 1;
const FILLER = 2;

/**
 * Reusable scratch for forecasts (struct of arrays, grown on demand), so a prediction
 * allocates nothing per step. One instance per predictor; not re-entrant.
 */
export class SharingForecaster {
  private tables: (PhaseTable | undefined)[] = [];
  private shapes: (RequestShape | undefined)[] = [];
  private phase = new Int32Array(8);
  private remaining = new Float64Array(8);
  private kind = new Uint8Array(8);
  private active = new Int32Array(8);
  /** The active phases' records for the sharing law (sim/gpu/sharing.ts), Field.Stride numbers each. */
  private phases = new Float64Array(8 * Field.Stride);

  private ensure(entities: number, slots: number): void {
    if (this.phase.length < entities) {
      const n = Math.max(entities, 2 * this.phase.length);
      this.phase = new Int32Array(n);
      this.remaining = new Float64Array(n);
      this.kind = new Uint8Array(n);
    }
    if (this.active.length < slots) {
      const n = Math.max(slots, 2 * this.active.length);
      this.active = new Int32Array(n);
      this.phases = new Float64Array(n * Field.Stride);
    }
  }

  /**
   * The new request's execution time over its solo work (its slowdown). `running`
   * hold slots now (one with no work left releases its slot at once: it is only moving
   * its output); `queued` start in order as slots free, then the request itself
   * unless it `startsNow`. With `filler`, every free slot is at once taken by filler
   * work that never ends.
   */
  slowdown(
    self: PhaseTable,
    startsNow: boolean,
    running: readonly ForecastWork[],
    queued: readonly ForecastWork[],
    sharing: SharingParams,
    slots: number,
    filler?: Filler,
    selfShape?: RequestShape,
  ): number {
    const soloTotal = selfShape === undefined ? self.totalMs : requestSoloExecutionMs(selfShape);
    if (!(soloTotal > 0) || slots < 1) return 1;
    // Entities: running, then queued, then self, then one filler per slot at most.
    const entities = running.length + queued.length + 1 + slots;
    this.ensure(entities, slots + 1);
    const { tables, shapes, phase, remaining, kind, active } = this;
    let count = 0;
    let activeCount = 0;
    const add = (table: PhaseTable | undefined, k: number, rem: number, type: number, shape?: RequestShape): number => {
      const e = count++;
      tables[e] = table;
      shapes[e] = shape;
      phase[e] = k;
      remaining[e] = rem;
      kind[e] = type;
      return e;
    };
    for (const r of running) {
      if (r.phase < r.table.soloMs.length && r.remaining > 0 && activeCount < slots) active[activeCount++] = add(r.table, r.phase, r.remaining, NORMAL, r.shape);
    }
    const firstWaiting = count;
    for (const q of queued) add(q.table, q.phase, q.remaining, NORMAL, q.shape);
    const selfEntity = add(self, 0, phaseMs(self, 0, selfShape), SELF, selfShape);
    let nextWaiting = firstWaiting;
    const lastWaiting = count; // exclusive
    let selfStarted = false;
    let selfStart = 0;
    if (startsNow) {
      // It takes its slot now; queued work (if any) waits behind it.
      nextWaiting = selfEntity === nextWaiting ? nextWaiting + 1 : nextWaiting;
      if (activeCount < slots + 1) active[activeCount++] = selfEntity;
      selfStarted = true;
    }
    const fillFree = (now: number): void => {
      while (activeCount < slots && nextWaiting < lastWaiting) {
        if (startsNow && nextWaiting === selfEntity) {
          nextWaiting++;
          continue;
        }
        const e = nextWaiting++;
        active[activeCount++] = e;
        if (e === selfEntity) {
          selfStarted = true;
          selfStart = now;
        }
      }
      if (filler !== undefined) {
        while (activeCount < slots) active[activeCount++] = add(undefined, 0, Infinity, FILLER);
      }
    };
    fillFree(0);

    let now = 0;
    for (let step = 0; step < MAX_STEPS; step++) {
      const n = activeCount;
      const phases = this.phases;
      for (let i = 0, at = 0; i < n; i++, at += Field.Stride) {
        const e = active[i];
        if (kind[e] === FILLER) {
          phases[at + Field.Compute] = filler!.compute;
          phases[at + Field.Memory] = filler!.memory;
          phases[at + Field.Sensitivity] = 1;
        } else {
          const t = tables[e]!;
          phases[at + Field.Compute] = t.compute[phase[e]];
          phases[at + Field.Memory] = t.memory[phase[e]];
          phases[at + Field.Sensitivity] = t.sensitivity[phase[e]];
        }
      }
      if (sharing.mode === 'spatial') spatialRates(phases, 0, Field.Stride, n, sharing);
      else timeSlicedRates(phases, 0, Field.Stride, n, sharing);
      let dt = Infinity;
      for (let i = 0; i < n; i++) {
        const e = active[i];
        if (kind[e] !== FILLER) {
          const t = remaining[e] / phases[i * Field.Stride + Field.Rate];
          if (t < dt) dt = t;
        }
      }
      if (!(dt < Infinity)) return 1; // only fillers left: the request cannot be waiting or running
      now += dt;
      let kept = 0;
      let selfDone = false;
      for (let i = 0; i < n; i++) {
        const e = active[i];
        if (kind[e] !== FILLER) {
          const t = tables[e]!;
          remaining[e] -= dt * phases[i * Field.Stride + Field.Rate];
          while (phase[e] < t.soloMs.length && remaining[e] <= EPSILON * Math.max(1, t.soloMs[phase[e]])) {
            phase[e]++;
            remaining[e] = phase[e] < t.soloMs.length ? phaseMs(t, phase[e], shapes[e]) : 0;
          }
          if (phase[e] >= t.soloMs.length) {
            if (e === selfEntity) selfDone = true;
            continue;
          }
        }
        active[kept++] = e;
      }
      if (selfDone) return (now - selfStart) / soloTotal;
      activeCount = kept;
      fillFree(now);
    }
    // Too many steps (pathological input): the rest of the request at its last rate.
    if (!selfStarted) return 1;
    let left = remaining[selfEntity];
    for (let k = phase[selfEntity] + 1; k < self.soloMs.length; k++) left += phaseMs(self, k, selfShape);
    const done = soloTotal - left;
    return done > 0 ? (now - selfStart) / done : 1;
  }
}
