/**
 * Queueing theory pins the simplest configuration of the serving model: one exclusive
 * GPU (one slot), one single-phase model, no transfer cost, FIFO, Poisson arrivals.
 * That is an M/G/1 queue, whose mean waiting time is known in closed form
 * (Pollaczek-Khinchine): M/M/1 with exponential service, M/D/1 with deterministic.
 *
 * Sizes: at rho = 0.7 the sample mean of the waiting time converges slowly (long busy
 * periods). Over 40 seeds the error of the M/M/1 mean wait at 1M requests had SD 0.8%
 * and max 2.1%; M/D/1 at 600k requests SD 0.65% and max 1.4%: a 3% tolerance is about
 * 4 sigma and fails only if the model is wrong.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServiceVariability } from '../sim/model/profile.ts';
import { cluster, meanDifference, modelProfile, poissonArrivals, relativeError, runSimulation, type RunOutput } from './helpers.ts';
import { HOOK_LIMIT_MS } from './time-limits.ts';

const RHO = 0.7;
const SERVICE_MS = 1; // mu = 1 per ms
const LAMBDA = RHO / SERVICE_MS;

function runQueue(variability: ServiceVariability, count: number, seed: number): RunOutput {
  return runSimulation({
    cluster: cluster([{ maxConcurrency: 1, link: { setupMs: 0 } }]),
    models: [modelProfile({ phases: [SERVICE_MS], inputBytesPerItem: 0, outputBytesPerItem: 0, variability })],
    arrivals: poissonArrivals({ rate: LAMBDA, count, seed: `queueing-arrivals:${seed}` }),
    policy: 'fifo',
    predictor: 'solo',
    seed,
  });
}

function waits(run: RunOutput): Float64Array {
  const arrival = run.records.arrival.view();
  const start = run.records.executionStart.view();
  return start.map((s, i) => s - arrival[i]);
}

function fraction(values: ArrayLike<number>, predicate: (v: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (predicate(values[i])) n++;
  return n / values.length;
}

/** FIFO single server: W[n+1] = max(0, W[n] + S[n] - A[n+1]), from the records' own times. */
function expectLindley(run: RunOutput): void {
  const { records } = run;
  const ids = records.id.view();
  const arrival = records.arrival.view();
  const start = records.executionStart.view();
  const end = records.executionEnd.view();
  const observed = waits(run);
  let wait = 0;
  let worst = 0;
  for (let i = 0; i < records.length; i++) {
    if (ids[i] !== i) throw new Error(`record ${i} is request ${ids[i]}: FIFO must serve in arrival order`);
    if (i > 0) wait = Math.max(0, wait + (end[i - 1] - start[i - 1]) - (arrival[i] - arrival[i - 1]));
    worst = Math.max(worst, Math.abs(observed[i] - wait));
  }
  expect(worst).toBeLessThan(1e-9);
}

describe('M/M/1: exponential service, rho = 0.7', () => {
  let run: RunOutput;
  const count = 1_000_000;
  beforeAll(() => {
    run = runQueue({ kind: 'exponential' }, count, 1);
  }, HOOK_LIMIT_MS);

  it('serves every request', () => {
    expect(run.records.length).toBe(count);
    expect(run.result.requests).toBe(count);
  });

  it('draws exponential service times with mean 1/mu', () => {
    const { records } = run;
    expect(relativeError(meanDifference(records.executionStart.view(), records.executionEnd.view()), SERVICE_MS)).toBeLessThan(0.01);
  });

  it('follows the Lindley recursion exactly (FIFO, one server, no idling while work waits)', () => {
    expectLindley(run);
  });

  it('has mean waiting time Wq = rho / (mu - lambda)', () => {
    const theory = RHO / (1 / SERVICE_MS - LAMBDA); // 2.333 ms
    const observed = meanDifference(run.records.arrival.view(), run.records.executionStart.view());
    expect(relativeError(observed, theory)).toBeLessThan(0.03);
  });

  it('has mean sojourn time W = 1 / (mu - lambda), and latency is the sojourn', () => {
    const theory = 1 / (1 / SERVICE_MS - LAMBDA); // 3.333 ms
    const { records } = run;
    const observed = meanDifference(records.arrival.view(), records.completed.view());
    expect(relativeError(observed, theory)).toBeLessThan(0.03);
    const latency = records.latency.view();
    const completed = records.completed.view();
    const arrival = records.arrival.view();
    for (let i = 0; i < 1000; i++) expect(latency[i]).toBe(completed[i] - arrival[i]);
  });

  it('has exponential sojourn times: P(T > t) = exp(-(mu - lambda) t)', () => {
    const { records } = run;
    const latency = records.latency.view();
    // Tail fractions from one autocorrelated sample path are noisier the further
    // out they lie (P(T > 10) = e^-3 rests on ~50k correlated samples), so the bound
    // widens with t; a wrong service law misses these by far more.
    for (const [t, tolerance] of [[2, 0.03], [5, 0.04], [10, 0.06]]) {
      expect(relativeError(fraction(latency, (v) => v > t), Math.exp(-(1 / SERVICE_MS - LAMBDA) * t))).toBeLessThan(tolerance);
    }
  });

  it('lets a fraction 1 - rho of arrivals start at once (PASTA)', () => {
    expect(Math.abs(fraction(waits(run), (w) => w === 0) - (1 - RHO))).toBeLessThan(0.005);
  });

  it('keeps the GPU busy a fraction rho of the time, all of it useful work', () => {
    const gpu = run.result.gpus[0];
    expect(Math.abs(gpu.busyMs / run.result.simulatedMs - RHO)).toBeLessThan(0.005);
    expect(relativeError(gpu.busyMs, gpu.soloWorkMs)).toBeLessThan(1e-9);
    expect(relativeError(gpu.deliveredWorkMs, gpu.soloWorkMs)).toBeLessThan(1e-9);
  });
});

describe('M/D/1: deterministic service, rho = 0.7', () => {
  let run: RunOutput;
  const count = 600_000;
  beforeAll(() => {
    run = runQueue({ kind: 'deterministic' }, count, 2);
  }, HOOK_LIMIT_MS);

  it('serves each request in exactly its solo time', () => {
    const start = run.records.executionStart.view();
    const end = run.records.executionEnd.view();
    let worst = 0;
    for (let i = 0; i < start.length; i++) worst = Math.max(worst, Math.abs(end[i] - start[i] - SERVICE_MS));
    expect(worst).toBeLessThan(1e-9);
  });

  it('follows the Lindley recursion exactly', () => {
    expectLindley(run);
  });

  it('has the Pollaczek-Khinchine mean wait Wq = rho / (2 mu (1 - rho))', () => {
    const theory = RHO / (2 * (1 / SERVICE_MS) * (1 - RHO)); // 1.1667 ms, half of M/M/1's
    const observed = meanDifference(run.records.arrival.view(), run.records.executionStart.view());
    expect(relativeError(observed, theory)).toBeLessThan(0.03);
    const sojourn = meanDifference(run.records.arrival.view(), run.records.completed.view());
    expect(relativeError(sojourn, theory + SERVICE_MS)).toBeLessThan(0.03);
  });

  it('lets a fraction 1 - rho of arrivals start at once and is busy a fraction rho', () => {
    expect(Math.abs(fraction(waits(run), (w) => w === 0) - (1 - RHO))).toBeLessThan(0.005);
    expect(Math.abs(run.result.gpus[0].busyMs / run.result.simulatedMs - RHO)).toBeLessThan(0.005);
  });
});
