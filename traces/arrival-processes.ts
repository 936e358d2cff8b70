import type { RandomStream } from '../sim/core/random.ts';

/**
 * Synthetic arrival processes. Each one is given a mean rate and one RandomStream,
 * and hands out arrival times lazily (constant memory, any length); it draws from no
 * other source of randomness, so a stream of arrivals is reproducible from its seed.
 *
 * - poisson: exponential gaps.
 * - gamma: a renewal process with gamma-distributed gaps of the given coefficient of
 *   variation: cv = 1 is Poisson (and makes exactly Poisson's draws), cv > 1 bursty
 *   (many short gaps, a few long ones), cv < 1 smoother than Poisson, cv = 0
 *   deterministic (evenly spaced).
 * - mmpp: a two-state Markov-modulated Poisson process. The process alternates between
 *   a burst state and a calm state; sojourns are exponential, the burst state's mean
 *   is meanBurstMs and the calm state's is set so the process spends burstShare of
 *   its time in bursts. Arrivals are Poisson within a state, burstRatio times faster
 *   in a burst than in calm, with the calm rate set so the long-run mean is the rate
 *   asked for: calm = rate / (1 - burstShare + burstShare * burstRatio). It starts in
 *   its stationary state distribution. See mmppRates and theoreticalGapCv.
 * - diurnal: a non-homogeneous Poisson process of rate
 *   rate * (1 + amplitude * sin(2 pi t / periodMs + phase)), t in ms from the trace
 *   start, phase in radians, 0 <= amplitude <= 1; generated exactly by thinning
 *   (Lewis and Shedler): candidates at the peak rate rate * (1 + amplitude), each
 *   kept with probability rate(t) / peak.
 *
 * Only rates scale with a scenario's load or rate: sojourns (meanBurstMs) and periods
 * (periodMs) are in ms of simulated time and stay as given.
 */
export type ArrivalProcessSpec =
  | { readonly kind: 'poisson' }
  | { readonly kind: 'gamma'; readonly cv: number }
  | { readonly kind: 'mmpp'; readonly burstRatio: number; readonly burstShare: number; readonly meanBurstMs: number }
  | { readonly kind: 'diurnal'; readonly periodMs: number; readonly amplitude: number; readonly phase: number };

export type ArrivalProcessKind = ArrivalProcessSpec['kind'];

export const ARRIVAL_PROCESS_KINDS: readonly ArrivalProcessKind[] = ['poisson', 'gamma', 'mmpp', 'diurnal'];

/** The parameters each kind takes (besides kind), in the order they are written. */
export const ARRIVAL_PROCESS_PARAMS: { readonly [K in ArrivalProcessKind]: readonly string[] } = {
  poisson: [],
  gamma: ['cv'],
  mmpp: ['burstRatio', 'burstShare', 'meanBurstMs'],
  diurnal: ['periodMs', 'amplitude', 'phase'],
};

/** Largest gamma cv accepted: beyond it nearly every gap underflows to 0. */
export const MAX_GAMMA_CV = 100;

export const POISSON: ArrivalProcessSpec = { kind: 'poisson' };

/**
 * Why a process's parameters are out of range ("cv: expected ..."), or undefined if
 * they are fine. Parsers with better context (scenario fields, CLI flags) check the
 * same ranges themselves; this is the last line of defence and the shared definition.
 */
export function arrivalProcessProblem(spec: ArrivalProcessSpec): string | undefined {
  const finite = (x: number) => typeof x === 'number' && Number.isFinite(x);
  switch (spec.kind) {
    case 'poisson':
      return undefined;
    case 'gamma':
      return finite(spec.cv) && spec.cv >= 0 && spec.cv <= MAX_GAMMA_CV ? undefined : `cv: expected a number >= 0 <= ${MAX_GAMMA_CV}, got ${spec.cv}`;
    case 'mmpp':
      if (!(finite(spec.burstRatio) && spec.burstRatio >= 1)) return `burstRatio: expected a number >= 1, got ${spec.burstRatio}`;
      if (!(finite(spec.burstShare) && spec.burstShare > 0 && spec.burstShare < 1)) return `burstShare: expected a number > 0 and < 1, got ${spec.burstShare}`;
      if (!(finite(spec.meanBurstMs) && spec.meanBurstMs > 0)) return `meanBurstMs: expected a number > 0, got ${spec.meanBurstMs}`;
      return undefined;
    case 'diurnal':
      if (!(finite(spec.periodMs) && spec.periodMs > 0)) return `periodMs: expected a number > 0, got ${spec.periodMs}`;
      if (!(finite(spec.amplitude) && spec.amplitude >= 0 && spec.amplitude <= 1)) return `amplitude: expected a number >= 0 <= 1, got ${spec.amplitude}`;
      if (!finite(spec.phase)) return `phase: expected a number (radians), got ${spec.phase}`;
      return undefined;
  }
}

/** Arrival times of one process, ms from the trace start, non-decreasing, without end. */
export interface ArrivalClock {
  next(): number;
}

/**
 * The arrival times of `spec` at `ratePerMs` requests per ms on average, drawing only
 * from `random`. Throws (a programming error: parsers validate) on bad parameters.
 */
export function arrivalClock(spec: ArrivalProcessSpec, ratePerMs: number, random: RandomStream): ArrivalClock {
  if (!(ratePerMs > 0 && Number.isFinite(ratePerMs))) throw new RangeError(`arrival rate must be a positive number, got ${ratePerMs}`);
  const problem = arrivalProcessProblem(spec);
  if (problem !== undefined) throw new RangeError(`${spec.kind} arrival process: ${problem}`);
  switch (spec.kind) {
    case 'poisson':
      return new PoissonClock(ratePerMs, random);
    case 'gamma':
      if (spec.cv === 1) return new PoissonClock(ratePerMs, random);
      if (spec.cv === 0) return new EvenClock(ratePerMs);
      return new GammaClock(ratePerMs, spec.cv, random);
    case 'mmpp':
      return new MmppClock(mmppRates(spec, ratePerMs), random);
    case 'diurnal':
      return new DiurnalClock(ratePerMs, spec.amplitude, spec.periodMs, spec.phase, random);
  }
}

/** The arrival times as a lazy iterable (for scripts and tests; the hot path uses arrivalClock). */
export function* arrivalTimes(spec: ArrivalProcessSpec, ratePerMs: number, random: RandomStream): Generator<number, never> {
  const clock = arrivalClock(spec, ratePerMs, random);
  for (;;) yield clock.next();
}

/**
 * Exponential gaps. The first arrival is 0 + gap and each next one time + gap, with
 * gap = random.exponential(1 / rate): exactly the draws and the arithmetic of
 * PoissonArrivals, so poisson workloads are unchanged by this module.
 */
class PoissonClock implements ArrivalClock {
  private time = 0;

  constructor(
    private readonly ratePerMs: number,
    private readonly random: RandomStream,
  ) {}

  next(): number {
    this.time = this.time + this.random.exponential(1 / this.ratePerMs);
    return this.time;
  }
}

/** Evenly spaced arrivals (gamma with cv 0), the first one gap after 0. */
class EvenClock implements ArrivalClock {
  private count = 0;

  constructor(private readonly ratePerMs: number) {}

  next(): number {
    // Multiplying, not summing, keeps long traces free of accumulated rounding.
    return ++this.count / this.ratePerMs;
  }
}

/**
 * A standard gamma variate (scale 1) of the given shape, by Marsaglia and Tsang
 * ("A simple method for generating gamma variables", 2000): squeeze and log
 * acceptance on d * (1 + c x)^3 with x standard normal, d = shape - 1/3,
 * c = 1 / sqrt(9 d). A shape below 1 is boosted: Gamma(shape) = Gamma(shape + 1) *
 * U^(1 / shape).
 */
export function gammaVariate(random: RandomStream, shape: number): number {
  if (shape < 1) {
    const boosted = gammaVariate(random, shape + 1);
    return boosted * Math.pow(1 - random.uniform(), 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = random.normal();
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - random.uniform(); // (0, 1]: log(u) is finite
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Gamma renewal process: gaps Gamma(shape 1/cv^2, scale mean gap * cv^2). */
class GammaClock implements ArrivalClock {
  private time = 0;
  private readonly shape: number;
  private readonly scale: number;

  constructor(
    ratePerMs: number,
    cv: number,
    private readonly random: RandomStream,
  ) {
    this.shape = 1 / (cv * cv);
    this.scale = (cv * cv) / ratePerMs;
  }

  next(): number {
    this.time = this.time + this.scale * gammaVariate(this.random, this.shape);
    return this.time;
  }
}

/** An MMPP-2's rates and mean sojourns, per ms. */
export interface MmppRates {
  readonly burstRatePerMs: number;
  readonly calmRatePerMs: number;
  readonly meanBurstMs: number;
  readonly meanCalmMs: number;
  /** Long-run fraction of time in the burst state. */
  readonly burstShare: number;
}

export function mmppRates(spec: Extract<ArrivalProcessSpec, { kind: 'mmpp' }>, ratePerMs: number): MmppRates {
  const calm = ratePerMs / (1 - spec.burstShare + spec.burstShare * spec.burstRatio);
  return {
    burstRatePerMs: calm * spec.burstRatio,
    calmRatePerMs: calm,
    meanBurstMs: spec.meanBurstMs,
    meanCalmMs: (spec.meanBurstMs * (1 - spec.burstShare)) / spec.burstShare,
    burstShare: spec.burstShare,
  };
}

/**
 * MMPP-2 simulated exactly: within a state, exponential gaps at the state's rate
 * until the state's exponential sojourn ends (memorylessness lets the gap that
 * overshoots the sojourn be discarded), then the other state.
 */
class MmppClock implements ArrivalClock {
  private time = 0;
  private inBurst: boolean;
  /** When the current sojourn ends. */
  private stateEnd: number;

  constructor(
    private readonly rates: MmppRates,
    private readonly random: RandomStream,
  ) {
    this.inBurst = random.uniform() < rates.burstShare;
    this.stateEnd = random.exponential(this.inBurst ? rates.meanBurstMs : rates.meanCalmMs);
  }

  next(): number {
    const { rates, random } = this;
    for (;;) {
      const gap = random.exponential(1 / (this.inBurst ? rates.burstRatePerMs : rates.calmRatePerMs));
      if (this.time + gap < this.stateEnd) {
        this.time = this.time + gap;
        return this.time;
      }
      this.time = this.stateEnd;
      this.inBurst = !this.inBurst;
      this.stateEnd = this.time + random.exponential(this.inBurst ? rates.meanBurstMs : rates.meanCalmMs);
    }
  }
}

/** Sinusoidal-rate Poisson process by thinning a homogeneous one at the peak rate. */
class DiurnalClock implements ArrivalClock {
  private time = 0;
  private readonly meanPeakGap: number;
  private readonly omega: number;

  constructor(
    ratePerMs: number,
    private readonly amplitude: number,
    periodMs: number,
    private readonly phase: number,
    private readonly random: RandomStream,
  ) {
    this.meanPeakGap = 1 / (ratePerMs * (1 + amplitude));
    this.omega = (2 * Math.PI) / periodMs;
  }

  next(): number {
    const a = this.amplitude;
    for (;;) {
      this.time = this.time + this.random.exponential(this.meanPeakGap);
      // Constant rate: every candidate is kept, and no acceptance draw is spent.
      if (a === 0) return this.time;
      const keep = (1 + a * Math.sin(this.omega * this.time + this.phase)) / (1 + a);
      if (this.random.uniform() < keep) return this.time;
    }
  }
}

/**
 * The coefficient of variation of the gaps between arrivals (in the long run), or
 * undefined where it depends on the rate and period (diurnal).
 */
export function theoreticalGapCv(spec: ArrivalProcessSpec, ratePerMs = 1): number | undefined {
  switch (spec.kind) {
    case 'poisson':
      return 1;
    case 'gamma':
      return spec.cv;
    case 'diurnal':
      return spec.amplitude === 0 ? 1 : undefined;
    case 'mmpp':
      return mmppGapStats(spec, ratePerMs).cv;
  }
}

/**
 * An MMPP-2's stationary gap statistics. The gap is phase-type with initial vector
 * phi = pi Lambda / mean rate and sub-generator D0 = Q - Lambda, so
 * E[X^n] = n! phi (-D0)^-n 1 and E[X0 X1] = phi (-D0)^-2 Lambda (-D0)^-1 1 for two
 * successive gaps (Fischer and Meier-Hellstern, "The Markov-modulated Poisson process
 * (MMPP) cookbook", 1993). Bursts make successive gaps positively correlated, which
 * a renewal process of the same CV does not.
 */
export function mmppGapStats(
  spec: Extract<ArrivalProcessSpec, { kind: 'mmpp' }>,
  ratePerMs: number,
): { readonly meanGapMs: number; readonly cv: number; readonly lag1Correlation: number } {
  const r = mmppRates(spec, ratePerMs);
  const l1 = r.burstRatePerMs;
  const l2 = r.calmRatePerMs;
  const s1 = 1 / r.meanBurstMs;
  const s2 = 1 / r.meanCalmMs;
  const p1 = r.burstShare;
  const mean = p1 * l1 + (1 - p1) * l2;
  const phi: [number, number] = [(p1 * l1) / mean, ((1 - p1) * l2) / mean];
  // (-D0)^-1 = [[s2 + l2, s1], [s2, s1 + l1]] / det
  const det = (s1 + l1) * (s2 + l2) - s1 * s2;
  const inv = [
    [(s2 + l2) / det, s1 / det],
    [s2 / det, (s1 + l1) / det],
  ];
  const rowTimes = (row: [number, number]): [number, number] => [row[0] * inv[0][0] + row[1] * inv[1][0], row[0] * inv[0][1] + row[1] * inv[1][1]];
  const once = rowTimes(phi);
  const twice = rowTimes(once);
  const m1 = once[0] + once[1];
  const m2 = 2 * (twice[0] + twice[1]);
  // phi (-D0)^-2 Lambda, then times (-D0)^-1 1 (the row sums of inv).
  const joint = twice[0] * l1 * (inv[0][0] + inv[0][1]) + twice[1] * l2 * (inv[1][0] + inv[1][1]);
  const variance = m2 - m1 * m1;
  return { meanGapMs: m1, cv: Math.sqrt(variance) / m1, lag1Correlation: (joint - m1 * m1) / variance };
}

/** The process spelled out in a line, for messages and summaries. */
export function describeArrivalProcess(spec: ArrivalProcessSpec): string {
  switch (spec.kind) {
    case 'poisson':
      return 'poisson';
    case 'gamma':
      return `gamma (cv ${spec.cv})`;
    case 'mmpp':
      return `mmpp (burst ratio ${spec.burstRatio}, burst share ${spec.burstShare}, mean burst ${spec.meanBurstMs} ms)`;
    case 'diurnal':
      return `diurnal (period ${spec.periodMs} ms, amplitude ${spec.amplitude}, phase ${spec.phase})`;
  }
}
