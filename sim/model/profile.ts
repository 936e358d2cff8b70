/**
 * Model profiles: one inference split into a few phases, each with a solo duration
 * per batch size and the compute and memory-bandwidth demands it places on a GPU
 * when running alone. Values between profiled batch sizes are interpolated linearly.
 */

/** A quantity profiled at some batch sizes (ascending), e.g. solo time or demand. */
export interface BatchTable {
  readonly batchSizes: readonly number[];
  readonly values: readonly number[];
}

export function constantTable(value: number): BatchTable {
  return { batchSizes: [1], values: [value] };
}

/**
 * Looks a batch size up in a table. Inside the profiled range it interpolates
 * linearly; outside it, it extrapolates from the nearest segment (a single point is
 * a constant), because inference cost grows about linearly with batch size.
 */
export function lookupBatch(table: BatchTable, batch: number): number {
  const sizes = table.batchSizes;
  const values = table.values;
  const n = sizes.length;
  if (n === 1) return values[0];
  let hi = 1;
  while (hi < n - 1 && sizes[hi] < batch) hi++;
  const lo = hi - 1;
  const t = (batch - sizes[lo]) / (sizes[hi] - sizes[lo]);
  return Math.max(0, values[lo] + t * (values[hi] - values[lo]));
}

export interface PhaseProfile {
  readonly name: string;
  /** Solo duration in ms by batch size. */
  readonly soloMs: BatchTable;
  /** Fraction of the GPU's SMs this phase fills alone, in (0, 1]. */
  readonly compute: BatchTable;
  /** Fraction of peak memory bandwidth this phase draws alone, in [0, 1]. */
  readonly memory: BatchTable;
  /**
   * How strongly the others' memory traffic slows this phase (spatial sharing), 1
   * when absent: the victim's side of interference, where memory is the aggressor's.
   */
  readonly sensitivity?: BatchTable;
}

/** Per-request variability of execution time around the profile (mean 1). */
export type ServiceVariability =
  | { readonly kind: 'deterministic' }
  | { readonly kind: 'exponential' }
  | { readonly kind: 'lognormal'; readonly cv: number };

export interface ModelProfile {
  readonly name: string;
  readonly description: string;
  readonly phases: readonly PhaseProfile[];
  /** Host-to-device bytes per batch item. */
  readonly inputBytesPerItem: number;
  /** Device-to-host bytes per batch item. */
  readonly outputBytesPerItem: number;
  readonly variability: ServiceVariability;
  /** Largest batch size this model is profiled for (requests above it are invalid). */
  readonly maxBatch: number;
}

export function soloPhaseMs(model: ModelProfile, phase: number, batch: number): number {
  return lookupBatch(model.phases[phase].soloMs, batch);
}

/** Profiles are immutable, so their solo totals can be memoized per batch size. */
const soloTotals = new WeakMap<ModelProfile, number[]>();

/** Solo execution time of one inference: the sum of its phases. */
export function soloExecutionMs(model: ModelProfile, batch: number): number {
  let totals = soloTotals.get(model);
  if (totals === undefined) {
    totals = [];
    soloTotals.set(model, totals);
  }
  let total = totals[batch];
  if (total === undefined) {
    total = 0;
    for (const phase of model.phases) total += lookupBatch(phase.soloMs, batch);
    if (Number.isInteger(batch) && batch >= 0 && batch <= 1 << 16) totals[batch] = total;
  }
  return total;
}
