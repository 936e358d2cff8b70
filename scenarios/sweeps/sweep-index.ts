import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparePointKeys } from './sweep-grid.ts';
import { writeFileAtomically } from '../../sim/core/atomic-file.ts';
import { InputError } from '../../sim/core/errors.ts';
import { RUNS_DIR } from './sweep-manifest.ts';

/** The sweep index: one CSV row per completed point, in the grid's order. */
export const INDEX_FILE = 'index.csv';

/** Per-class columns, each prefixed by the class (high_count, low_count, ...). */
export const CLASS_METRICS = [
  'count',
  'violation_rate',
  'late',
  'dropped',
  'rejected',
  'unserved',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'goodput_per_sec',
  'mean_slowdown',
] as const;

export type ClassMetric = (typeof CLASS_METRICS)[number];
export type ClassColumn = `${'high' | 'low'}_${ClassMetric}`;

export const OVERALL_METRICS = [
  'overall_violation_rate',
  'gpu_utilization',
  'fairness',
  'execution_mape',
  'transfer_mape',
  'events',
  'simulated_ms',
] as const;

export type OverallColumn = (typeof OVERALL_METRICS)[number];

/** Every column, in file order. */
export const INDEX_COLUMNS: readonly string[] = [
  'policy',
  'predictor',
  'load',
  'seed',
  'run',
  ...CLASS_METRICS.map((m) => `high_${m}`),
  ...CLASS_METRICS.map((m) => `low_${m}`),
  ...OVERALL_METRICS,
];

/**
 * One row of index.csv, keyed by column name. Rates (violation_rate,
 * overall_violation_rate, gpu_utilization) are fractions 0..1; execution_mape and
 * transfer_mape are percent, as in summary.json; latencies ms; goodput per simulated
 * second. A value summary.json holds as null (e.g. the mean slowdown of a class with
 * no completed request) is NaN here and an empty cell in the file.
 */
export type SweepIndexRow = {
  readonly policy: string;
  readonly predictor: string;
  readonly load: number;
  readonly seed: number;
  /** The run directory, relative to the sweep directory: runs/<policy>__<predictor>__load<load>__seed<seed>. */
  readonly run: string;
} & { readonly [column in ClassColumn | OverallColumn]: number };

/** The parts of a summary.json document the index reads. */
interface SummaryJson {
  policy: string;
  predictor: string;
  load: number;
  seed: number;
  classes: Record<'high' | 'low', ClassJson>;
  overall: { violationRate: number; gpuUtilization: number; fairness: number };
  predictorError: { execution: { mape: number }; transfer: { mape: number } };
  events: number;
  simulatedMs: number;
}

interface ClassJson {
  count: number;
  violationRate: number;
  late: number;
  dropped: number;
  rejected: number;
  unserved: number;
  latencyMs: { p50: number; p95: number; p99: number };
  goodputPerSec: number;
  meanSlowdown: number;
}

/** JSON writes NaN as null; the index reads it back as NaN. */
const num = (x: number | null | undefined): number => (typeof x === 'number' ? x : NaN);

function classColumns(name: 'high' | 'low', c: ClassJson): Record<string, number> {
  const values: Record<ClassMetric, number> = {
    count: num(c.count),
    violation_rate: num(c.violationRate),
    late: num(c.late),
    dropped: num(c.dropped),
    rejected: num(c.rejected),
    unserved: num(c.unserved),
    p50_ms: num(c.latencyMs?.p50),
    p95_ms: num(c.latencyMs?.p95),
    p99_ms: num(c.latencyMs?.p99),
    goodput_per_sec: num(c.goodputPerSec),
    mean_slowdown: num(c.meanSlowdown),
  };
  return Object.fromEntries(CLASS_METRICS.map((m) => [`${name}_${m}`, values[m]]));
}

/** The index row of one run (its directory relative to the sweep's), from its parsed summary.json. */
export function indexRowFromSummary(run: string, summary: unknown): SweepIndexRow {
  const s = summary as SummaryJson;
  return {
    policy: s.policy,
    predictor: s.predictor,
    load: s.load,
    seed: s.seed,
    run,
    ...classColumns('high', s.classes.high),
    ...classColumns('low', s.classes.low),
    overall_violation_rate: num(s.overall.violationRate),
    gpu_utilization: num(s.overall.gpuUtilization),
    fairness: num(s.overall.fairness),
    execution_mape: num(s.predictorError.execution.mape),
    transfer_mape: num(s.predictorError.transfer.mape),
    events: num(s.events),
    simulated_ms: num(s.simulatedMs),
  } as SweepIndexRow;
}

/** The index row of the run directory sweepDir/runs/<runName>, from its summary.json. */
export function readIndexRow(sweepDir: string, runName: string): SweepIndexRow {
  const run = `${RUNS_DIR}/${runName}`;
  return indexRowFromSummary(run, JSON.parse(readFileSync(join(sweepDir, run, 'summary.json'), 'utf8')));
}

/** The grid's order: policy, predictor (code-unit order), load, seed (ascending). */
export function sortIndexRows(rows: readonly SweepIndexRow[]): SweepIndexRow[] {
  return [...rows].sort(comparePointKeys);
}

/** Numbers at full precision (the shortest decimal that reads back the same); NaN empty. */
function cell(value: string | number): string {
  if (typeof value === 'string') return value;
  return Number.isNaN(value) ? '' : String(value);
}

/** index.csv's text: a header, then one row per point in the grid's order; LF line ends. */
export function formatSweepIndex(rows: readonly SweepIndexRow[]): string {
  const lines = [INDEX_COLUMNS.join(',')];
  for (const row of sortIndexRows(rows)) {
    lines.push(INDEX_COLUMNS.map((column) => cell((row as unknown as Record<string, string | number>)[column])).join(','));
  }
  return lines.join('\n') + '\n';
}

const TEXT_COLUMNS = new Set(['policy', 'predictor', 'run']);

/** Parses index.csv text; `file` names it in errors. Columns are found by header name. */
export function parseSweepIndex(text: string, file: string): SweepIndexRow[] {
  const lines = text.split(/\r?\n/).filter((line) => line !== '');
  if (lines.length === 0) throw new InputError(`${file}: empty; expected a header row (${INDEX_COLUMNS.slice(0, 5).join(',')},...)`);
  const header = lines[0].split(',');
  const missing = INDEX_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new InputError(`${file}: line 1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length) {
      throw new InputError(`${file}: line ${i + 2}: expected ${header.length} cells, got ${cells.length}`);
    }
    const row: Record<string, string | number> = {};
    header.forEach((column, c) => {
      if (TEXT_COLUMNS.has(column)) {
        row[column] = cells[c];
        return;
      }
      const value = cells[c] === '' ? NaN : Number(cells[c]);
      if (cells[c] !== '' && Number.isNaN(value)) {
        throw new InputError(`${file}: line ${i + 2}: ${column}: expected a number, got "${cells[c]}"`);
      }
      row[column] = value;
    });
    return row as unknown as SweepIndexRow;
  });
}

/** Reads DIR/index.csv of a sweep directory. */
export function readSweepIndex(dir: string): SweepIndexRow[] {
  const path = join(dir, INDEX_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'no such file; expected a sweep directory written by `strait sweep`' : (error as Error).message}`);
  }
  return parseSweepIndex(text, path);
}

/** Writes DIR/index.csv atomically (a temporary sibling renamed into place). */
export function writeSweepIndex(dir: string, rows: readonly SweepIndexRow[]): void {
  const path = join(dir, INDEX_FILE);
  writeFileAtomically(path, formatSweepIndex(rows));
}
