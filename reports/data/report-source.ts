import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../sim/core/errors.ts';
import { parseJson } from '../../scenarios/json-fields.ts';
import { SUMMARY_FILE, readRunSummary, type RunResult } from './run-summary.ts';
import { readValidationFile, type ValidationDocument } from './validation-file.ts';

/** The order of a sweep's policies and predictors (legend and colour order). */
export interface SweepOrder {
  readonly policies: readonly string[];
  readonly predictors: readonly string[];
}

export type ReportSource =
  | { readonly kind: 'run'; readonly dir: string; readonly run: RunResult }
  | { readonly kind: 'sweep'; readonly dir: string; readonly runs: readonly RunResult[]; readonly order: SweepOrder }
  | { readonly kind: 'validation'; readonly dir: string; readonly validation: ValidationDocument };

export const SWEEP_FILE = 'sweep.json';
export const SWEEP_RUNS = 'runs';

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function noRuns(dir: string): InputError {
  return new InputError(`${dir}: no run directories found (expected ${SUMMARY_FILE} or a sweep's ${SWEEP_RUNS}/)`);
}

/**
 * What a report is made from: a run directory (it holds summary.json), a sweep
 * directory (its runs/ holds run directories) or a validation file (`strait validate
 * --campaign DIR --out FILE`). Anything else is an InputError.
 */
export function readReportSource(dir: string): ReportSource {
  if (!existsSync(dir)) throw new InputError(`${dir}: no such file or directory; expected a run directory, a sweep directory or a validation file`);
  if (!statSync(dir).isDirectory()) return { kind: 'validation', dir, validation: readValidationFile(dir) };
  if (existsSync(join(dir, SUMMARY_FILE))) return { kind: 'run', dir, run: readRunSummary(dir) };
  const runs = readSweepRuns(dir);
  if (runs.length === 0) throw noRuns(dir);
  return { kind: 'sweep', dir, runs, order: sweepOrder(dir, runs) };
}

/**
 * The finished runs of a sweep: every directory under runs/ that holds a
 * summary.json (an interrupted run's temporary directory has none and is skipped),
 * in name order. Reading each run's own summary.json (not the sweep's index.csv)
 * keeps the report independent of how the index is written.
 */
export function readSweepRuns(dir: string): RunResult[] {
  const runsDir = join(dir, SWEEP_RUNS);
  if (!isDirectory(runsDir)) return [];
  return readdirSync(runsDir)
    .sort()
    .map((name) => join(runsDir, name))
    .filter((path) => isDirectory(path) && existsSync(join(path, SUMMARY_FILE)))
    .map(readRunSummary);
}

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const names = value.map((v) => (typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' ? (v as { name: string }).name : undefined));
  return names.every((n) => n !== undefined) ? (names as string[]) : undefined;
}

/**
 * Policies and predictors in the order the sweep's grid lists them (sweep.json's
 * `policies` and `predictors`, at the top or under `grid`), then any others the runs
 * hold in name order. Without a readable grid: name order.
 */
export function sweepOrder(dir: string, runs: readonly RunResult[]): SweepOrder {
  let grid: Record<string, unknown> = {};
  const file = join(dir, SWEEP_FILE);
  if (existsSync(file)) {
    const json = parseJson(readFileSync(file, 'utf8'), file);
    if (typeof json === 'object' && json !== null) {
      const top = json as Record<string, unknown>;
      grid = typeof top.grid === 'object' && top.grid !== null ? { ...top, ...(top.grid as Record<string, unknown>) } : top;
    }
  }
  const ordered = (listed: string[] | undefined, present: Iterable<string>) => {
    const have = new Set(present);
    const first = (listed ?? []).filter((name) => have.has(name));
    return [...new Set([...first, ...[...have].sort()])];
  };
  return {
    policies: ordered(stringList(grid.policies), runs.map((r) => r.policy)),
    predictors: ordered(stringList(grid.predictors), runs.map((r) => r.predictor)),
  };
}
