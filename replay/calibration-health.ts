import type { HostLoad } from './host-load.ts';
import { probeDrift } from './campaign-plan.ts';
import type { ReplayDirectory } from './replay-records.ts';
import type { CalibrationFit } from './calibrate.ts';

/**
 * Does a calibration deserve trust? A fit on records from a busy device finds
 * parameters stuck at their limits (pair rates 0.010, sensitivity 50.000, copy MAPE
 * 528% on a machine at load 7) and validates at +490% to +977% on mean latency; it
 * used to be written without a word. Each parameter group gets its goodness of fit,
 * and each problem a severity: 'refuse' (the profile is not written unless the user
 * accepts it) or 'warn'.
 */
export interface CalibrationProblem {
  readonly severity: 'refuse' | 'warn';
  readonly group: 'inputs' | 'execution' | 'sharing' | 'copies' | 'refinement';
  readonly message: string;
}

export interface GroupFit {
  readonly group: string;
  /** Share of the variation the group's law explains (R^2), where it has one. */
  readonly r2: number | null;
  /** Mean absolute percentage error, where it has one. */
  readonly mape: number | null;
  readonly note: string;
}

/** What calibrate records of each input replay: its device probes and the host's load. */
export interface CalibrationInput {
  readonly dir: string;
  readonly speedProbe: Readonly<Record<string, number>>;
  readonly speedProbeAfter?: Readonly<Record<string, number>>;
  readonly probeDrift: number | null;
  readonly hostLoad?: HostLoad;
}

export interface CalibrationHealth {
  readonly groups: readonly GroupFit[];
  readonly problems: readonly CalibrationProblem[];
  readonly inputs: readonly CalibrationInput[];
}

/** Where calibrate bounds a fitted value (sharing-fit.ts, calibrate.ts): ending there means the data pushed past it. */
export const FIT_LIMITS = { minRate: 0.01, maxSensitivity: 50 } as const;
/** A pair measured at the rate floor whose law rate is further above it than this is a stuck fit, not a starved victim. */
export const MAX_FLOOR_PAIR_GAP = 0.05;
/** Below this R^2 a law explains too little to be used. */
export const MIN_R2 = 0.5;
/** A copy law off by more than this (MAPE) is not a law. */
export const MAX_COPY_MAPE = 1;
/** Refinement scaling a model's solo times beyond this factor (either way) says the direct fit was wrong. */
export const MAX_REFINEMENT = 2;
/** Speed probes of the inputs differing by more than this (relative) were not one device. */
export const MAX_PROBE_SPREAD = 0.2;

function r2Of(measured: readonly number[], predicted: readonly number[]): number | null {
  if (measured.length < 2) return null;
  const m = measured.reduce((s, x) => s + x, 0) / measured.length;
  const total = measured.reduce((s, x) => s + (x - m) ** 2, 0);
  const residual = measured.reduce((s, x, i) => s + (x - predicted[i]) ** 2, 0);
  return total === 0 ? null : 1 - residual / total;
}

export function calibrationInputs(replays: readonly ReplayDirectory[]): CalibrationInput[] {
  return replays.map((r) => {
    const drift = probeDrift(r.meta.speedProbe ?? {}, r.meta.speedProbeAfter);
    return {
      dir: r.dir,
      speedProbe: r.meta.speedProbe ?? {},
      ...(r.meta.speedProbeAfter !== undefined ? { speedProbeAfter: r.meta.speedProbeAfter } : {}),
      probeDrift: Number.isFinite(drift) ? Math.round(drift * 1e4) / 1e4 : null,
      ...(r.meta.hostLoad !== undefined ? { hostLoad: r.meta.hostLoad } : {}),
    };
  });
}

/** Goodness of fit per parameter group and the problems found, from the fit and its inputs. */
export function calibrationHealth(fit: CalibrationFit, inputs: readonly CalibrationInput[], probeThreshold = 0.15): CalibrationHealth {
  const problems: CalibrationProblem[] = [];
  const refuse = (group: CalibrationProblem['group'], message: string) => problems.push({ severity: 'refuse', group, message });
  const warn = (group: CalibrationProblem['group'], message: string) => problems.push({ severity: 'warn', group, message });

  const busy = inputs.filter((i) => i.hostLoad?.busy === true);
  if (busy.length > 0) {
    const who = [...new Set(busy.flatMap((i) => i.hostLoad!.others.slice(0, 2)))].slice(0, 4).join(', ');
    refuse('inputs', `${busy.length} of ${inputs.length} input replay(s) ran on a busy device (other runnable processes on its cores: ${who}); their timings measure the neighbours`);
  }
  const unstable = inputs.filter((i) => i.probeDrift !== null && Math.abs(i.probeDrift) > probeThreshold);
  if (unstable.length > 0) warn('inputs', `${unstable.length} input replay(s) had the device's speed move by more than ${(100 * probeThreshold).toFixed(0)}% between the probes before and after`);
  const keys = Object.keys(inputs[0]?.speedProbe ?? {});
  for (const key of keys) {
    const values = inputs.map((i) => i.speedProbe[key]).filter((v) => v > 0);
    if (values.length < 2) continue;
    const spread = Math.max(...values) / Math.min(...values) - 1;
    if (spread > MAX_PROBE_SPREAD) {
      warn('inputs', `the inputs' speed probes of ${key} differ by ${(100 * spread).toFixed(0)}% (more than ${(100 * MAX_PROBE_SPREAD).toFixed(0)}%): the device was not the same speed in all of them`);
      break;
    }
  }

  const worstMape = Math.max(0, ...fit.execution.map((e) => e.mape));
  if (fit.executionR2 < MIN_R2) refuse('execution', `execution R^2 ${fit.executionR2.toFixed(3)} (below ${MIN_R2}): the sharing rates explain little of the execution times`);

  const floorRates = fit.rateAtConcurrency.filter((r, n) => n > 0 && r <= FIT_LIMITS.minRate * 1.01);
  if (floorRates.length > 0) refuse('sharing', `progress rate at concurrency ended at its floor ${FIT_LIMITS.minRate} (${fit.rateAtConcurrency.map((r) => r.toFixed(3)).join(', ')})`);
  // A measured pair rate at the floor is a victim that (nearly) stopped beside its
  // aggressor. Where the fitted law follows it down, that is a property of the device
  // (a quiet wasm campaign measured BERT beside MobileNet at 0.010, law 0.019) and only
  // worth a warning; where the law stays far above it, the fit is stuck (a busy device).
  const floorPairs = fit.pairs.filter((p) => p.rate <= FIT_LIMITS.minRate * 1.01);
  const stuckPairs = floorPairs.filter((p) => p.lawRate - p.rate > MAX_FLOOR_PAIR_GAP);
  const starvedPairs = floorPairs.filter((p) => p.lawRate - p.rate <= MAX_FLOOR_PAIR_GAP);
  const named = (pairs: typeof floorPairs) => pairs.map((p) => `${p.victim} beside ${p.aggressor} (law ${p.lawRate.toFixed(3)}, ${p.sharedMs.toFixed(0)} ms shared)`).join(', ');
  if (stuckPairs.length > 0) refuse('sharing', `pair rate(s) at the floor ${FIT_LIMITS.minRate} that the law cannot follow: ${named(stuckPairs)}`);
  if (starvedPairs.length > 0) warn('sharing', `pair rate(s) measured at the floor ${FIT_LIMITS.minRate}, the victim nearly stopped beside its aggressor (the law agrees): ${named(starvedPairs)}`);
  const atCeiling = Object.entries(fit.demands).filter(([, d]) => d.sensitivity >= FIT_LIMITS.maxSensitivity * 0.99);
  if (atCeiling.length > 0) refuse('sharing', `sensitivity at its bound ${FIT_LIMITS.maxSensitivity} for ${atCeiling.map(([m]) => m).join(', ')}`);
  const pairR2 = r2Of(fit.pairs.map((p) => p.rate), fit.pairs.map((p) => p.lawRate));
  if (pairR2 !== null && pairR2 < MIN_R2) warn('sharing', `the sharing law explains little of the pair rates (R^2 ${pairR2.toFixed(3)})`);

  const copies = [['input', fit.transferInBusy], ['output', fit.transferOutBusy]] as const;
  for (const [direction, law] of copies) {
    if (law.samples > 0 && law.mape > MAX_COPY_MAPE) warn('copies', `${direction} copies: the law is off by ${(100 * law.mape).toFixed(0)}% (MAPE) on average`);
  }
  const refinement = Object.entries(fit.refinement ?? {}).filter(([, f]) => f > MAX_REFINEMENT || f < 1 / MAX_REFINEMENT);
  if (refinement.length > 0) warn('refinement', `refinement by simulation scaled solo times by ${refinement.map(([m, f]) => `${m} ${f.toFixed(2)}`).join(', ')}: the direct fit was far off`);

  const groups: GroupFit[] = [
    { group: 'execution (solo times, rate by concurrency)', r2: fit.executionR2, mape: worstMape, note: `worst model/batch work MAPE ${(100 * worstMape).toFixed(0)}%` },
    { group: 'sharing (demands, sensitivities vs pair rates)', r2: pairR2, mape: null, note: `${fit.pairs.length} pairs` },
    { group: 'input copies', r2: fit.transferInBusy.r2, mape: fit.transferInBusy.mape, note: `${fit.transferInBusy.samples} samples` },
    { group: 'output copies', r2: fit.transferOutBusy.r2, mape: fit.transferOutBusy.mape, note: `${fit.transferOutBusy.samples} samples` },
  ];
  return { groups, problems, inputs };
}
