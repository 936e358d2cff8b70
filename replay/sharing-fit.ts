import { servedRecords, type ReplayDirectory, type ReplayRecord } from './replay-records.ts';

/**
 * How fast requests of one model (the victim) progressed while they shared the device
 * with a request of another (the aggressor), from replay records.
 */
export interface PairRate {
  readonly victim: string;
  readonly aggressor: string;
  /** Work done / time over every overlap of the pair (solo ms per ms). */
  readonly rate: number;
  /** Time the victims spent sharing with the aggressor, ms: the weight of this rate. */
  readonly sharedMs: number;
}

/** A model's demands under the spatial law, as fitted (alpha is 1). */
export interface SharingDemands {
  readonly compute: number;
  readonly memory: number;
  readonly sensitivity: number;
}

/**
 * Rate of each (victim, aggressor) pair seen sharing the device: a ratio of sums over
 * the time victims shared it with the aggressor, which keeps the work the device
 * delivered while shared. A request's shared work (its solo time less what it did
 * alone) is split over its co-runners by overlap.
 */
export function measurePairRates(replays: readonly ReplayDirectory[], soloOf: (r: ReplayRecord) => number): PairRate[] {
  const work = new Map<string, number>();
  const time = new Map<string, number>();
  for (const replay of replays) {
    const modelOf = new Map(replay.records.map((r) => [r.id, r.model]));
    for (const r of servedRecords(replay.records)) {
      const shared = r.timeAtConcurrency.slice(1).reduce((a, b) => a + b, 0);
      const overlap = r.coRunners.reduce((a, c) => a + c.overlapMs, 0);
      if (shared <= 0 || overlap <= 0) continue;
      const sharedWork = soloOf(r) - (r.timeAtConcurrency[0] ?? 0);
      for (const c of r.coRunners) {
        const aggressor = modelOf.get(c.id);
        if (aggressor === undefined) continue;
        const key = `${r.model}\u0000${aggressor}`;
        work.set(key, (work.get(key) ?? 0) + (sharedWork * c.overlapMs) / overlap);
        time.set(key, (time.get(key) ?? 0) + (shared * c.overlapMs) / overlap);
      }
    }
  }
  return [...time.keys()].sort().map((key) => {
    const [victim, aggressor] = key.split('\u0000');
    const t = time.get(key)!;
    return { victim, aggressor, rate: Math.min(1, Math.max(0.01, (work.get(key) ?? 0) / t)), sharedMs: t };
  });
}

/** The spatial law's rate for a pair of phases sharing a device, alpha 1 (sim/gpu/sharing.ts). */
export function lawRate(victim: SharingDemands, aggressor: SharingDemands): number {
  const oversubscription = Math.max(1, victim.compute + aggressor.compute, victim.memory + aggressor.memory);
  return 1 / (oversubscription * (1 + victim.sensitivity * aggressor.memory));
}

const BOUNDS = { compute: [0.05, 1], memory: [0, 1], sensitivity: [0, 50] } as const;
const KEYS = ['compute', 'memory', 'sensitivity'] as const;
/** Nelder-Mead restarts (each from the last result, with a fresh simplex) and iterations per run. */
const RESTARTS = 2;
const ITERATIONS = 1500;
/** Weak pull towards (compute 1, memory 0.5, sensitivity 1), relative to the data's weight, so unseen pairs leave a model where it is. */
const RIDGE = 1e-6;

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/** Unbounded coordinates to bounded demands (a logistic squash into each bound), and back. */
function toDemands(x: readonly number[], k: number): SharingDemands {
  const value = (j: number) => {
    const [lo, hi] = BOUNDS[KEYS[j]];
    return lo + (hi - lo) * logistic(x[3 * k + j]);
  };
  return { compute: value(0), memory: value(1), sensitivity: value(2) };
}

function fromDemands(d: SharingDemands): number[] {
  return KEYS.map((key) => {
    const [lo, hi] = BOUNDS[key];
    const p = Math.min(1 - 1e-9, Math.max(1e-9, (d[key] - lo) / (hi - lo)));
    return logit(p);
  });
}

/**
 * Per-model compute, memory and sensitivity (alpha 1) whose law rates best match the
 * measured pair rates: weighted least squares on log rates, minimized by Nelder-Mead
 * over all models' parameters at once (squashed into the law's bounds), restarted
 * from its own result so a collapsed simplex does not end the search. The law has a
 * max() in it, whose kinks stall one-parameter-at-a-time searches. Pure and
 * deterministic. Three parameters a model against one rate per ordered pair: with two
 * or more models the pairs outnumber them.
 */
export function fitSharingDemands(models: readonly string[], pairs: readonly PairRate[]): Record<string, SharingDemands> {
  const index = new Map(models.map((m, i) => [m, i]));
  const used = pairs.filter((p) => index.has(p.victim) && index.has(p.aggressor) && p.sharedMs > 0);
  if (used.length === 0) return Object.fromEntries(models.map((m) => [m, { compute: 1, memory: 0.5, sensitivity: 1 }]));
  const totalWeight = used.reduce((s, p) => s + p.sharedMs, 0);
  const ridge = RIDGE * totalWeight;
  const loss = (x: readonly number[]): number => {
    let sum = 0;
    for (const p of used) {
      const predicted = lawRate(toDemands(x, index.get(p.victim)!), toDemands(x, index.get(p.aggressor)!));
      sum += p.sharedMs * Math.log(predicted / p.rate) ** 2;
    }
    for (let k = 0; k < models.length; k++) {
      const d = toDemands(x, k);
      sum += ridge * ((d.compute - 1) ** 2 + (d.memory - 0.5) ** 2 + Math.log(Math.max(1e-6, d.sensitivity)) ** 2);
    }
    return sum;
  };
  // The law is not convex (a max(), and memory both in it and in the interference
  // term): start from a small grid of shared guesses and keep the best.
  let best: number[] = [];
  let bestLoss = Infinity;
  for (const compute of [0.55, 1 - 1e-6]) {
    for (const memory of [0.2, 0.5, 0.9]) {
      for (const sensitivity of [0.5, 1.5, 4]) {
        let x = models.flatMap(() => fromDemands({ compute, memory, sensitivity }));
        for (let restart = 0; restart < RESTARTS; restart++) x = nelderMead(loss, x, ITERATIONS);
        const value = loss(x);
        if (value < bestLoss) [best, bestLoss] = [x, value];
      }
    }
  }
  return Object.fromEntries(models.map((m, k) => [m, toDemands(best, k)]));
}

/** Minimizes f from x0 with the standard Nelder-Mead moves (reflect, expand, contract, shrink). */
function nelderMead(f: (x: readonly number[]) => number, x0: readonly number[], iterations: number): number[] {
  const n = x0.length;
  const simplex: number[][] = [x0.slice()];
  for (let j = 0; j < n; j++) {
    const x = x0.slice();
    x[j] += 1;
    simplex.push(x);
  }
  let values = simplex.map(f);
  for (let it = 0; it < iterations; it++) {
    const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
    const sorted = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);
    simplex.splice(0, simplex.length, ...sorted);
    if (values[n] - values[0] < 1e-12 * (1 + Math.abs(values[0]))) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n;
    const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n][j] - c));
    const reflected = along(-1);
    const fr = f(reflected);
    if (fr < values[0]) {
      const expanded = along(-2);
      const fe = f(expanded);
      if (fe < fr) [simplex[n], values[n]] = [expanded, fe];
      else [simplex[n], values[n]] = [reflected, fr];
    } else if (fr < values[n - 1]) {
      [simplex[n], values[n]] = [reflected, fr];
    } else {
      const contracted = fr < values[n] ? along(-0.5) : along(0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, values[n])) {
        [simplex[n], values[n]] = [contracted, fc];
      } else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i].map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j]));
          values[i] = f(simplex[i]);
        }
      }
    }
  }
  let bestIndex = 0;
  for (let i = 1; i <= n; i++) if (values[i] < values[bestIndex]) bestIndex = i;
  return simplex[bestIndex];
}
