/**
 * How concurrently active phases share one GPU. Each function fills `rates` with the
 * progress rate of every active phase (1 = as fast as alone). Pure, so the laws in
 * DESIGN.md can be tested without an engine.
 */

export type SharingMode = 'spatial' | 'time-sliced';

export interface SharingParams {
  readonly mode: SharingMode;
  /**
   * Spatial: slowdown per unit of the other phases' memory demand (cache and DRAM),
   * times the slowed phase's own sensitivity.
   */
  readonly interferenceAlpha: number;
  /** Time-sliced: length of one context's slice, ms. */
  readonly timeSliceMs: number;
  /** Time-sliced: cost of one context switch, ms. */
  readonly contextSwitchMs: number;
}

/**
 * One SharingParams object per distinct value of the four: GPUs of one kind share it, so
 * an executor's law parameters sit in a line already in cache (one object per GPU was a
 * cold line at each completion at 1,024 GPUs). Compared with Object.is, field by field.
 */
export class SharingParamsPool {
  private readonly distinct: SharingParams[] = [];

  of(params: SharingParams): SharingParams {
    for (const known of this.distinct) {
      if (
        Object.is(known.mode, params.mode) &&
        Object.is(known.interferenceAlpha, params.interferenceAlpha) &&
        Object.is(known.timeSliceMs, params.timeSliceMs) &&
        Object.is(known.contextSwitchMs, params.contextSwitchMs)
      ) {
        return known;
      }
    }
    this.distinct.push(params);
    return params;
  }
}

/**
 * Where the laws read and write a phase's numbers: each active phase has a record of
 * `stride` numbers in one Float64Array, the i-th at `first + i * stride`, holding its
 * compute demand, memory demand and sensitivity at these offsets, and receiving its
 * rate. One record per phase, not an array per quantity: the GPU executor keeps a
 * phase's state in one cache line this way (at 1,024 GPUs a GPU's state is cold when
 * its completion fires). Callers name the offsets in a `const enum` of their own, so
 * they compile to numbers (a module constant is a context load per use in V8).
 */
export const enum PhaseRecord {
  Compute = 0,
  Memory = 1,
  Sensitivity = 2,
  Rate = 3,
}

/**
 * Spatial sharing (streams or MPS): the phases split the SMs and memory bandwidth as
 * a fluid. When their summed demand exceeds the GPU, all slow down by the same
 * factor; on top, each is slowed by the memory traffic of the others, in proportion
 * to its own sensitivity to that traffic (1 by default: a phase that lives in cache
 * suffers more from a streaming neighbour than a compute-bound one does). Reads and
 * writes `count` records of `phases` (PhaseRecord).
 */
export function spatialRates(
  phases: Float64Array,
  first: number,
  stride: number,
  count: number,
  // The parameters, not the number: a double passed to a call V8 does not inline is a
  // heap allocation (about 3.7 per request on the bench mix).
  sharing: Pick<SharingParams, 'interferenceAlpha'>,
): void {
  const alpha = sharing.interferenceAlpha;
  let sumCompute = 0;
  let sumMemory = 0;
  const end = first + count * stride;
  for (let at = first; at < end; at += stride) {
    sumCompute += phases[at + PhaseRecord.Compute];
    sumMemory += phases[at + PhaseRecord.Memory];
  }
  const oversubscription = Math.max(1, sumCompute, sumMemory);
  for (let at = first; at < end; at += stride) {
    const othersMemory = sumMemory - phases[at + PhaseRecord.Memory];
    phases[at + PhaseRecord.Rate] = 1 / (oversubscription * (1 + alpha * phases[at + PhaseRecord.Sensitivity] * othersMemory));
  }
}

/**
 * Time slicing (separate processes, no MPS): the GPU runs one context at a time, so
 * each of n busy contexts progresses at 1/n, less the share of time lost to
 * switching between them (none when a context runs alone). Writes the rate of
 * `count` records of `phases` (PhaseRecord).
 */
export function timeSlicedRates(
  phases: Float64Array,
  first: number,
  stride: number,
  count: number,
  sharing: Pick<SharingParams, 'timeSliceMs' | 'contextSwitchMs'>,
): void {
  const sliceMs = sharing.timeSliceMs;
  const efficiency = count > 1 ? sliceMs / (sliceMs + sharing.contextSwitchMs) : 1;
  const rate = efficiency / count;
  const end = first + count * stride;
  for (let at = first; at < end; at += stride) phases[at + PhaseRecord.Rate] = rate;
}
