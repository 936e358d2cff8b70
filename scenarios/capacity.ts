import type { RequestRecords } from '../sim/metrics/request-records.ts';
import { runScenario } from './run-scenario.ts';
import { maxSlots, withKnobs } from './policy-knobs.ts';
import type { Scenario } from './scenario.ts';
import { planRates, workloadArrivals } from './workload-plan.ts';

/**
 * Measured capacity: the highest arrival rate the cluster sustains, found by bisection
 * on the load (the scenario's rate multiplier: a fraction of the nominal capacity, or
 * for a trace the compression of its time axis).
 *
 * Stability criterion: a load is sustained when, at the moment the last request
 * arrives, at most BACKLOG_SHARE of all the requests are still unfinished (waiting,
 * transferring or executing). Below capacity the backlog stays bounded (a queue of
 * some tens of requests however long the run); above it, it grows by (arrival rate -
 * service rate) x time, so with 20,000 requests an overload of 2% or more leaves at
 * least 400 behind. The criterion is the throughput over the whole arrival window:
 * served >= 98% of what arrived. The capacity reported is that throughput at the
 * highest sustained load, load x (1 - the share unfinished), so the 2% of overload the
 * criterion lets through does not inflate it (on one exclusive GPU with Poisson
 * arrivals and 1 ms of deterministic service the highest sustained load is about
 * 1.02, the throughput there 1.00). It is measured under fifo (work-conserving and
 * priority-blind: every slot is used while work waits, and nothing is dropped, so the
 * count is throughput alone) on every seed given: a load counts as sustained only if
 * it is on all of them. Deadlines play no part: this is the rate the GPUs keep up
 * with, not the rate at which deadlines are met.
 */
export const BACKLOG_SHARE = 0.02;

/** Bisection stops when the bracket is narrower than this, relative to its bottom. */
export const RESOLUTION = 0.01;

const POLICY = 'fifo';
/** Capacity runs use the solo predictor: under fifo the predictor steers nothing, and solo is the cheapest to score. */
const PREDICTOR = 'solo';
const MIN_LOAD = 1 / 1024;
const MAX_LOAD = 1024;

/** Requests still unfinished when the last one arrives, as a share of all. */
export function backlogShare(records: RequestRecords): number {
  const n = records.length;
  if (n === 0) return 0;
  const arrival = records.arrival.view();
  const completed = records.completed.view();
  let last = -Infinity;
  for (let i = 0; i < n; i++) if (arrival[i] > last) last = arrival[i];
  let unfinished = 0;
  // NaN (dropped, never completed) counts as unfinished.
  for (let i = 0; i < n; i++) if (!(completed[i] <= last)) unfinished++;
  return unfinished / n;
}

export interface Probe {
  readonly load: number;
  /** The worst seed's backlog share at the last arrival. */
  readonly backlogShare: number;
  readonly sustained: boolean;
}

export interface ConcurrencyCapacity {
  readonly concurrency: number;
  /**
   * The capacity as a load (a multiple of the scenario's rate at load 1): the throughput
   * at the highest sustained load; 0 if none is sustained down to MIN_LOAD.
   */
  readonly load: number;
  /** The highest load sustained. */
  readonly sustainedLoad: number;
  /** The arrival rate at that load, requests per second. */
  readonly perSec: number;
  readonly probes: readonly Probe[];
}

export interface CapacityResult {
  readonly scenario: string;
  readonly seeds: readonly number[];
  /** The rate at load 1, requests per second (for a trace: its mean rate). */
  readonly ratePerSecAtLoad1: number;
  /** The nominal capacity from solo times and slots (NaN for traces, which have none). */
  readonly nominalPerSec: number;
  /** Exclusive execution: one request per GPU at a time (absent when concurrency 1 was not measured). */
  readonly exclusive?: ConcurrencyCapacity;
  /** The concurrency with the highest measured capacity (the lowest on ties). */
  readonly best: ConcurrencyCapacity;
  readonly byConcurrency: readonly ConcurrencyCapacity[];
}

export interface CapacityOptions {
  /** Seeds a load must be sustained on (default: the scenario's). */
  readonly seeds?: readonly number[];
  /** Concurrencies measured (default 1 .. the GPUs' slots). */
  readonly concurrencies?: readonly number[];
  readonly onProbe?: (concurrency: number, probe: Probe) => void;
}

/** Runs one load on every seed (stopping at the first that falls behind). */
async function probe(scenario: Scenario, load: number, seeds: readonly number[]): Promise<Probe> {
  let worst = 0;
  for (const seed of seeds) {
    const share = backlogShare((await runScenario({ ...scenario, seed, load })).records);
    worst = Math.max(worst, share);
    if (share > BACKLOG_SHARE) break;
  }
  return { load, backlogShare: worst, sustained: worst <= BACKLOG_SHARE };
}

/** Requests per second at load 1: the generated workload's rate, or a trace's mean rate (requests over its span). */
async function rateAtLoad1(scenario: Scenario): Promise<number> {
  if (scenario.workload.trace === undefined) return planRates({ ...scenario, load: 1 }).totalPerSec;
  const arrivals = workloadArrivals({ ...scenario, load: 1 });
  let count = 0;
  let first = NaN;
  let last = NaN;
  while (await arrivals.refill()) {
    for (let a = arrivals.next(); a !== undefined; a = arrivals.next()) {
      if (count++ === 0) first = a.arrival;
      last = a.arrival;
    }
  }
  return last > first ? (count - 1) / ((last - first) / 1000) : NaN;
}

/** Bisection for the highest sustained load at one concurrency. */
async function highestSustained(scenario: Scenario, seeds: readonly number[], onProbe: (p: Probe) => void): Promise<Probe[]> {
  const probes: Probe[] = [];
  const at = async (load: number) => {
    const p = await probe(scenario, load, seeds);
    probes.push(p);
    onProbe(p);
    return p.sustained;
  };
  let low: number;
  let high: number;
  if (await at(1)) {
    low = 1;
    high = 2;
    while (await at(high)) {
      low = high;
      high *= 2;
      if (high > MAX_LOAD) return probes;
    }
  } else {
    high = 1;
    low = 0.5;
    while (!(await at(low))) {
      high = low;
      low /= 2;
      if (low < MIN_LOAD) return probes;
    }
  }
  while (high - low > RESOLUTION * low) {
    const middle = (low + high) / 2;
    if (await at(middle)) low = middle;
    else high = middle;
  }
  return probes;
}

/** The capacity at one concurrency from its probes: the throughput at the highest sustained load. */
function capacityOf(concurrency: number, probes: readonly Probe[]): Omit<ConcurrencyCapacity, 'perSec'> {
  let top: Probe | undefined;
  for (const p of probes) if (p.sustained && (top === undefined || p.load > top.load)) top = p;
  if (top === undefined) return { concurrency, load: 0, sustainedLoad: 0, probes };
  return { concurrency, load: top.load * (1 - top.backlogShare), sustainedLoad: top.load, probes };
}

/**
 * The measured capacity of the scenario's cluster and workload mix, per concurrency
 * (every GPU's slots capped at it), by bisection on the load (see BACKLOG_SHARE).
 */
export async function measureCapacity(scenario: Scenario, options: CapacityOptions = {}): Promise<CapacityResult> {
  const seeds = options.seeds ?? [scenario.seed];
  const concurrencies = options.concurrencies ?? Array.from({ length: maxSlots(scenario) }, (_, i) => i + 1);
  const ratePerSec = await rateAtLoad1(scenario);
  const byConcurrency: ConcurrencyCapacity[] = [];
  for (const concurrency of concurrencies) {
    const setting = { ...withKnobs(scenario, { policy: POLICY, concurrency, params: {} }), predictor: PREDICTOR };
    const probes = await highestSustained(setting, seeds, (p) => options.onProbe?.(concurrency, p));
    const capacity = capacityOf(concurrency, probes);
    byConcurrency.push({ ...capacity, perSec: capacity.load * ratePerSec });
  }
  return {
    scenario: scenario.name,
    seeds,
    ratePerSecAtLoad1: ratePerSec,
    nominalPerSec: planRates(scenario).capacityPerSec,
    exclusive: byConcurrency.find((c) => c.concurrency === 1),
    best: byConcurrency.reduce((a, b) => (b.load > a.load ? b : a)),
    byConcurrency,
  };
}
