import { compareNames } from './sweep-grid.ts';
import { InputError } from '../../sim/core/errors.ts';
import type { SweepIndexRow } from './sweep-index.ts';

/**
 * A regression baseline: per (scenario, policy, predictor, load), the mean over seeds
 * of each class's violation rate, in percent. `strait regress` compares a sweep with
 * it; `strait regress --update` writes it from a sweep.
 */
export interface BaselinePoint {
  readonly scenario: string;
  readonly policy: string;
  readonly predictor: string;
  readonly load: number;
  /** The seeds the means are over; a sweep is compared over these same seeds. */
  readonly seeds: readonly number[];
  readonly highViolationPct: number;
  readonly lowViolationPct: number;
}

export interface Baseline {
  readonly points: readonly BaselinePoint[];
}

/** A sweep's index rows and its base scenario's name (from sweep.json). */
export interface SweepRows {
  readonly scenario: string;
  readonly rows: readonly SweepIndexRow[];
}

export type Priority = 'high' | 'low';

export type RateStatus = 'ok' | 'better' | 'worse' | 'missing' | 'new';

/** One class's violation rate at one point: baseline against now. */
export interface RateComparison {
  readonly scenario: string;
  readonly policy: string;
  readonly predictor: string;
  readonly load: number;
  readonly priority: Priority;
  /** NaN for a point the baseline does not have (status "new"). */
  readonly baselinePct: number;
  /** NaN for a baseline point the sweep lacks (some seed missing: status "missing"). */
  readonly nowPct: number;
  /** now - baseline, percentage points (NaN if either is missing). */
  readonly diffPp: number;
  readonly status: RateStatus;
}

type Key = Pick<BaselinePoint, 'scenario' | 'policy' | 'predictor' | 'load'>;

const keyOf = (k: Key) => JSON.stringify([k.scenario, k.policy, k.predictor, k.load]);

function compareKeys(a: Key, b: Key): number {
  return compareNames(a.scenario, b.scenario) || compareNames(a.policy, b.policy) || compareNames(a.predictor, b.predictor) || a.load - b.load;
}

/** Rows by point key, then by seed (the first row of a seed wins if sweeps overlap). */
function group(sweeps: readonly SweepRows[]): Map<string, { key: Key; bySeed: Map<number, SweepIndexRow> }> {
  const groups = new Map<string, { key: Key; bySeed: Map<number, SweepIndexRow> }>();
  for (const sweep of sweeps) {
    for (const row of sweep.rows) {
      const key: Key = { scenario: sweep.scenario, policy: row.policy, predictor: row.predictor, load: row.load };
      let g = groups.get(keyOf(key));
      if (g === undefined) groups.set(keyOf(key), (g = { key, bySeed: new Map() }));
      if (!g.bySeed.has(row.seed)) g.bySeed.set(row.seed, row);
    }
  }
  return groups;
}

/** Mean violation rate of a class over rows, in percent. */
function meanPct(rows: readonly SweepIndexRow[], priority: Priority): number {
  const column = priority === 'high' ? 'high_violation_rate' : 'low_violation_rate';
  return (100 * rows.reduce((sum, row) => sum + row[column], 0)) / rows.length;
}

/** The baseline a set of sweeps defines: every point, over the seeds each has. */
export function baselineFromSweeps(sweeps: readonly SweepRows[]): Baseline {
  const points = [...group(sweeps).values()].map(({ key, bySeed }) => {
    const seeds = [...bySeed.keys()].sort((a, b) => a - b);
    const rows = seeds.map((seed) => bySeed.get(seed)!);
    return { ...key, seeds, highViolationPct: meanPct(rows, 'high'), lowViolationPct: meanPct(rows, 'low') };
  });
  return { points: points.sort(compareKeys) };
}

/**
 * Compares sweeps with a baseline, class by class: worse when now exceeds the baseline
 * by more than tolerancePp percentage points, better when below it by as much, missing
 * when the sweeps lack a seed of a baseline point; sweep points the baseline lacks are
 * listed as new (they fail nothing). In baseline order, new points after.
 */
export function compareWithBaseline(baseline: Baseline, sweeps: readonly SweepRows[], tolerancePp: number): RateComparison[] {
  const groups = group(sweeps);
  const result: RateComparison[] = [];
  const known = new Set<string>();
  for (const point of baseline.points) {
    known.add(keyOf(point));
    const bySeed = groups.get(keyOf(point))?.bySeed;
    const rows = point.seeds.map((seed) => bySeed?.get(seed));
    const complete = rows.every((row) => row !== undefined);
    for (const priority of ['high', 'low'] as const) {
      const baselinePct = priority === 'high' ? point.highViolationPct : point.lowViolationPct;
      const nowPct = complete ? meanPct(rows as SweepIndexRow[], priority) : NaN;
      const diffPp = nowPct - baselinePct;
      const status: RateStatus = !complete ? 'missing' : diffPp > tolerancePp ? 'worse' : -diffPp > tolerancePp ? 'better' : 'ok';
      result.push({ ...keyFields(point), priority, baselinePct, nowPct, diffPp, status });
    }
  }
  const fresh = baselineFromSweeps(sweeps).points.filter((p) => !known.has(keyOf(p)));
  for (const point of fresh) {
    for (const priority of ['high', 'low'] as const) {
      const nowPct = priority === 'high' ? point.highViolationPct : point.lowViolationPct;
      result.push({ ...keyFields(point), priority, baselinePct: NaN, nowPct, diffPp: NaN, status: 'new' });
    }
  }
  return result;
}

function keyFields(k: Key): Key {
  return { scenario: k.scenario, policy: k.policy, predictor: k.predictor, load: k.load };
}

/** The baseline file: JSON, one point per line (small diffs when it is rewritten). */
export function formatBaseline(baseline: Baseline): string {
  const lines = baseline.points.map(
    (p) =>
      '    ' +
      JSON.stringify({
        scenario: p.scenario,
        policy: p.policy,
        predictor: p.predictor,
        load: p.load,
        seeds: p.seeds,
        highViolationPct: p.highViolationPct,
        lowViolationPct: p.lowViolationPct,
      }),
  );
  return (
    '{\n' +
    '  "description": "strait regress baseline: per (scenario, policy, predictor, load), the mean over seeds of each class\'s violation rate in percent. Rewrite with strait regress DIR --baseline FILE --update.",\n' +
    '  "points": [\n' +
    lines.join(',\n') +
    (lines.length > 0 ? '\n' : '') +
    '  ]\n' +
    '}\n'
  );
}

/** Parses and checks a baseline file's text; `file` names it in errors. */
export function parseBaseline(text: string, file: string): Baseline {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: invalid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const points = (json as { points?: unknown } | null)?.points;
  if (!Array.isArray(points)) throw new InputError(`${file}: points: expected an array of baseline points`);
  const seen = new Set<string>();
  return {
    points: points.map((p: Record<string, unknown>, i) => {
      const at = `${file}: points[${i}]`;
      if (p === null || typeof p !== 'object') throw new InputError(`${at}: expected an object`);
      for (const field of ['scenario', 'policy', 'predictor'] as const) {
        if (typeof p[field] !== 'string' || p[field] === '') throw new InputError(`${at}.${field}: expected a name, got ${JSON.stringify(p[field])}`);
      }
      for (const field of ['load', 'highViolationPct', 'lowViolationPct'] as const) {
        if (typeof p[field] !== 'number' || !Number.isFinite(p[field])) throw new InputError(`${at}.${field}: expected a number, got ${JSON.stringify(p[field])}`);
      }
      const seeds = p.seeds;
      if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isSafeInteger(s))) {
        throw new InputError(`${at}.seeds: expected a non-empty array of integers, got ${JSON.stringify(seeds)}`);
      }
      const point: BaselinePoint = {
        scenario: p.scenario as string,
        policy: p.policy as string,
        predictor: p.predictor as string,
        load: p.load as number,
        seeds: seeds as number[],
        highViolationPct: p.highViolationPct as number,
        lowViolationPct: p.lowViolationPct as number,
      };
      if (seen.has(keyOf(point))) throw new InputError(`${at}: the point ${point.scenario} ${point.policy} ${point.predictor} load ${point.load} is given twice`);
      seen.add(keyOf(point));
      return point;
    }),
  };
}
