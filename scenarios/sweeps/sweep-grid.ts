import { InputError } from '../../sim/core/errors.ts';

/**
 * A sweep: one base scenario run at every combination of policy, predictor, load and
 * seed. Everything here is pure: parsing the flags into a grid, expanding the grid
 * into points in one fixed order, and cutting that order into shards.
 */
export interface SweepGrid {
  /** The base scenario's name. */
  readonly scenario: string;
  /**
   * Without duplicates; names in the order given (figures use it for their legends),
   * loads and seeds ascending. The points' order does not depend on it (expandGrid).
   */
  readonly policies: readonly string[];
  readonly predictors: readonly string[];
  readonly loads: readonly number[];
  readonly seeds: readonly number[];
}

/** One slice of a sweep: the points whose position in the sorted grid is index mod count. */
export interface Shard {
  /** 0-based: 0 <= index < count. */
  readonly index: number;
  readonly count: number;
}

/** One run of a sweep. */
export interface SweepPoint {
  readonly policy: string;
  readonly predictor: string;
  readonly load: number;
  readonly seed: number;
  /** Its run directory's name under runs/. */
  readonly run: string;
}

/** At most this many values in one --loads range (a typo like step 0.0001 stops here). */
const MAX_RANGE_VALUES = 10_000;

/** Code-unit order: the same on every machine and locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The grid's one order: policy, predictor, load, seed. */
export function comparePointKeys(
  a: { readonly policy: string; readonly predictor: string; readonly load: number; readonly seed: number },
  b: { readonly policy: string; readonly predictor: string; readonly load: number; readonly seed: number },
): number {
  return compareNames(a.policy, b.policy) || compareNames(a.predictor, b.predictor) || a.load - b.load || a.seed - b.seed;
}

/** A load as it appears in run names and the index: the shortest decimal that reads back the same. */
export function formatLoad(load: number): string {
  return String(load);
}

/** `<policy>__<predictor>__load<load>__seed<seed>` */
export function runName(point: { readonly policy: string; readonly predictor: string; readonly load: number; readonly seed: number }): string {
  return `${point.policy}__${point.predictor}__load${formatLoad(point.load)}__seed${point.seed}`;
}

/** Rounds off float noise from stepping (0.1 * 3 = 0.30000000000000004 -> 0.3). */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

function decimalNumber(flag: string, text: string, what: string, whole: string): number {
  const n = Number(text);
  if (text.trim() === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text.trim()) || !Number.isFinite(n)) {
    throw new InputError(`${flag}: ${what} must be a number, got "${text}" in "${whole}"`);
  }
  return n;
}

function sortedUnique<T>(flag: string, values: T[], compare: (a: T, b: T) => number, show: (v: T) => string): T[] {
  const sorted = [...values].sort(compare);
  for (let i = 1; i < sorted.length; i++) {
    if (compare(sorted[i - 1], sorted[i]) === 0) throw new InputError(`${flag}: ${show(sorted[i])} is given twice`);
  }
  return sorted;
}

/**
 * `--loads`: "a:b:step" (from a to b inclusive, every step; the values are a + i*step
 * rounded to 12 significant digits, so 0.5:1.2:0.1 gives exactly 0.5, 0.6, ..., 1.2) or
 * a comma-separated list. Loads are positive; the result is sorted.
 */
export function parseLoads(text: string, flag = '--loads'): number[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError(`${flag}: expected a range a:b:step or a comma-separated list of loads, got ""`);
  if (trimmed.includes(':')) {
    const parts = trimmed.split(':');
    if (parts.length !== 3) {
      throw new InputError(`${flag}: expected a range a:b:step (three numbers), or a comma-separated list, got "${text}"`);
    }
    const [from, to, step] = parts.map((p, i) => decimalNumber(flag, p, ['the start', 'the end', 'the step'][i], text));
    if (from <= 0) throw new InputError(`${flag}: loads must be > 0, got a start of ${from} in "${text}"`);
    if (step <= 0) throw new InputError(`${flag}: the step must be > 0, got ${step} in "${text}"`);
    if (to < from) throw new InputError(`${flag}: the range "${text}" is empty (its end ${to} is below its start ${from})`);
    // A relative slack of 1e-9 keeps an end that stepping misses by float noise.
    const steps = Math.floor((to - from) / step + 1e-9);
    if (steps + 1 > MAX_RANGE_VALUES) {
      throw new InputError(`${flag}: the range "${text}" has ${steps + 1} values; at most ${MAX_RANGE_VALUES}`);
    }
    const values = Array.from({ length: steps + 1 }, (_, i) => clean(from + i * step));
    return sortedUnique(flag, values, (a, b) => a - b, String);
  }
  const values = trimmed.split(',').map((part) => {
    const load = decimalNumber(flag, part.trim(), 'each load', text);
    if (load <= 0) throw new InputError(`${flag}: loads must be > 0, got ${part.trim()} in "${text}"`);
    return load;
  });
  return sortedUnique(flag, values, (a, b) => a - b, String);
}

function nonNegativeInteger(flag: string, text: string, whole: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t))) {
    throw new InputError(`${flag}: expected non-negative integer seeds, got "${text}" in "${whole}"`);
  }
  return Number(t);
}

/**
 * `--seeds`: a count N (the base scenario's seed up: base .. base+N-1), a range "a:b"
 * (inclusive), or a comma-separated list ("1,5,9"; "7," is the one seed 7). Sorted.
 */
export function parseSeeds(text: string, baseSeed: number, flag = '--seeds'): number[] {
  const trimmed = text.trim();
  if (trimmed.includes(',')) {
    const parts = trimmed.split(',').filter((p, i, all) => !(p.trim() === '' && i === all.length - 1));
    if (parts.length === 0) throw new InputError(`${flag}: expected a count, a range a:b or a comma-separated list of seeds, got "${text}"`);
    return sortedUnique(flag, parts.map((p) => nonNegativeInteger(flag, p, text)), (a, b) => a - b, String);
  }
  if (trimmed.includes(':')) {
    const parts = trimmed.split(':');
    if (parts.length !== 2) throw new InputError(`${flag}: expected a range a:b of seeds, got "${text}"`);
    const [from, to] = parts.map((p) => nonNegativeInteger(flag, p, text));
    if (to < from) throw new InputError(`${flag}: the range "${text}" is empty (its end ${to} is below its start ${from})`);
    if (to - from + 1 > MAX_RANGE_VALUES) throw new InputError(`${flag}: the range "${text}" has ${to - from + 1} seeds; at most ${MAX_RANGE_VALUES}`);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  if (!/^\d+$/.test(trimmed)) {
    throw new InputError(`${flag}: expected a count, a range a:b or a comma-separated list of seeds, got "${text}"`);
  }
  const count = Number(trimmed);
  if (count < 1) throw new InputError(`${flag}: expected at least 1 seed, got "${text}"`);
  if (count > MAX_RANGE_VALUES) throw new InputError(`${flag}: ${count} seeds; at most ${MAX_RANGE_VALUES}`);
  return Array.from({ length: count }, (_, i) => baseSeed + i);
}

/** A comma-separated list of registered names (policies, predictors), in the order given. */
export function parseNames(flag: string, text: string, known: Iterable<string>): string[] {
  const names = [...known];
  const chosen = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (chosen.length === 0) throw new InputError(`${flag}: expected a comma-separated list of names from ${names.join(', ')}, got "${text}"`);
  for (const name of chosen) {
    if (!names.includes(name)) throw new InputError(`${flag}: expected names from ${names.join(', ')}, got "${name}"`);
  }
  sortedUnique(flag, chosen, compareNames, (n) => `"${n}"`);
  return chosen;
}

/** `--shard i/n`: the i-th (0-based) of n slices. */
export function parseShard(text: string, flag = '--shard'): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) throw new InputError(`${flag}: expected i/n (the i-th of n slices, 0-based), got "${text}"`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) throw new InputError(`${flag}: expected at least 1 slice, got "${text}"`);
  if (index >= count) throw new InputError(`${flag}: expected 0 <= i < n (i is 0-based), got "${text}"`);
  return { index, count };
}

/** Every point of the grid, in the grid's order (policy, predictor, load, seed). */
export function expandGrid(grid: SweepGrid): SweepPoint[] {
  const points: SweepPoint[] = [];
  for (const policy of grid.policies) {
    for (const predictor of grid.predictors) {
      for (const load of grid.loads) {
        for (const seed of grid.seeds) points.push({ policy, predictor, load, seed, run: runName({ policy, predictor, load, seed }) });
      }
    }
  }
  return points.sort(comparePointKeys);
}

/** The shard's points: round robin over the sorted grid, so every shard gets a similar mix. */
export function shardPoints(points: readonly SweepPoint[], shard: Shard | undefined): SweepPoint[] {
  if (shard === undefined) return [...points];
  return points.filter((_, i) => i % shard.count === shard.index);
}
