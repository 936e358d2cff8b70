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
 * Spatial sharing (streams or MPS): the phases split the SMs and memory bandwidth as
 * a fluid. When their summed demand exceeds the GPU, all slow down by the same
 * factor; on top, each is slowed by the memory traffic of the others, in proportion
 * to its own sensitivity to that traffic (1 by default: a phase that lives in cache
 * suffers more from a streaming neighbour than a compute-bound one does).
 */
export function spatialRates(
  compute: Float64Array,
  memory: Float64Array,
  sensitivity: Float64Array,
  count: number,
  // The parameters, not the number: a double passed to a call V8 does not inline is a
  // heap allocation (about 3.7 per request on the bench mix).
  sharing: Pick<SharingParams, 'interferenceAlpha'>,
  rates: Float64Array,
): void {
  const alpha = sharing.interferenceAlpha;
  let sumCompute = 0;
  let sumMemory = 0;
  for (let i = 0; i < count; i++) {
    sumCompute += compute[i];
    sumMemory += memory[i];
  }
  const oversubscription = Math.max(1, sumCompute, sumMemory);
  for (let i = 0; i < count; i++) {
    const othersMemory = sumMemory - memory[i];
    rates[i] = 1 / (oversubscription * (1 + alpha * sensitivity[i] * othersMemory));
  }
}

/**
 * Time slicing (separate processes, no MPS): the GPU runs one context at a time, so
 * each of n busy contexts progresses at 1/n, less the share of time lost to
 * switching between them (none when a context runs alone).
 */
export function timeSlicedRates(count: number, sharing: Pick<SharingParams, 'timeSliceMs' | 'contextSwitchMs'>, rates: Float64Array): void {
  const sliceMs = sharing.timeSliceMs;
  const efficiency = count > 1 ? sliceMs / (sliceMs + sharing.contextSwitchMs) : 1;
  const rate = efficiency / count;
  for (let i = 0; i < count; i++) rates[i] = rate;
}
