import { mean } from '../sim/metrics/quantiles.ts';
import type { ModelProfile } from '../sim/model/profile.ts';
import { parseCalibration } from '../scenarios/parse-scenario.ts';
import { servedRecords, type ReplayDirectory, type ReplayRecord } from './replay-records.ts';
import { simulateReplayTrace, withCalibration } from './validate.ts';
import { aloneReference, type AloneReference } from './device-speed.ts';
import { fitSharingDemands, lawRate, measurePairRates, type PairRate, type SharingDemands } from './sharing-fit.ts';
import { InputError } from '../sim/core/errors.ts';

/**
 * Fits the simulator's parameters to what replays measured.
 *
 * Execution: a request that executed T1 ms alone and Tn ms while n requests executed
 * did work W = T1 + sum_n r_n Tn, where W is the solo time of its (model, batch) and
 * r_n its progress rate while shared. W is the mean execution time of the requests
 * that ran alone the whole time (where a pair has at least MIN_ALONE_SAMPLES of them),
 * else a least-squares fit of those equations over all requests.
 *
 * Sharing is not even, and it depends on both sides: a request beside a stream of
 * short ones is slowed far more than one beside a long one (the aggressor), and a
 * model that lives in cache suffers more from the same neighbour than one that does
 * not (the victim). So each ordered pair's progress rate is measured (work done / time,
 * over the time the victim shared the device with the aggressor: sharing-fit.ts), and
 * each model's compute, memory and sensitivity under the simulator's spatial law
 * (alpha 1) are fitted to those rates.
 *
 * Transfers, per direction: duration = setup + busySetup * (requests executing when
 * the copy starts) + bytes / bandwidth, by least squares (bytes first, then the rest
 * against the executing count): a CPU device's copies wait for its cores.
 *
 * The direct fit can leave the simulator a few percent off on the very replays it was
 * fitted on (what "alone" measured is a biased sample). So the fit is refined by
 * simulation: the calibration replays' own traces are simulated with the profile, and
 * each model's solo times are scaled so that its mean execution time in simulation
 * matches the replays'; a few rounds converge.
 */

export interface CalibrationProfile {
  readonly kind: 'strait-calibration';
  readonly version: 1;
  readonly sources: readonly string[];
  readonly backend: string;
  readonly device: string;
  readonly sharing: { readonly mode: 'spatial'; readonly interferenceAlpha: number };
  /** setupMs: input copies' setup; d2hSetupMs: output copies'; busy*: extra setup per request executing when a copy starts. */
  readonly link: {
    readonly h2dGBps: number;
    readonly d2hGBps: number;
    readonly setupMs: number;
    readonly d2hSetupMs: number;
    readonly busySetupMs: number;
    readonly d2hBusySetupMs: number;
  };
  readonly models: readonly ModelProfileJson[];
  /** Mean of the sources' warm-up speed probes (solo ms per "model/batch"). */
  readonly speedProbe: Readonly<Record<string, number>>;
  /** The sources' clean solo executions per "model/batch": the device speed `validate --rescale` compares against. */
  readonly aloneReference: Readonly<Record<string, AloneReference>>;
  readonly fit: CalibrationFit;
}

/** A model profile as scenario files write it. */
export interface ModelProfileJson {
  readonly name: string;
  readonly description: string;
  readonly inputBytesPerItem: number;
  readonly outputBytesPerItem: number;
  readonly variability: { readonly kind: 'lognormal'; readonly cv: number } | { readonly kind: 'deterministic' };
  readonly maxBatch: number;
  readonly phases: readonly {
    readonly name: string;
    /** Solo time by batch size ({"1": 0.5, "4": 1.2}). */
    readonly soloMs: Readonly<Record<string, number>>;
    readonly compute: number;
    readonly memory: number;
    readonly sensitivity: number;
  }[];
}

export interface ExecutionFitRow {
  readonly model: string;
  readonly batch: number;
  readonly samples: number;
  /** Requests that executed alone the whole time. */
  readonly soloSamples: number;
  readonly soloMs: number;
  /** Mean absolute percentage error of the model's per-request work against soloMs. */
  readonly mape: number;
}

export interface PairRateFit {
  readonly victim: string;
  readonly aggressor: string;
  readonly sharedMs: number;
  readonly rate: number;
  readonly lawRate: number;
}

export interface LinearFit {
  readonly samples: number;
  readonly interceptMs: number;
  /** ms per byte. */
  readonly slope: number;
  readonly r2: number;
  readonly mape: number;
}

export interface CalibrationFit {
  readonly requests: number;
  /** r_n by n (index 0 is n = 1, always 1). */
  readonly rateAtConcurrency: readonly number[];
  /** Time-sliced efficiency slice / (slice + switch) implied by r_2. */
  readonly efficiency: number;
  /** Progress rate of a request while sharing the device with one of each model (the aggressor). */
  readonly rateBeside: Readonly<Record<string, number>>;
  /** Each ordered (victim, aggressor) pair's measured rate, with the fitted law's rate. */
  readonly pairs: readonly (PairRateFit)[];
  /** The fitted demands per model (alpha 1). */
  readonly demands: Readonly<Record<string, SharingDemands>>;
  /** Factor each model's directly fitted solo times were scaled by in the refinement by simulation. */
  readonly refinement?: Readonly<Record<string, number>>;
  readonly execution: readonly ExecutionFitRow[];
  /** R^2 of the execution equations (observed alone-time against the fitted model). */
  readonly executionR2: number;
  readonly transferIn: LinearFit;
  readonly transferOut: LinearFit;
  /**
   * What a copy's time beyond bytes / bandwidth grows by per request executing on the
   * device when it starts (x: that count): the intercept is the setup, the slope the
   * busy setup.
   */
  readonly transferInBusy: LinearFit;
  readonly transferOutBusy: LinearFit;
}

/** Rounds of simulate-and-rescale after the direct fit. */
const REFINE_ROUNDS = 24;

/** Alone-the-whole-time executions needed to take their mean as a solo time. */
const MIN_ALONE_SAMPLES = 5;

export function calibrate(replays: readonly ReplayDirectory[], options: { readonly refine?: boolean } = {}): CalibrationProfile {
  const direct = directFit(replays);
  return options.refine === false ? direct : refineBySimulation(direct, replays);
}

/**
 * Scales each model's solo times until the calibration replays, simulated with the
 * profile, have each model's mean execution time (ending when every model is within
 * 0.5%, or after REFINE_ROUNDS; the closest profile seen is kept). The product of the
 * factors is reported in the fit.
 */
function refineBySimulation(profile: CalibrationProfile, replays: readonly ReplayDirectory[]): CalibrationProfile {
  const replayed = meanExecutionByModel(replays.flatMap((replay) => servedRecords(replay.records).map((r) => [r.model, r.executionEnd - r.executionStart] as const)));
  let current = profile;
  let best = { profile, error: Infinity };
  const total: Record<string, number> = Object.fromEntries(profile.models.map((m) => [m.name, 1]));
  for (let pass = 0; pass <= REFINE_ROUNDS; pass++) {
    const simulated = meanExecutionByModel(simulatedExecutions(current, replays));
    const factors: Record<string, number> = {};
    for (const m of current.models) {
      const real = replayed.get(m.name);
      const sim = simulated.get(m.name);
      factors[m.name] = real !== undefined && sim !== undefined && sim > 0 ? real / sim : 1;
    }
    const error = Math.max(...Object.values(factors).map((f) => Math.abs(Math.log(f))));
    if (error < best.error) best = { profile: { ...current, fit: { ...current.fit, refinement: { ...total } } }, error };
    if (error < 0.005 || pass === REFINE_ROUNDS) break;
    // Half steps (in log terms): a model's execution time also depends on the others'
    // (who it shares the device with, for how long), and full steps can oscillate.
    for (const m of current.models) {
      factors[m.name] = Math.sqrt(factors[m.name]);
      total[m.name] = round(total[m.name] * factors[m.name]);
    }
    current = {
      ...current,
      models: current.models.map((m) => ({
        ...m,
        phases: m.phases.map((p) => ({ ...p, soloMs: Object.fromEntries(Object.entries(p.soloMs).map(([b, v]) => [b, round(v * factors[m.name])])) })),
      })),
    };
  }
  return best.profile;
}

/** Execution times of the served requests when the replays' traces are simulated with `profile`. */
function simulatedExecutions(profile: CalibrationProfile, replays: readonly ReplayDirectory[]): (readonly [string, number])[] {
  const calibration = parseCalibration(profile, 'calibration in progress');
  const out: (readonly [string, number])[] = [];
  for (const replay of replays) {
    const records = simulateReplayTrace(replay, withCalibration(replay.scenario, calibration));
    const start = records.executionStart.view();
    const end = records.executionEnd.view();
    const model = records.model.view();
    for (let i = 0; i < records.length; i++) if (!Number.isNaN(start[i])) out.push([records.models[model[i]], end[i] - start[i]]);
  }
  return out;
}

function meanExecutionByModel(samples: readonly (readonly [string, number])[]): Map<string, number> {
  const sums = new Map<string, [number, number]>();
  for (const [model, ms] of samples) {
    const t = sums.get(model) ?? [0, 0];
    sums.set(model, [t[0] + ms, t[1] + 1]);
  }
  return new Map([...sums].map(([model, [sum, n]]) => [model, sum / n]));
}

function directFit(replays: readonly ReplayDirectory[]): CalibrationProfile {
  const served = replays.flatMap((r) => servedRecords(r.records));
  if (served.length === 0) throw new InputError('calibrate: expected replays with served requests to fit from, got none');
  const scenario = replays[0].scenario;
  const models = new Map(scenario.models.map((m) => [m.name, m]));

  // Unknowns: one W per (model, batch), then r_2 .. r_N.
  const pairs = [...new Set(served.map((r) => `${r.model}\u0000${r.batch}`))].sort();
  const pairIndex = new Map(pairs.map((p, i) => [p, i]));
  const maxLevel = Math.max(1, ...served.map((r) => r.timeAtConcurrency.length));
  const unknowns = pairs.length + (maxLevel - 1);
  const rows: number[][] = [];
  const rhs: number[] = [];
  for (const r of served) {
    const row = new Array<number>(unknowns).fill(0);
    row[pairIndex.get(`${r.model}\u0000${r.batch}`)!] = 1;
    for (let n = 2; n <= r.timeAtConcurrency.length; n++) row[pairs.length + n - 2] = -r.timeAtConcurrency[n - 1];
    rows.push(row);
    rhs.push(r.timeAtConcurrency[0] ?? 0);
  }
  // Levels never observed keep the fair share 1/n (a ridge towards it keeps the system solvable).
  const prior = Array.from({ length: unknowns }, (_, k) => (k < pairs.length ? NaN : 1 / (k - pairs.length + 2)));
  const joint = leastSquares(rows, rhs, prior);
  // Requests that executed alone the whole time measure W directly: where a pair has
  // enough of them, their mean is the solo time (the joint fit mixes in the noise of
  // every shared execution), and the rates are refitted against those solo times.
  const fittedWork = pairs.map((key, p) => {
    const group = served.filter((r) => `${r.model}\u0000${r.batch}` === key);
    const alone = group.filter((r) => r.maxCoRunners === 0).map((r) => r.timeAtConcurrency[0]);
    return alone.length >= MIN_ALONE_SAMPLES ? mean(alone) : plausibleWork(joint[p], group);
  });
  const rates = [1];
  for (let n = 2; n <= maxLevel; n++) {
    // W = T1 + sum_n r_n Tn, one level at a time against the solo times (levels above 2
    // are rare). A ratio of sums, not least squares: it keeps the work the device
    // delivers while shared, which is what queueing depends on. (The operating system
    // does not share a core evenly: a job that sleeps and wakes, as a short request's
    // worker does, is favoured over a long one; least squares, weighting by time
    // shared, would follow the starved long jobs.)
    let num = 0;
    let den = 0;
    served.forEach((r) => {
      const tn = r.timeAtConcurrency[n - 1] ?? 0;
      if (tn <= 0) return;
      let rest = r.timeAtConcurrency[0] ?? 0;
      for (let m = 2; m < n; m++) rest += rates[m - 1] * (r.timeAtConcurrency[m - 1] ?? 0);
      for (let m = n + 1; m <= r.timeAtConcurrency.length; m++) rest += joint[pairs.length + m - 2] * (r.timeAtConcurrency[m - 1] ?? 0);
      num += fittedWork[pairIndex.get(`${r.model}\u0000${r.batch}`)!] - rest;
      den += tn;
    });
    rates.push(Math.min(1, Math.max(0.01, den > 0 ? num / den : 1 / n)));
  }

  const work = (r: ReplayRecord) => {
    let w = r.timeAtConcurrency[0] ?? 0;
    for (let n = 2; n <= r.timeAtConcurrency.length; n++) w += rates[n - 1] * r.timeAtConcurrency[n - 1];
    return w;
  };
  const executionRows: ExecutionFitRow[] = pairs.map((key, p) => {
    const [model, batchText] = key.split('\u0000');
    const group = served.filter((r) => r.model === model && r.batch === Number(batchText));
    const soloMs = fittedWork[p];
    return {
      model,
      batch: Number(batchText),
      samples: group.length,
      soloSamples: group.filter((r) => r.maxCoRunners === 0).length,
      soloMs,
      mape: mean(group.map((r) => Math.abs(work(r) - soloMs) / soloMs)),
    };
  });
  const predictedAlone = served.map((r, i) => rows[i].reduce((s, a, k) => s + a * (k < pairs.length ? fittedWork[k] : rates[k - pairs.length + 1]), 0));
  const executionR2 = rSquared(rhs, predictedAlone);

  const soloOfRecord = (r: ReplayRecord) => fittedWork[pairIndex.get(`${r.model}\u0000${r.batch}`)!];
  const modelNames = [...new Set(served.map((r) => r.model))].sort();
  const measured = measurePairRates(replays, soloOfRecord);
  const rateBeside = ratesBeside(modelNames, measured, rates[1] ?? 0.5);
  const fitted = fitSharingDemands(modelNames, measured);
  const demands = Object.fromEntries(
    modelNames.map((m) => [m, { compute: round(fitted[m].compute), memory: round(fitted[m].memory), sensitivity: round(fitted[m].sensitivity) }]),
  );
  const pairFits: PairRateFit[] = measured.map((p) => ({ ...p, lawRate: lawRate(demands[p.victim], demands[p.aggressor]) }));
  const profiles: ModelProfileJson[] = modelNames.map((name) => {
    const base = models.get(name);
    const group = served.filter((r) => r.model === name);
    const rowsOfModel = executionRows.filter((row) => row.model === name).sort((a, b) => a.batch - b.batch);
    return modelProfile(name, base, group, rowsOfModel, work, demands[name]);
  });

  const efficiency = maxLevel >= 2 ? Math.min(1, 2 * rates[1]) : 1;
  const transferIn = linearFit(served.map((r) => [bytesIn(r, models), r.transferInEnd - r.transferInStart]));
  const transferOut = linearFit(served.map((r) => [bytesOut(r, models), r.completed - r.transferOutStart]));
  // A copy that starts while the device computes waits for it (a CPU device's copies
  // need its cores): what is left after the bytes, against the executions under way.
  const executing = executingAtCopyStarts(replays);
  const transferInBusy = linearFit(
    served.map((r) => [executing.get(r)!.in, r.transferInEnd - r.transferInStart - transferIn.slope * bytesIn(r, models)]),
  );
  const transferOutBusy = linearFit(
    served.map((r) => [executing.get(r)!.out, r.completed - r.transferOutStart - transferOut.slope * bytesOut(r, models)]),
  );
  const setupMs = round(Math.max(0, transferInBusy.interceptMs));
  const d2hSetup = round(Math.max(0, transferOutBusy.interceptMs));
  const meta = replays[0].meta;
  return {
    kind: 'strait-calibration',
    version: 1,
    sources: replays.map((r) => r.dir),
    backend: meta.backend,
    device: meta.device,
    sharing: { mode: 'spatial', interferenceAlpha: 1 },
    link: {
      h2dGBps: bandwidthGBps(transferIn.slope),
      d2hGBps: bandwidthGBps(transferOut.slope),
      setupMs,
      d2hSetupMs: d2hSetup,
      busySetupMs: round(transferInBusy.slope),
      d2hBusySetupMs: round(transferOutBusy.slope),
    },
    models: profiles,
    speedProbe: meanProbe(replays),
    aloneReference: aloneReference(replays),
    fit: { requests: served.length, rateAtConcurrency: rates, efficiency, rateBeside, pairs: pairFits, demands, execution: executionRows, executionR2, transferIn, transferOut, transferInBusy, transferOutBusy },
  };
}

/**
 * For each model k, the progress rate of every request while it shared the device with
 * a request of k, over all victims (the pair rates pooled by shared time). Models
 * never seen as co-runners get the overall rate.
 */
function ratesBeside(models: readonly string[], pairs: readonly PairRate[], overall: number): Record<string, number> {
  return Object.fromEntries(
    models.map((k) => {
      const beside = pairs.filter((p) => p.aggressor === k);
      const time = beside.reduce((s, p) => s + p.sharedMs, 0);
      return [k, time > 0 ? beside.reduce((s, p) => s + p.rate * p.sharedMs, 0) / time : overall];
    }),
  );
}

function meanProbe(replays: readonly ReplayDirectory[]): Record<string, number> {
  const sums = new Map<string, number[]>();
  for (const replay of replays) {
    for (const [key, ms] of Object.entries(replay.meta.speedProbe ?? {})) (sums.get(key) ?? sums.set(key, []).get(key)!).push(ms);
  }
  return Object.fromEntries([...sums.keys()].sort().map((key) => [key, round(mean(sums.get(key)!))]));
}

function modelProfile(
  name: string,
  base: ModelProfile | undefined,
  group: readonly ReplayRecord[],
  rows: readonly ExecutionFitRow[],
  work: (r: ReplayRecord) => number,
  demands: SharingDemands,
): ModelProfileJson {
  // Phase shares from requests that ran alone (their phase times are undistorted).
  const alone = group.filter((r) => r.maxCoRunners === 0 && r.phaseMs.length > 0);
  const source = alone.length > 0 ? alone : group.filter((r) => r.phaseMs.length > 0);
  const phaseCount = source[0]?.phaseMs.length ?? 1;
  const shares = Array.from({ length: phaseCount }, (_, k) => mean(source.map((r) => r.phaseMs[k] / r.phaseMs.reduce((a, b) => a + b, 0))));
  const names = base !== undefined && base.phases.length === phaseCount ? base.phases.map((p) => p.name) : shares.map((_, k) => `phase-${k + 1}`);
  const batchSizes = rows.map((r) => r.batch);
  const phases = shares.map((share, k) => ({
    name: names[k],
    soloMs: Object.fromEntries(rows.map((r) => [String(r.batch), round(r.soloMs * share)])),
    // The model's fitted demands on every phase (what the replays can tell apart).
    compute: demands.compute,
    memory: demands.memory,
    sensitivity: demands.sensitivity,
  }));
  // Variability: spread of execution times around their (model, batch) solo time, from
  // requests that executed alone (the work inferred for shared ones carries the error
  // of the sharing fit as well, and would inflate it).
  const soloOf = new Map(rows.map((r) => [r.batch, r.soloMs]));
  const aloneRatios = group.filter((r) => r.maxCoRunners === 0).map((r) => (r.executionEnd - r.executionStart) / soloOf.get(r.batch)!);
  const ratios = (aloneRatios.length >= MIN_ALONE_SAMPLES * 2 ? aloneRatios : group.map((r) => work(r) / soloOf.get(r.batch)!)).filter(
    (x) => Number.isFinite(x) && x > 0,
  );
  const cv = ratios.length >= 2 ? Math.sqrt(variance(ratios)) / mean(ratios) : 0;
  return {
    name,
    description: `${base?.description ?? name} (calibrated)`,
    inputBytesPerItem: base?.inputBytesPerItem ?? 0,
    outputBytesPerItem: base?.outputBytesPerItem ?? 0,
    variability: cv > 0 ? { kind: 'lognormal', cv: round(cv) } : { kind: 'deterministic' },
    maxBatch: Math.max(base?.maxBatch ?? 1, ...batchSizes),
    phases,
  };
}

/**
 * A least-squares solo time kept where the records allow it: no request did less work
 * than it did alone (W >= T1), and none did more than its whole execution time (a
 * shared request progresses at a rate of at most 1). With few requests and most of
 * them shared, the joint fit can land outside, even below zero. `group`: the served
 * requests of one (model, batch), never empty.
 */
export function plausibleWork(estimate: number, group: readonly ReplayRecord[]): number {
  let lower = 0;
  let upper = Infinity;
  for (const r of group) {
    lower = Math.max(lower, r.timeAtConcurrency[0] ?? 0);
    upper = Math.min(upper, r.executionEnd - r.executionStart);
  }
  if (lower > upper) return upper; // the records disagree (timing noise): the tighter bound
  // A floor above zero even when every request shared the whole time (T1 = 0): progress
  // rates are at least 0.01, as the rate fits bound them.
  const floor = Math.max(lower, 0.01 * upper);
  return Math.min(upper, Math.max(floor, Number.isFinite(estimate) ? estimate : upper));
}

/** For each served record, how many other requests were executing when its input and its output copy started. */
function executingAtCopyStarts(replays: readonly ReplayDirectory[]): Map<ReplayRecord, { in: number; out: number }> {
  const out = new Map<ReplayRecord, { in: number; out: number }>();
  for (const replay of replays) {
    const served = servedRecords(replay.records);
    const at = (t: number, self: ReplayRecord) => {
      let n = 0;
      for (const r of served) if (r !== self && r.executionStart <= t && t < r.executionEnd) n++;
      return n;
    };
    for (const r of served) out.set(r, { in: at(r.transferInStart, r), out: at(r.transferOutStart, r) });
  }
  return out;
}

function bytesIn(r: ReplayRecord, models: ReadonlyMap<string, ModelProfile>): number {
  return (models.get(r.model)?.inputBytesPerItem ?? 0) * r.batch;
}

function bytesOut(r: ReplayRecord, models: ReadonlyMap<string, ModelProfile>): number {
  return (models.get(r.model)?.outputBytesPerItem ?? 0) * r.batch;
}

/** ms per byte to GB/s (10^9 bytes per second); a flat or negative slope means "too fast to see". */
function bandwidthGBps(msPerByte: number): number {
  return msPerByte > 1e-12 ? round(1 / msPerByte / 1e6) : 1000;
}

function linearFit(points: readonly (readonly [number, number])[]): LinearFit {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  let slope = sxx > 0 ? sxy / sxx : 0;
  let intercept = my - slope * mx;
  if (slope < 0) {
    // Bytes do not explain the times: a constant is the honest fit.
    slope = 0;
    intercept = my;
  }
  if (intercept < 0) {
    intercept = 0;
    slope = xs.reduce((s, x, i) => s + x * ys[i], 0) / Math.max(1e-300, xs.reduce((s, x) => s + x * x, 0));
  }
  const predicted = xs.map((x) => intercept + slope * x);
  return {
    samples: points.length,
    interceptMs: intercept,
    slope,
    r2: rSquared(ys, predicted),
    mape: mean(ys.map((y, i) => (y > 0 ? Math.abs(predicted[i] - y) / y : 0))),
  };
}

/**
 * Least squares for A x = b through the normal equations, with a weak ridge pulling
 * each unknown that has a prior (not NaN) towards it, so unknowns the data cannot
 * see stay at their prior instead of making the system singular.
 */
export function leastSquares(a: readonly (readonly number[])[], b: readonly number[], prior: readonly number[]): number[] {
  const k = prior.length;
  const m = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  for (let i = 0; i < a.length; i++) {
    const row = a[i];
    for (let p = 0; p < k; p++) {
      if (row[p] === 0) continue;
      for (let q = 0; q < k; q++) m[p][q] += row[p] * row[q];
      m[p][k] += row[p] * b[i];
    }
  }
  const scale = Math.max(1e-9, ...m.map((r, p) => r[p])) * 1e-6;
  for (let p = 0; p < k; p++) {
    if (!Number.isNaN(prior[p])) {
      m[p][p] += scale;
      m[p][k] += scale * prior[p];
    }
  }
  // Gauss-Jordan with partial pivoting.
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    const d = m[col][col];
    if (Math.abs(d) < 1e-300) continue;
    for (let c = col; c <= k; c++) m[col][c] /= d;
    for (let r = 0; r < k; r++) {
      if (r === col || m[r][col] === 0) continue;
      const f = m[r][col];
      for (let c = col; c <= k; c++) m[r][c] -= f * m[col][c];
    }
  }
  return m.map((r) => r[k]);
}

function rSquared(observed: readonly number[], predicted: readonly number[]): number {
  const my = mean(observed);
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < observed.length; i++) {
    ssRes += (observed[i] - predicted[i]) ** 2;
    ssTot += (observed[i] - my) ** 2;
  }
  return ssTot > 0 ? 1 - ssRes / ssTot : 1;
}

function variance(xs: readonly number[]): number {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

