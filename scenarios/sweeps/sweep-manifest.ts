import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Shard, SweepGrid } from './sweep-grid.ts';
import { writeFileAtomically } from '../../sim/core/atomic-file.ts';
import { InputError } from '../../sim/core/errors.ts';

/** What marks a directory as a sweep directory: its grid. */
export const MANIFEST_FILE = 'sweep.json';

/** The run directories of a sweep, one per point, live under this folder. */
export const RUNS_DIR = 'runs';

/**
 * sweep.json: the grid of a sweep (or of the shard of it this directory holds) and the
 * resolved base scenario every point starts from. Deterministic: no times, no worker
 * count, so a merged sweep's sweep.json equals the unsharded one's byte for byte.
 */
export interface SweepManifest extends SweepGrid {
  /** Absent for a whole (or merged) sweep. */
  readonly shard?: Shard;
  /** The base scenario as scenario.json writes it (every default spelled out). */
  readonly baseScenario: unknown;
}

/** sweep.json's text: fixed key order, two-space indent, trailing newline. */
export function formatSweepManifest(manifest: SweepManifest): string {
  const { scenario, policies, predictors, loads, seeds, shard, baseScenario } = manifest;
  const document = {
    scenario,
    policies,
    predictors,
    loads,
    seeds,
    ...(shard !== undefined ? { shard: { index: shard.index, count: shard.count } } : {}),
    baseScenario,
  };
  return JSON.stringify(document, null, 2) + '\n';
}

export function writeSweepManifest(dir: string, manifest: SweepManifest): void {
  const path = join(dir, MANIFEST_FILE);
  writeFileAtomically(path, formatSweepManifest(manifest));
}

function expectList<T>(file: string, json: Record<string, unknown>, key: string, ok: (v: unknown) => v is T, what: string): T[] {
  const value = json[key];
  if (!Array.isArray(value) || value.length === 0 || !value.every(ok)) {
    throw new InputError(`${file}: ${key}: expected a non-empty array of ${what}, got ${JSON.stringify(value)}`);
  }
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Reads DIR/sweep.json; a directory without one is not a sweep directory. */
export function readSweepManifest(dir: string): SweepManifest {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !existsSync(dir)) throw new InputError(`${dir}: no such directory; expected a sweep directory written by \`strait sweep\``);
    if (code === 'ENOENT') throw new InputError(`${dir}: not a sweep directory (no ${MANIFEST_FILE}); expected a directory written by \`strait sweep\``);
    throw new InputError(`${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path}: invalid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InputError(`${path}: expected a JSON object`);
  const j = json as Record<string, unknown>;
  if (!isString(j.scenario)) throw new InputError(`${path}: scenario: expected the base scenario's name, got ${JSON.stringify(j.scenario)}`);
  if (j.baseScenario === null || typeof j.baseScenario !== 'object') {
    throw new InputError(`${path}: baseScenario: expected the resolved scenario object, got ${JSON.stringify(j.baseScenario)}`);
  }
  let shard: Shard | undefined;
  if (j.shard !== undefined) {
    const s = j.shard as Record<string, unknown> | null;
    const index = s?.index;
    const count = s?.count;
    if (!Number.isInteger(index) || !Number.isInteger(count) || (index as number) < 0 || (index as number) >= (count as number)) {
      throw new InputError(`${path}: shard: expected {"index": i, "count": n} with 0 <= i < n, got ${JSON.stringify(j.shard)}`);
    }
    shard = { index: index as number, count: count as number };
  }
  return {
    scenario: j.scenario,
    policies: expectList(path, j, 'policies', isString, 'names'),
    predictors: expectList(path, j, 'predictors', isString, 'names'),
    loads: expectList(path, j, 'loads', isNumber, 'numbers'),
    seeds: expectList(path, j, 'seeds', (v): v is number => Number.isSafeInteger(v), 'integers'),
    ...(shard !== undefined ? { shard } : {}),
    baseScenario: j.baseScenario,
  };
}

/** How two manifests' grids (scenario and lists, not the shard) differ; undefined if they do not. */
export function gridDifference(a: SweepManifest, b: SweepManifest): string | undefined {
  if (a.scenario !== b.scenario) return `scenario "${a.scenario}" vs "${b.scenario}"`;
  for (const key of ['policies', 'predictors', 'loads', 'seeds'] as const) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return `${key} ${JSON.stringify(a[key])} vs ${JSON.stringify(b[key])}`;
  }
  if (JSON.stringify(a.baseScenario) !== JSON.stringify(b.baseScenario)) return 'the base scenario (baseScenario) differs';
  return undefined;
}
