/**
 * What a predictor can read, at dispatch, about the co-location set a request will
 * join on its GPU: the co-runners' compute and memory demands, how much of the new
 * request's execution each will overlap (from its remaining solo work), how many slots
 * will be refilled by work not yet arrived, and forward runs of the sharing law over
 * that set (sharing-forecast.ts). Everything comes from profiles and the GpuView; nothing reads the simulator's
 * ground truth (a request's serviceScale or an executor's remaining work).
 */
import type { GpuView } from '../cluster/gpu-state.ts';
import type { SharingMode } from '../gpu/sharing.ts';
import { lookupBatch, phaseFactor, requestSoloExecutionMs, type ModelProfile } from '../model/profile.ts';
import type { Request } from '../model/request.ts';
import type { ForecastWork, SharingForecaster } from './sharing-forecast.ts';

/** A model's phases resolved at one batch size, with work-weighted mean demands. */
export interface PhaseTable {
  readonly soloMs: Float64Array;
  readonly compute: Float64Array;
  readonly memory: Float64Array;
  readonly sensitivity: Float64Array;
  /** Sum of soloMs. */
  readonly totalMs: number;
  /** Work-weighted mean compute and memory demand over all phases. */
  readonly meanCompute: number;
  readonly meanMemory: number;
}

const tables = new WeakMap<ModelProfile, PhaseTable[]>();

/** The model's phase table at a batch size (memoized: profiles are immutable). */
export function phaseTable(model: ModelProfile, batch: number): PhaseTable {
  let byBatch = tables.get(model);
  if (byBatch === undefined) {
    byBatch = [];
    tables.set(model, byBatch);
  }
  const cached = byBatch[batch];
  if (cached !== undefined) return cached;
  const n = model.phases.length;
  const soloMs = new Float64Array(n);
  const compute = new Float64Array(n);
  const memory = new Float64Array(n);
  const sensitivity = new Float64Array(n);
  let total = 0;
  let c = 0;
  let m = 0;
  model.phases.forEach((phase, k) => {
    soloMs[k] = lookupBatch(phase.soloMs, batch);
    compute[k] = lookupBatch(phase.compute, batch);
    memory[k] = lookupBatch(phase.memory, batch);
    sensitivity[k] = phase.sensitivity === undefined ? 1 : lookupBatch(phase.sensitivity, batch);
    total += soloMs[k];
    c += soloMs[k] * compute[k];
    m += soloMs[k] * memory[k];
  });
  const table: PhaseTable = {
    soloMs,
    compute,
    memory,
    sensitivity,
    totalMs: total,
    meanCompute: total > 0 ? c / total : 0,
    meanMemory: total > 0 ? m / total : 0,
  };
  if (Number.isInteger(batch) && batch >= 0 && batch <= 1 << 16) byBatch[batch] = table;
  return table;
}

/** A co-runner's remaining kernel work and its demand over that work. */
export interface CoRunner extends ForecastWork {
  /** Solo ms of kernel work it still has. */
  readonly remainingMs: number;
  /** Work-weighted mean demands over the remaining work (0 when none is left). */
  readonly compute: number;
  readonly memory: number;
}

/**
 * A running or queued request's remaining work, from its state and current phase.
 * Progress inside the current phase is not visible; it is estimated from the time
 * since execution started, taking every phase to have run `typicalSlowdown` times
 * slower than solo, and kept between 5% and 95% of the phase.
 */
export function coRunnerOf(request: Request, now: number, typicalSlowdown: number): CoRunner {
  const table = phaseTable(request.model, request.batch);
  if (request.shaped) return shapedCoRunnerOf(request, table, now, typicalSlowdown);
  const phases = table.soloMs.length;
  switch (request.state) {
    case 'executing': {
      const k0 = request.phase;
      if (k0 >= phases) return { table, phase: phases, remaining: 0, remainingMs: 0, compute: 0, memory: 0 };
      let before = 0;
      for (let k = 0; k < k0; k++) before += table.soloMs[k];
      const s = typicalSlowdown > 0 ? typicalSlowdown : 1;
      const inPhase = (now - request.executionStart) / s - before;
      const phaseMs = table.soloMs[k0];
      const done = inPhase === inPhase ? Math.min(0.95 * phaseMs, Math.max(0.05 * phaseMs, inPhase)) : 0.5 * phaseMs;
      const first = phaseMs - done;
      let total = first;
      let c = first * table.compute[k0];
      let m = first * table.memory[k0];
      for (let k = k0 + 1; k < phases; k++) {
        const w = table.soloMs[k];
        total += w;
        c += w * table.compute[k];
        m += w * table.memory[k];
      }
      return { table, phase: k0, remaining: first, remainingMs: total, compute: total > 0 ? c / total : 0, memory: total > 0 ? m / total : 0 };
    }
    case 'transfer-out':
    case 'done':
      return { table, phase: phases, remaining: 0, remainingMs: 0, compute: 0, memory: 0 };
    default:
      // Queued or in its input transfer: all of it is ahead (a resumed request's
      // finished phases are not subtracted: rare, and only a feature).
      return { table, phase: 0, remaining: table.soloMs[0] ?? 0, remainingMs: table.totalMs, compute: table.meanCompute, memory: table.meanMemory };
  }
}

/** coRunnerOf for a request whose tokens or duration shape its phases: the same estimate over its own phase times. */
function shapedCoRunnerOf(request: Request, table: PhaseTable, now: number, typicalSlowdown: number): CoRunner {
  const phases = table.soloMs.length;
  const ms = (k: number) => table.soloMs[k] * phaseFactor(request, k);
  const from = (k0: number, first: number): CoRunner => {
    let total = first;
    let c = first * table.compute[k0];
    let m = first * table.memory[k0];
    for (let k = k0 + 1; k < phases; k++) {
      const w = ms(k);
      total += w;
      c += w * table.compute[k];
      m += w * table.memory[k];
    }
    return { table, phase: k0, remaining: first, remainingMs: total, compute: total > 0 ? c / total : 0, memory: total > 0 ? m / total : 0, shape: request };
  };
  switch (request.state) {
    case 'executing': {
      const k0 = request.phase;
      if (k0 >= phases) return { table, phase: phases, remaining: 0, remainingMs: 0, compute: 0, memory: 0 };
      let before = 0;
      for (let k = 0; k < k0; k++) before += ms(k);
      const s = typicalSlowdown > 0 ? typicalSlowdown : 1;
      const inPhase = (now - request.executionStart) / s - before;
      const phaseMs = ms(k0);
      const done = inPhase === inPhase ? Math.min(0.95 * phaseMs, Math.max(0.05 * phaseMs, inPhase)) : 0.5 * phaseMs;
      return from(k0, phaseMs - done);
    }
    case 'transfer-out':
    case 'done':
      return { table, phase: phases, remaining: 0, remainingMs: 0, compute: 0, memory: 0 };
    default:
      return phases > 0 ? from(0, ms(0)) : { table, phase: 0, remaining: 0, remainingMs: 0, compute: 0, memory: 0 };
  }
}

/** The features of one dispatch: the request, its GPU and the set it joins. */
export interface ColocationFeatures {
  readonly mode: SharingMode;
  /** The request's own solo execution ms and work-weighted mean demands. */
  readonly selfSoloMs: number;
  readonly selfCompute: number;
  readonly selfMemory: number;
  /** Co-runners it will share the GPU with when it starts (holding a slot). */
  readonly coRunners: number;
  /** True when all slots are taken (or others wait): it will queue first. */
  readonly waits: boolean;
  /** Sum over co-runners of the fraction of its execution each overlaps (0..1 each). */
  readonly overlap: number;
  /** Overlap-weighted sums of the co-runners' compute and memory demands. */
  readonly othersCompute: number;
  readonly othersMemory: number;
  /** Co-runners' remaining solo work, summed, over the request's own solo time. */
  readonly othersRemaining: number;
  /** Slot-fractions of its execution not covered by a known co-runner: work yet to come fills them. */
  readonly vacancy: number;
  /**
   * 1 when every other slot is taken (or it must queue): the GPU is saturated and
   * will most likely stay so (a slot freed is refilled by waiting work), else 0.
   */
  readonly full: number;
  /** Forward run of the sharing law over the known work (co-runners, queue), nothing new arriving. */
  readonly forecastKnown: number;
  /** The same with every slot that is or falls vacant taken at once by work of the recent mean demand. */
  readonly forecastFilled: number;
}

/** Recent mean demand of the work a GPU runs, used to fill vacant slots. */
export interface MeanDemand {
  readonly compute: number;
  readonly memory: number;
}

/**
 * Features of dispatching `request` to `gpu` now. When it cannot start at once, the
 * co-runners it will meet are taken as the last (maxConcurrency - 1) requests ahead of
 * it in start order (queued ones, then running ones), each with all of its work left.
 */
export function colocationFeatures(
  request: Request,
  gpu: GpuView,
  now: number,
  fill: MeanDemand,
  typicalSlowdown: number,
  forecaster: SharingForecaster,
): ColocationFeatures {
  const self = phaseTable(request.model, request.batch);
  const selfShape = request.shaped ? request : undefined;
  const selfTotalMs = selfShape === undefined ? self.totalMs : requestSoloExecutionMs(selfShape);
  const solo = Math.max(selfTotalMs, 1e-9);
  const slots = gpu.spec.maxConcurrency;
  const waits = !(gpu.freeSlots > 0 && gpu.queuedCount === 0);
  const running: CoRunner[] = [];
  for (const r of gpu.running) if (r !== request) running.push(coRunnerOf(r, now, typicalSlowdown));
  const queued: CoRunner[] = [];
  let set: CoRunner[] = running;
  if (waits) {
    for (const r of gpu.queued) if (r !== request) queued.push(coRunnerOf(r, now, typicalSlowdown));
    const ahead = running.concat(queued);
    set = ahead.slice(Math.max(0, ahead.length - (slots - 1)));
  }
  let overlap = 0;
  let othersCompute = 0;
  let othersMemory = 0;
  let remaining = 0;
  for (const co of set) {
    const f = Math.min(1, co.remainingMs / solo);
    overlap += f;
    othersCompute += f * co.compute;
    othersMemory += f * co.memory;
    remaining += co.remainingMs;
  }
  const coRunners = set.length;
  const vacancy = Math.max(0, slots - 1 - overlap);
  const sharing = gpu.spec.sharing;
  const forecastKnown = forecaster.slowdown(self, !waits, running, queued, sharing, slots, undefined, selfShape);
  const forecastFilled = forecaster.slowdown(self, !waits, running, queued, sharing, slots, fill, selfShape);
  return {
    mode: sharing.mode,
    selfSoloMs: selfTotalMs,
    selfCompute: self.meanCompute,
    selfMemory: self.meanMemory,
    coRunners,
    waits,
    overlap,
    othersCompute,
    othersMemory,
    othersRemaining: remaining / solo,
    vacancy,
    full: waits || coRunners >= slots - 1 ? 1 : 0,
    forecastKnown,
    forecastFilled,
  };
}
