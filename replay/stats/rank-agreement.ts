import type { Interval } from './bootstrap.ts';

/**
 * Kendall's tau-b between two scorings of the same items (ties allowed on either side):
 * 1 when they order every pair alike, -1 when they reverse every pair. NaN when either
 * side ties every pair (nothing to rank).
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i] - a[j]);
      const db = Math.sign(b[i] - b[j]);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}

export type SignCheck = 'agree' | 'disagree' | 'not significant';

/**
 * Does the simulator reproduce a difference the device shows? Only a difference whose
 * interval excludes zero counts; then the simulator's difference must have its sign.
 */
export function signCheck(replayInterval: Interval, simDifference: number): SignCheck {
  if (!(replayInterval.low > 0 || replayInterval.high < 0)) return 'not significant';
  const sign = replayInterval.low > 0 ? 1 : -1;
  return Math.sign(simDifference) === sign ? 'agree' : 'disagree';
}
