import type { GpuUtilizationRow } from '../specs/gpu-utilization.ts';
import type { RequestBatch } from './requests-scan.ts';

/** Time bins of the utilization figure. */
export const UTILIZATION_BINS = 100;

/**
 * Busy time of each GPU in equal time bins: the share of each bin during which at
 * least one request was executing there (its execution_start to execution_end).
 */
export function busyShares(startsMs: Float64Array, endsMs: Float64Array, horizonMs: number, bins: number): Float64Array {
  const busy = new Float64Array(bins);
  if (!(horizonMs > 0) || bins <= 0) return busy;
  const width = horizonMs / bins;
  const starts = Float64Array.from(startsMs).sort();
  const ends = Float64Array.from(endsMs).sort();
  const addBusy = (from: number, to: number) => {
    const a = Math.max(0, from);
    const b = Math.min(horizonMs, to);
    for (let bin = Math.floor(a / width); bin < bins && bin * width < b; bin++) {
      const overlap = Math.min(b, (bin + 1) * width) - Math.max(a, bin * width);
      if (overlap > 0) busy[bin] += overlap;
    }
  };
  // The union of the intervals: a sweep over sorted starts and ends. A start at the
  // same time as an end comes first, so touching intervals merge.
  let i = 0;
  let j = 0;
  let active = 0;
  let unionStart = 0;
  while (j < ends.length) {
    if (i < starts.length && starts[i] <= ends[j]) {
      if (active++ === 0) unionStart = starts[i];
      i++;
    } else {
      if (--active === 0) addBusy(unionStart, ends[j]);
      j++;
    }
  }
  for (let bin = 0; bin < bins; bin++) busy[bin] /= width;
  return busy;
}

/** Execution intervals per GPU index, gathered batch by batch. */
export class BusyIntervalCollector {
  private readonly starts: number[][] = [];
  private readonly ends: number[][] = [];

  add(batch: RequestBatch): void {
    for (let i = 0; i < batch.length; i++) {
      const g = batch.gpu[i];
      const start = batch.executionStartMs[i];
      const end = batch.executionEndMs[i];
      if (g < 0 || !(end >= start) || !Number.isFinite(start) || !Number.isFinite(end)) continue;
      while (this.starts.length <= g) {
        this.starts.push([]);
        this.ends.push([]);
      }
      this.starts[g].push(start);
      this.ends[g].push(end);
    }
  }

  /** Rows per GPU (named by `gpuIds`, index order) and bin, percent busy. */
  rows(gpuIds: readonly string[], horizonMs: number, bins: number = UTILIZATION_BINS): GpuUtilizationRow[] {
    const count = Math.max(gpuIds.length, this.starts.length);
    const rows: GpuUtilizationRow[] = [];
    for (let g = 0; g < count; g++) {
      const shares = busyShares(Float64Array.from(this.starts[g] ?? []), Float64Array.from(this.ends[g] ?? []), horizonMs, bins);
      const width = horizonMs / bins;
      shares.forEach((share, bin) =>
        rows.push({ gpu: gpuIds[g] ?? `gpu ${g}`, startS: (bin * width) / 1000, endS: ((bin + 1) * width) / 1000, busyPct: 100 * share }),
      );
    }
    return rows;
  }
}
