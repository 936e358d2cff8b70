import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import { RandomStream, RandomStreams } from '../sim/core/random.ts';
import type { ArrivalSpec } from '../sim/simulator.ts';
import { generateTrace, mixStreams, parseTraceGenArgs, traceGenScenario, type TraceGenOptions } from '../scenarios/generate-trace.ts';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { parseScenario } from '../scenarios/parse-scenario.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { scenarioToJson } from '../scenarios/serialize-scenario.ts';
import { buildArrivals, planRates, soloLatencyMs } from '../scenarios/workload-plan.ts';
import { traceGenCommand } from '../scripts/cli/trace-gen-command.ts';
import { arrivalClock, gammaVariate, mmppGapStats, mmppRates, theoreticalGapCv, type ArrivalProcessSpec } from '../traces/arrival-processes.ts';
import { PoissonArrivals, type PoissonStream } from './reference/poisson-arrivals.ts';

// ---- statistics helpers ------------------------------------------------------------

/** The first n arrival times of a process at `rate` per ms. */
function times(spec: ArrivalProcessSpec, rate: number, n: number, seed: string): Float64Array {
  const clock = arrivalClock(spec, rate, new RandomStream(seed));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = clock.next();
  return out;
}

/** Rate (arrivals per ms) and the mean and CV of the gaps. */
function gapStats(t: Float64Array): { rate: number; mean: number; cv: number } {
  const n = t.length;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const gap = t[i] - (i === 0 ? 0 : t[i - 1]);
    if (!(gap >= 0)) throw new Error(`arrival ${i} at ${t[i]} comes before the previous one`);
    sum += gap;
    sq += gap * gap;
  }
  const mean = sum / n;
  const variance = (sq - n * mean * mean) / (n - 1);
  return { rate: n / t[n - 1], mean, cv: Math.sqrt(variance) / mean };
}

/** Correlation of successive gaps. */
function lag1Correlation(t: Float64Array): number {
  const n = t.length;
  const gap = (i: number) => t[i] - (i === 0 ? 0 : t[i - 1]);
  const mean = t[n - 1] / n;
  let variance = 0;
  let covariance = 0;
  for (let i = 0; i < n; i++) {
    variance += (gap(i) - mean) ** 2;
    if (i > 0) covariance += (gap(i) - mean) * (gap(i - 1) - mean);
  }
  return covariance / variance;
}

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / expected;
}

/** ln Gamma(x), Lanczos (g = 7, n = 9), |error| < 1e-13 for x > 0. */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized lower incomplete gamma P(a, x) by its series (fine for x <~ a + 10). */
function gammaCdf(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < 1000; n++) {
    term *= x / (a + n);
    sum += term;
    if (term < sum * 1e-16) break;
  }
  return Math.exp(a * Math.log(x) - x - logGamma(a)) * sum;
}

function pull(source: Iterable<ArrivalSpec>, max = Infinity): ArrivalSpec[] {
  const out: ArrivalSpec[] = [];
  for (const a of source) {
    if (out.length >= max) break;
    out.push(a);
  }
  return out;
}

// ---- arrival processes ------------------------------------------------------------

describe('poisson process', () => {
  it('hits the rate within 2% and a gap CV within 0.03 of 1', () => {
    const stats = gapStats(times({ kind: 'poisson' }, 2, 300_000, 'poisson'));
    expect(relative(stats.rate, 2)).toBeLessThan(0.02);
    expect(Math.abs(stats.cv - 1)).toBeLessThan(0.03);
  });
});

describe('gamma process', () => {
  for (const cv of [0.5, 2, 4]) {
    it(`hits cv ${cv} within 3% and the rate within 2%`, () => {
      // The rate's standard error is cv / sqrt(n): 0.4% at cv 4 with a million gaps.
      const stats = gapStats(times({ kind: 'gamma', cv }, 0.5, cv > 2 ? 1_000_000 : 300_000, `gamma:${cv}`));
      expect(relative(stats.cv, cv)).toBeLessThan(0.03);
      expect(relative(stats.rate, 0.5)).toBeLessThan(0.02);
    });
  }

  it('draws gamma variates: P(X <= shape) matches the gamma CDF, for shapes below and above 1', () => {
    // The mean and CV alone would not tell a gamma from, say, a lognormal.
    for (const shape of [0.25, 0.7, 1, 2.5, 9]) {
      const random = new RandomStream(`variate:${shape}`);
      const n = 100_000;
      let below = 0;
      let belowHalf = 0;
      for (let i = 0; i < n; i++) {
        const x = gammaVariate(random, shape);
        if (x <= shape) below++;
        if (x <= shape / 2) belowHalf++;
      }
      // Binomial standard error <= 0.0016: 0.008 is five of them.
      expect(Math.abs(below / n - gammaCdf(shape, shape))).toBeLessThan(0.008);
      expect(Math.abs(belowHalf / n - gammaCdf(shape, shape / 2))).toBeLessThan(0.008);
    }
  });

  it('is poisson at cv 1 (the same draws) and evenly spaced at cv 0', () => {
    expect(times({ kind: 'gamma', cv: 1 }, 3, 1000, 's')).toEqual(times({ kind: 'poisson' }, 3, 1000, 's'));
    expect(Array.from(times({ kind: 'gamma', cv: 0 }, 4, 5, 's'))).toEqual([0.25, 0.5, 0.75, 1, 1.25]);
  });
});

describe('MMPP-2', () => {
  const spec = { kind: 'mmpp', burstRatio: 10, burstShare: 0.2, meanBurstMs: 2 } as const;

  it('sets the state rates so the long-run mean is the rate asked for', () => {
    const r = mmppRates(spec, 2);
    expect(r.burstRatePerMs / r.calmRatePerMs).toBeCloseTo(10, 12);
    expect(0.2 * r.burstRatePerMs + 0.8 * r.calmRatePerMs).toBeCloseTo(2, 12);
    expect(r.meanCalmMs).toBeCloseTo(8, 12);
  });

  it('has the theoretical gap CV: 1 without bursts, more with them, and about the closed-form value', () => {
    expect(theoreticalGapCv({ ...spec, burstRatio: 1 }, 2)).toBeCloseTo(1, 12);
    // Sojourns far longer than gaps: the gaps are a mixture of exponentials, in the
    // proportion of arrivals per state, whose CV^2 = 2 E[1/rate^2] / E[1/rate]^2 - 1.
    const slow = { ...spec, meanBurstMs: 1e9 };
    const r = mmppRates(slow, 2);
    const w = (0.2 * r.burstRatePerMs) / 2;
    const m1 = w / r.burstRatePerMs + (1 - w) / r.calmRatePerMs;
    const m2 = w / r.burstRatePerMs ** 2 + (1 - w) / r.calmRatePerMs ** 2;
    expect(theoreticalGapCv(slow, 2)).toBeCloseTo(Math.sqrt((2 * m2) / (m1 * m1) - 1), 6);
    expect(theoreticalGapCv(spec, 2)!).toBeGreaterThan(1.3);
  });

  it('matches its theoretical mean rate, gap CV and lag-1 gap correlation', () => {
    const theory = mmppGapStats(spec, 2);
    expect(theory.meanGapMs).toBeCloseTo(0.5, 12);
    expect(theoreticalGapCv(spec, 2)).toBe(theory.cv);
    const t = times(spec, 2, 400_000, 'mmpp');
    const stats = gapStats(t);
    expect(relative(stats.rate, 2)).toBeLessThan(0.02);
    expect(relative(stats.cv, theory.cv)).toBeLessThan(0.03);
    // Bursts correlate successive gaps (theory 0.27), which a renewal process would not.
    expect(Math.abs(lag1Correlation(t) - theory.lag1Correlation)).toBeLessThan(0.03);
  });
});

describe('diurnal process', () => {
  const rate = 2;
  const periodMs = 1370;
  const amplitude = 0.6;
  const phase = 0.7;
  const spec = { kind: 'diurnal', periodMs, amplitude, phase } as const;
  const durationMs = 100_000;
  const all = times(spec, rate, 260_000, 'diurnal');
  const t = all.subarray(0, all.findIndex((x) => x >= durationMs));

  it('keeps the mean rate over whole periods', () => {
    const periods = Math.floor(durationMs / periodMs);
    const inPeriods = t.filter((x) => x < periods * periodMs).length;
    expect(relative(inPeriods / (periods * periodMs), rate)).toBeLessThan(0.02);
  });

  it('follows the sinusoid over the period, peak over trough about (1 + a) / (1 - a)', () => {
    const bins = 20;
    const periods = Math.floor(durationMs / periodMs);
    const counts = new Array(bins).fill(0);
    for (const x of t) if (x < periods * periodMs) counts[Math.floor(((x % periodMs) / periodMs) * bins)]++;
    // Expected count per bin: the rate integrated over the bin, over every period.
    const expected = counts.map((_, b) => {
      const [t0, t1] = [(b * periodMs) / bins, ((b + 1) * periodMs) / bins];
      const w = (2 * Math.PI) / periodMs;
      return periods * rate * (t1 - t0 + (amplitude / w) * (Math.cos(w * t0 + phase) - Math.cos(w * t1 + phase)));
    });
    for (let b = 0; b < bins; b++) expect(Math.abs(counts[b] - expected[b])).toBeLessThan(5 * Math.sqrt(expected[b]));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [mc, me] = [mean(counts), mean(expected)];
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let b = 0; b < bins; b++) {
      sxy += (counts[b] - mc) * (expected[b] - me);
      sxx += (counts[b] - mc) ** 2;
      syy += (expected[b] - me) ** 2;
    }
    expect(sxy / Math.sqrt(sxx * syy)).toBeGreaterThan(0.995);
    const ratio = Math.max(...counts) / Math.min(...counts);
    expect(relative(ratio, (1 + amplitude) / (1 - amplitude))).toBeLessThan(0.1);
  });

  it('has its dominant period where it was asked, within a frequency bin', () => {
    const binMs = 50;
    const n = durationMs / binMs;
    const counts = new Float64Array(n);
    for (const x of t) counts[Math.floor(x / binMs)]++;
    const mean = counts.reduce((a, b) => a + b, 0) / n;
    let best = 0;
    let bestPower = -1;
    for (let k = 1; k < n / 2; k++) {
      let re = 0;
      let im = 0;
      for (let j = 0; j < n; j++) {
        const angle = (2 * Math.PI * k * j) / n;
        re += (counts[j] - mean) * Math.cos(angle);
        im -= (counts[j] - mean) * Math.sin(angle);
      }
      const power = re * re + im * im;
      if (power > bestPower) [best, bestPower] = [k, power];
    }
    // k cycles in the window: period durationMs / k, asked 100000 / 1370 = 72.99 cycles.
    expect(Math.abs(best - durationMs / periodMs)).toBeLessThanOrEqual(0.5);
  });

  it('is poisson (the same draws) at amplitude 0', () => {
    expect(times({ ...spec, amplitude: 0 }, 3, 1000, 's')).toEqual(times({ kind: 'poisson' }, 3, 1000, 's'));
  });
});

// ---- scenario workloads ------------------------------------------------------------

/** buildArrivals as it was before generated arrivals: PoissonArrivals over the same named streams. */
function poissonArrivalsOf(scenario: Scenario): PoissonArrivals {
  const random = new RandomStreams(scenario.seed);
  const models = new Map(scenario.models.map((m) => [m.name, m]));
  const rates = planRates(scenario);
  const streams: PoissonStream[] = scenario.workload.streams.map((spec, i) => {
    const model = models.get(spec.model)!;
    const d = spec.deadline;
    return {
      model: spec.model,
      priority: spec.priority,
      ratePerMs: rates.perStreamPerSec[i] / 1000,
      batchSizes: spec.batchSizes,
      relativeDeadline: (b: number) => (d.kind === 'budget' ? d.ms : d.factor * soloLatencyMs(model, b, scenario.cluster)),
      arrivalRandom: random.stream(`arrivals/${i}/${spec.model}/${spec.priority}`),
      batchRandom: random.stream(`batch/${i}/${spec.model}/${spec.priority}`),
    };
  });
  const stop = scenario.workload.stop;
  if (stop.kind === 'end') throw new Error('generated workloads stop by requests or duration');
  return new PoissonArrivals(streams, stop.kind === 'requests' ? { requests: stop.count } : { durationMs: stop.ms });
}

function drain(source: { next(): ArrivalSpec | undefined }): ArrivalSpec[] {
  const out: ArrivalSpec[] = [];
  for (let a = source.next(); a !== undefined; a = source.next()) out.push(a);
  return out;
}

/** The default scenario with its workload edited as JSON. */
function defaultWith(edit: (workload: any) => void): Scenario {
  const json = scenarioToJson(loadScenario()) as any;
  edit(json.workload);
  return parseScenario(json, 'edited.json', 'edited');
}

describe('scenario workloads', () => {
  it('make exactly the arrivals PoissonArrivals made, for poisson workloads', () => {
    const scenario = loadScenario();
    expect(scenario.workload.arrivals).toEqual({ kind: 'poisson' });
    expect(drain(buildArrivals(scenario))).toEqual(drain(poissonArrivalsOf(scenario)));
    const timed = defaultWith((w) => {
      delete w.requests;
      w.durationMs = 2000;
      w.streams[0].arrivals = 'poisson';
    });
    expect(drain(buildArrivals(timed))).toEqual(drain(poissonArrivalsOf(timed)));
  });

  it('give each stream its own process, the workload default or its override', () => {
    const scenario = defaultWith((w) => {
      w.ratePerSec = 1000;
      w.arrivals = { kind: 'gamma', cv: 3 };
      w.streams[0].arrivals = { kind: 'diurnal', periodMs: 500, amplitude: 1 };
      w.streams[1].arrivals = 'poisson';
      delete w.requests;
      w.durationMs = 100_000;
    });
    const arrivals = drain(buildArrivals(scenario));
    const rates = planRates(scenario);
    const of = (i: number) => {
      const s = scenario.workload.streams[i];
      return Float64Array.from(arrivals.filter((a) => a.model === s.model && a.priority === s.priority).map((a) => a.arrival));
    };
    for (const [i, cv] of [[1, 1], [3, 3], [5, 3]]) {
      const stats = gapStats(of(i));
      expect(relative(stats.rate, rates.perStreamPerSec[i] / 1000)).toBeLessThan(0.05);
      expect(relative(stats.cv, cv)).toBeLessThan(0.1);
    }
    // Stream 0 at amplitude 1: nothing near the trough (phase 3/4 of each 500 ms period).
    const phases = Array.from(of(0), (x) => (x % 500) / 500);
    expect(phases.filter((p) => Math.abs(p - 0.75) < 0.02).length / phases.length).toBeLessThan(0.001);
    expect(phases.filter((p) => Math.abs(p - 0.25) < 0.02).length / phases.length).toBeGreaterThan(0.07);
  });

  it('leave the other streams draws alone when a stream is appended', () => {
    const edit = (w: any, extra: boolean) => {
      w.arrivals = { kind: 'gamma', cv: 2 };
      w.streams = w.streams.slice(0, 2).map((s: any, i: number) => ({ ...s, weight: i + 1 }));
      // 100 and 200 requests/s either way: the appended stream brings its own 100.
      w.ratePerSec = extra ? 400 : 300;
      if (extra) w.streams.push({ ...w.streams[0], weight: 1, priority: 'low', arrivals: { kind: 'mmpp', burstRatio: 5, burstShare: 0.1, meanBurstMs: 100 } });
      delete w.requests;
      w.durationMs = 20_000;
    };
    const before = drain(buildArrivals(defaultWith((w) => edit(w, false))));
    const after = drain(buildArrivals(defaultWith((w) => edit(w, true))));
    const added = after.filter((a) => a.priority === 'low');
    expect(added.length).toBeGreaterThan(1000);
    expect(after.filter((a) => a.priority === 'high')).toEqual(before);
  });

  it('merge in time order, ties to the lower stream index', () => {
    // Evenly spaced (gamma cv 0) at equal rates: every arrival time is a tie.
    const scenario = defaultWith((w) => {
      w.arrivals = { kind: 'gamma', cv: 0 };
      w.streams = [w.streams[3], w.streams[0], w.streams[1]].map((s, i) => ({ ...s, weight: i === 2 ? 2 : 1 }));
      w.ratePerSec = 4000;
      w.requests = 12;
    });
    // Streams 0 and 1 at rate r, stream 2 at 2r: k / r = 2k / 2r exactly.
    const r = planRates(scenario).perStreamPerSec[0] / 1000;
    const label = (i: number) => `${scenario.workload.streams[i].priority}:${scenario.workload.streams[i].model}`;
    const order = drain(buildArrivals(scenario)).map((a) => `${a.arrival}:${a.priority}:${a.model}`);
    expect(order).toEqual([
      `${1 / (2 * r)}:${label(2)}`,
      `${1 / r}:${label(0)}`,
      `${1 / r}:${label(1)}`,
      `${2 / (2 * r)}:${label(2)}`,
      `${3 / (2 * r)}:${label(2)}`,
      `${2 / r}:${label(0)}`,
      `${2 / r}:${label(1)}`,
      `${4 / (2 * r)}:${label(2)}`,
      `${5 / (2 * r)}:${label(2)}`,
      `${3 / r}:${label(0)}`,
      `${3 / r}:${label(1)}`,
      `${6 / (2 * r)}:${label(2)}`,
    ]);
  });

  it('share one process among the streams at scope "workload"', () => {
    const withScope = (scope: string) =>
      defaultWith((w) => {
        w.ratePerSec = 2000;
        w.arrivals = { kind: 'gamma', cv: 3, scope };
        delete w.requests;
        w.durationMs = 60_000;
      });
    const shared = withScope('workload');
    const arrivals = drain(buildArrivals(shared));
    // The merged trace is the gamma process itself...
    const stats = gapStats(Float64Array.from(arrivals, (a) => a.arrival));
    expect(relative(stats.cv, 3)).toBeLessThan(0.05);
    expect(relative(stats.rate, planRates(shared).totalPerSec / 1000)).toBeLessThan(0.03);
    // ...and each stream gets its weight's share of it.
    const weights = shared.workload.streams.map((s) => s.weight);
    const total = weights.reduce((a, b) => a + b, 0);
    shared.workload.streams.forEach((s, i) => {
      const n = arrivals.filter((a) => a.model === s.model && a.priority === s.priority).length;
      expect(Math.abs(n / arrivals.length - weights[i] / total)).toBeLessThan(0.005);
    });
    // Separate processes superpose into a smoother trace.
    const separate = drain(buildArrivals(withScope('stream')));
    expect(gapStats(Float64Array.from(separate, (a) => a.arrival)).cv).toBeLessThan(2.5);
  });
});

describe('scenario arrivals field', () => {
  const roundTrip = (scenario: Scenario) => parseScenario(JSON.parse(JSON.stringify(scenarioToJson(scenario))), 'x.json', 'x');

  it('round-trips every process, scope and stream override', () => {
    const processes = [
      'poisson',
      { kind: 'poisson', scope: 'workload' },
      { kind: 'gamma', cv: 0.5 },
      { kind: 'mmpp', burstRatio: 4, burstShare: 0.25, meanBurstMs: 30, scope: 'workload' },
      { kind: 'diurnal', periodMs: 60_000, amplitude: 0.3 },
    ];
    for (const arrivals of processes) {
      const scenario = defaultWith((w) => {
        w.arrivals = arrivals;
        w.streams[2].arrivals = { kind: 'diurnal', periodMs: 10, amplitude: 1, phase: -1 };
        w.streams[3].arrivals = 'poisson';
      });
      expect(roundTrip(scenario)).toStrictEqual(scenario);
      expect(scenario.workload.streams[3].arrivals).toEqual({ kind: 'poisson' });
      expect(scenario.workload.streams[4].arrivals).toBeUndefined();
    }
    const diurnal = defaultWith((w) => (w.arrivals = { kind: 'diurnal', periodMs: 1000, amplitude: 0.5 }));
    expect((scenarioToJson(diurnal) as any).workload.arrivals).toEqual({ kind: 'diurnal', periodMs: 1000, amplitude: 0.5, phase: 0, scope: 'stream' });
    expect((scenarioToJson(loadScenario()) as any).workload.arrivals).toBe('poisson');
  });

  const bad = (edit: (w: any) => void): string => {
    try {
      defaultWith(edit);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return (error as Error).message;
    }
    throw new Error('expected an InputError');
  };

  it('names the field of every bad value', () => {
    expect(bad((w) => (w.arrivals = 'gamma'))).toBe(
      'edited.json: workload.arrivals: expected "poisson" or an object such as {"kind": "gamma", "cv": 2}, got "gamma"',
    );
    expect(bad((w) => (w.arrivals = { kind: 'weibull' }))).toBe(
      'edited.json: workload.arrivals.kind: expected one of "poisson", "gamma", "mmpp", "diurnal", got "weibull"',
    );
    expect(bad((w) => (w.arrivals = { kind: 'gamma' }))).toBe(
      'edited.json: workload.arrivals.cv: expected a number >= 0 <= 100, got nothing (the field is missing)',
    );
    expect(bad((w) => (w.arrivals = { kind: 'gamma', cv: 2, amplitude: 1 }))).toBe(
      'edited.json: workload.arrivals.amplitude: unknown field; expected one of kind, cv, scope',
    );
    expect(bad((w) => (w.arrivals = { kind: 'mmpp', burstRatio: 0.5, burstShare: 0.1, meanBurstMs: 1 }))).toBe(
      'edited.json: workload.arrivals.burstRatio: expected a number >= 1, got 0.5',
    );
    expect(bad((w) => (w.arrivals = { kind: 'mmpp', burstRatio: 2, burstShare: 1, meanBurstMs: 1 }))).toBe(
      'edited.json: workload.arrivals.burstShare: expected a number > 0 < 1, got 1',
    );
    expect(bad((w) => (w.arrivals = { kind: 'diurnal', periodMs: 100, amplitude: 1.5 }))).toBe(
      'edited.json: workload.arrivals.amplitude: expected a number >= 0 <= 1, got 1.5',
    );
    expect(bad((w) => (w.arrivals = { kind: 'gamma', cv: 2, scope: 'global' }))).toBe(
      'edited.json: workload.arrivals.scope: expected one of "stream", "workload", got "global"',
    );
    expect(bad((w) => (w.streams[4].arrivals = { kind: 'gamma', cv: 2, scope: 'workload' }))).toBe(
      'edited.json: workload.streams[4].arrivals.scope: unknown field; expected one of kind, cv',
    );
    expect(bad((w) => (w.streams[1].arrivals = { kind: 'diurnal', periodMs: 0, amplitude: 0.5 }))).toBe(
      'edited.json: workload.streams[1].arrivals.periodMs: expected a number > 0, got 0',
    );
  });
});

// ---- trace generation (strait trace gen) -------------------------------------------

const EXAMPLE = {
  process: 'gamma',
  cv: '3',
  rate: '200',
  durationMs: '60000',
  highShare: '0.25',
  models: 'mobilenet_v2:1,resnet152:0.5',
  sloHigh: '5',
  sloLow: '10',
  seed: '1',
  out: 't.csv',
};

describe('trace generation', () => {
  const base = loadScenario();
  const poissonMix = (seed: number): TraceGenOptions => ({
    process: { kind: 'poisson' },
    ratePerSec: 2000,
    stop: { kind: 'duration', ms: 100_000 },
    seed,
    base,
    models: [
      { name: 'mobilenet_v2', weight: 1 },
      { name: 'resnet152', weight: 0.5 },
      { name: 'bert_base', weight: 2 },
    ],
    highShare: 0.3,
    high: { deadline: { kind: 'slo-factor', factor: 5 }, batchSizes: [1, 2] },
    low: { deadline: { kind: 'budget', ms: { mobilenet_v2: 20, resnet152: 200, bert_base: 80 } }, batchSizes: [8] },
  });

  it('builds one stream per model and class, weighted by model share times class share', () => {
    const streams = mixStreams(poissonMix(1));
    expect(streams.map((s) => `${s.priority}:${s.model}`)).toEqual([
      'high:mobilenet_v2',
      'high:resnet152',
      'high:bert_base',
      'low:mobilenet_v2',
      'low:resnet152',
      'low:bert_base',
    ]);
    expect(streams[1].weight).toBeCloseTo((0.5 / 3.5) * 0.3, 12);
    expect(streams[5].weight).toBeCloseTo((2 / 3.5) * 0.7, 12);
    expect(streams[4].deadline).toEqual({ kind: 'budget', ms: 200 });
    expect(mixStreams({ ...poissonMix(1), highShare: 0 }).every((s) => s.priority === 'low')).toBe(true);
  });

  it('matches the weights, the high share and the deadline rules', () => {
    const trace = pull(generateTrace(poissonMix(1)));
    expect(trace.length).toBeGreaterThan(190_000);
    const share = (pred: (a: ArrivalSpec) => boolean) => trace.filter(pred).length / trace.length;
    expect(Math.abs(share((a) => a.priority === 'high') - 0.3)).toBeLessThan(0.005);
    for (const [model, w] of [['mobilenet_v2', 1], ['resnet152', 0.5], ['bert_base', 2]] as const) {
      expect(Math.abs(share((a) => a.model === model) - w / 3.5)).toBeLessThan(0.005);
      expect(Math.abs(share((a) => a.model === model && a.priority === 'high') - (0.3 * w) / 3.5)).toBeLessThan(0.004);
    }
    const mobilenet = base.models.find((m) => m.name === 'mobilenet_v2')!;
    const high = trace.find((a) => a.model === 'mobilenet_v2' && a.priority === 'high' && a.batch === 2)!;
    expect(high.relativeDeadline).toBeCloseTo(5 * soloLatencyMs(mobilenet, 2, base.cluster), 12);
    expect(new Set(trace.filter((a) => a.model === 'resnet152' && a.priority === 'low').map((a) => `${a.batch}/${a.relativeDeadline}`))).toEqual(
      new Set(['8/200']),
    );
    expect(trace.every((a, i) => i === 0 || a.arrival >= trace[i - 1].arrival)).toBe(true);
  });

  it('is deterministic for a seed, differs for another, and starts over on each iteration', () => {
    const options = { ...poissonMix(7), process: { kind: 'gamma', cv: 3 } as const, stop: { kind: 'requests', count: 5000 } as const };
    const trace = generateTrace(options);
    const first = pull(trace);
    expect(first.length).toBe(5000);
    expect(pull(trace)).toEqual(first);
    expect(pull(generateTrace(options))).toEqual(first);
    const other = pull(generateTrace({ ...options, seed: 8 }));
    expect(other.map((a) => a.arrival)).not.toEqual(first.map((a) => a.arrival));
  });

  it('gives the arrivals the scenario it describes simulates', () => {
    const options = { ...poissonMix(3), process: { kind: 'mmpp', burstRatio: 6, burstShare: 0.2, meanBurstMs: 50 } as const };
    const scenario = traceGenScenario(options);
    expect(pull(generateTrace(options), 3000)).toEqual(pull(buildArrivals(scenario), 3000));
    expect(planRates(scenario).totalPerSec).toBeCloseTo(2000, 9);
  });

  it('reads the command-line options', () => {
    const { out, options } = parseTraceGenArgs(EXAMPLE);
    expect(out).toBe('t.csv');
    expect(options.process).toEqual({ kind: 'gamma', cv: 3 });
    expect(options.ratePerSec).toBe(200);
    expect(options.stop).toEqual({ kind: 'duration', ms: 60_000 });
    expect(options.highShare).toBe(0.25);
    expect(options.models).toEqual([
      { name: 'mobilenet_v2', weight: 1 },
      { name: 'resnet152', weight: 0.5 },
    ]);
    expect(options.high.deadline).toEqual({ kind: 'slo-factor', factor: 5 });
    expect(options.low.deadline).toEqual({ kind: 'slo-factor', factor: 10 });
    expect(options.seed).toBe(1);
    const budgets = parseTraceGenArgs({ ...EXAMPLE, sloLow: undefined, deadlineLow: 'mobilenet_v2:20,resnet152:90', batchLow: '4,8' });
    expect(budgets.options.low).toEqual({ deadline: { kind: 'budget', ms: { mobilenet_v2: 20, resnet152: 90 } }, batchSizes: [4, 8] });
    const mmpp = parseTraceGenArgs({ ...EXAMPLE, process: 'mmpp', cv: undefined, burstRatio: '8', burstShare: '0.1', meanBurstMs: '200', scope: 'workload' });
    expect(mmpp.options.process).toEqual({ kind: 'mmpp', burstRatio: 8, burstShare: 0.1, meanBurstMs: 200 });
    expect(mmpp.options.scope).toBe('workload');
  });

  it('names the flag of every bad option', () => {
    const bad = (args: Record<string, unknown>): string => {
      try {
        parseTraceGenArgs(args);
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as Error).message;
      }
      throw new Error('expected an InputError');
    };
    expect(bad({ ...EXAMPLE, cv: 'x' })).toBe('--cv: expected a number >= 0 <= 100, got "x"');
    expect(bad({ ...EXAMPLE, cv: undefined })).toBe('--cv: required with --process gamma');
    expect(bad({ ...EXAMPLE, process: 'poisson' })).toBe('--cv: only --process gamma takes --cv');
    expect(bad({ ...EXAMPLE, process: 'pareto' })).toBe('--process: expected one of poisson, gamma, mmpp, diurnal, got "pareto"');
    expect(bad({ ...EXAMPLE, models: 'mobilenet_v2:1,vgg:2' })).toBe(
      '--models: unknown model "vgg"; the scenario default serves mobilenet_v2, resnet152, bert_base',
    );
    expect(bad({ ...EXAMPLE, models: 'mobilenet_v2:-1' })).toBe('--models: expected a number > 0, got "-1"');
    expect(bad({ ...EXAMPLE, highShare: '1.5' })).toBe('--high-share: expected a number >= 0 <= 1, got "1.5"');
    expect(bad({ ...EXAMPLE, requests: '10' })).toBe('--duration-ms, --requests: expected exactly one, got both');
    expect(bad({ ...EXAMPLE, deadlineHigh: '30' })).toBe('--slo-high, --deadline-high: expected one of them, got both');
    expect(bad({ ...EXAMPLE, sloLow: undefined, deadlineLow: 'mobilenet_v2:20' })).toBe('--deadline-low: no budget for resnet152');
    expect(bad({ ...EXAMPLE, batchHigh: '1,64' })).toMatch(/^--batch-high: expected an integer >= 1 <= \d+, got "64"$/);
    expect(bad({ ...EXAMPLE, out: 't.txt' })).toMatch(/^t\.txt: unknown trace format/);
    expect(bad({ ...EXAMPLE, scenario: '/nonexistent/s.json' })).toMatch(/^--scenario: \/nonexistent\/s\.json: no such file/);
  });

  describe('traceGenCommand', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strait-gen-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('writes the trace the options describe', async () => {
      const out = join(dir, 't.csv');
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        await traceGenCommand({ ...EXAMPLE, durationMs: '2000', out });
      } finally {
        stderr.mockRestore();
      }
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe('arrival_ms,model,batch,priority,deadline_ms,input_bytes,output_bytes');
      const expected = pull(generateTrace(parseTraceGenArgs({ ...EXAMPLE, durationMs: '2000', out }).options));
      expect(lines.length - 1).toBe(expected.length);
      expect(lines[1].split(',').slice(0, 4)).toEqual([String(expected[0].arrival), expected[0].model, '1', expected[0].priority]);
    });
  });
});
