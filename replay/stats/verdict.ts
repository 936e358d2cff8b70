import type { Interval } from './bootstrap.ts';

export type VerdictName = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

/**
 * The tolerance may grow with the noise floor (max(target, 1.5 N)), but only to this
 * many times the target: beyond it the device is too noisy to say whether the simulator
 * meets the target, and a PASS there would be the noise passing itself.
 */
export const MAX_TOLERANCE_FACTOR = 2;

/** Replicates needed before a noise floor means anything. */
export const MIN_REPLICATES = 3;

export interface Verdict {
  readonly verdict: VerdictName;
  /** max(target, 1.5 N): the band E must stay in. */
  readonly tolerance: number;
  readonly reason: string;
}

/**
 * PASS when |E| <= max(target, 1.5 N) and the device resolves the target (1.5 N at most
 * MAX_TOLERANCE_FACTOR x target); FAIL when E's interval lies wholly outside that band
 * (whatever the noise); INCONCLUSIVE otherwise: the noise floor is too large, or E is
 * outside the band but its interval reaches into it, or there are too few replicates.
 */
export function verdict(input: { readonly error: number; readonly interval: Interval; readonly floor: number; readonly target: number; readonly replicates: number }): Verdict {
  const { error, interval, floor, target, replicates } = input;
  if (replicates < MIN_REPLICATES || !Number.isFinite(error) || !Number.isFinite(floor)) {
    return { verdict: 'INCONCLUSIVE', tolerance: NaN, reason: `too few replicates with samples (${replicates}, need ${MIN_REPLICATES})` };
  }
  const tolerance = Math.max(target, 1.5 * floor);
  if (interval.low > tolerance || interval.high < -tolerance) {
    return { verdict: 'FAIL', tolerance, reason: 'the interval of E lies outside the tolerance' };
  }
  if (1.5 * floor > MAX_TOLERANCE_FACTOR * target) {
    return { verdict: 'INCONCLUSIVE', tolerance, reason: `noise floor too large to resolve the target (1.5 N > ${MAX_TOLERANCE_FACTOR} x target)` };
  }
  if (Math.abs(error) <= tolerance) return { verdict: 'PASS', tolerance, reason: 'E within the tolerance' };
  return { verdict: 'INCONCLUSIVE', tolerance, reason: 'E outside the tolerance but its interval reaches into it' };
}
