import seedrandom from 'seedrandom';
import { mean } from '../../sim/metrics/quantiles.ts';

/** Resamples a bootstrap draws unless told otherwise (enough for a 95% percentile interval). */
export const DEFAULT_RESAMPLES = 1000;

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/**
 * Two-level bootstrap of the replicate mean of a per-run statistic: draw R replicates
 * with replacement, then each drawn replicate's requests with replacement, and average
 * the statistic over the drawn replicates. Resampling replays first carries the
 * replay-to-replay spread (the device's drift); resampling requests within them
 * carries each replay's own sampling noise. Deterministic given the seed.
 */
export function bootstrapReplicateMeans(
  replicates: readonly (readonly number[])[],
  stat: (sample: readonly number[]) => number,
  options: { readonly seed: string; readonly resamples?: number },
): number[] {
  const random = seedrandom.xor4096(options.seed);
  const pick = (n: number) => Math.floor(random() * n);
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const out: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const values: number[] = [];
    for (let r = 0; r < replicates.length; r++) {
      const replicate = replicates[pick(replicates.length)];
      const drawn = new Array<number>(replicate.length);
      for (let i = 0; i < replicate.length; i++) drawn[i] = replicate[pick(replicate.length)];
      values.push(stat(drawn));
    }
    out.push(mean(values));
  }
  return out;
}

/** The central `level` percentile interval of a bootstrap distribution (NaN values left out). */
export function percentileInterval(distribution: readonly number[], level = 0.95): Interval {
  const sorted = distribution.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (sorted.length === 0) return { low: NaN, high: NaN };
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  return { low: at((1 - level) / 2), high: at(1 - (1 - level) / 2) };
}
