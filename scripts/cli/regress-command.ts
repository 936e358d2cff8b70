import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomically } from '../../sim/core/atomic-file.ts';
import { CheckFailure, InputError } from '../../sim/core/errors.ts';
import {
  baselineFromSweeps,
  compareWithBaseline,
  formatBaseline,
  parseBaseline,
  type Baseline,
  type RateComparison,
  type SweepRows,
} from '../../scenarios/sweeps/regression-baseline.ts';
import { readSweepIndex } from '../../scenarios/sweeps/sweep-index.ts';
import { readSweepManifest } from '../../scenarios/sweeps/sweep-manifest.ts';
import { formatLoad } from '../../scenarios/sweeps/sweep-grid.ts';
import { fixed, table } from './format.ts';

export interface RegressOptions {
  readonly baseline?: string;
  /** Percentage points a rate may exceed its baseline by. */
  readonly tolerance?: number;
  readonly update?: boolean;
}

export const DEFAULT_TOLERANCE_PP = 1.0;

function readBaseline(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      `${file}: ${code === 'ENOENT' ? 'no such file; expected a baseline (write one with --update)' : (error as Error).message}`,
    );
  }
  return parseBaseline(text, file);
}


const signed = (x: number) => (Number.isFinite(x) ? `${x > 0 ? '+' : x < 0 ? '' : ' '}${x.toFixed(2)}` : '-');

function formatComparison(rows: readonly RateComparison[]): string {
  return table(
    ['scenario', 'policy', 'predictor', 'load', 'class', 'baseline %', 'now %', 'diff pp', 'status'],
    rows.map((r) => [
      r.scenario,
      r.policy,
      r.predictor,
      formatLoad(r.load),
      r.priority,
      fixed(r.baselinePct),
      fixed(r.nowPct),
      signed(r.diffPp),
      r.status === 'worse' || r.status === 'missing' ? r.status.toUpperCase() : r.status,
    ]),
  );
}

const describePoint = (r: RateComparison) => `${r.scenario} ${r.policy}/${r.predictor} load ${formatLoad(r.load)}`;

/**
 * `strait regress DIR... --baseline FILE`: compares each class's mean violation rate
 * per (scenario, policy, predictor, load) of the sweeps with the baseline; prints the
 * differences; fails (exit 1) if a rate is worse by more than the tolerance or a
 * baseline point is missing. `--update` rewrites the baseline from the sweeps instead.
 */
export async function regressCommand(dirs: readonly string[], options: RegressOptions): Promise<RateComparison[]> {
  const file = options.baseline;
  if (file === undefined || file === '') throw new InputError('--baseline: expected the baseline file');
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE_PP;
  const sweeps: SweepRows[] = dirs.map((dir) => ({ scenario: readSweepManifest(dir).scenario, rows: readSweepIndex(dir) }));
  const old = options.update && !existsSync(file) ? undefined : readBaseline(file);
  const comparison = old !== undefined ? compareWithBaseline(old, sweeps, tolerance) : [];
  if (old !== undefined) process.stdout.write(formatComparison(comparison) + '\n');

  if (options.update) {
    const baseline = baselineFromSweeps(sweeps);
    writeFileAtomically(file, formatBaseline(baseline));
    process.stderr.write(`regress: wrote ${file} (${baseline.points.length} points from ${dirs.join(', ')})\n`);
    return comparison;
  }

  const worse = comparison.filter((r) => r.status === 'worse');
  const missing = new Set(comparison.filter((r) => r.status === 'missing').map(describePoint));
  const fresh = new Set(comparison.filter((r) => r.status === 'new').map(describePoint)).size;
  const checked = comparison.filter((r) => r.status !== 'new').length;
  const extra = fresh > 0 ? `; ${fresh} sweep point${fresh > 1 ? 's' : ''} not in the baseline` : '';
  if (worse.length > 0 || missing.size > 0) {
    const parts: string[] = [];
    if (worse.length > 0) {
      const shown = worse.slice(0, 3).map((r) => `${describePoint(r)} ${r.priority} ${signed(r.diffPp).trim()} pp`);
      parts.push(`${worse.length} rate${worse.length > 1 ? 's' : ''} worse than the baseline by more than ${tolerance} pp (${shown.join('; ')}${worse.length > 3 ? '; ...' : ''})`);
    }
    if (missing.size > 0) {
      const shown = [...missing].slice(0, 3);
      parts.push(`${missing.size} baseline point${missing.size > 1 ? 's' : ''} missing from the sweep (${shown.join('; ')}${missing.size > 3 ? '; ...' : ''})`);
    }
    throw new CheckFailure(`regress: ${parts.join(', and ')}${extra}`);
  }
  process.stderr.write(`regress: all ${checked} rates within ${tolerance} pp of ${file} or better${extra}\n`);
  return comparison;
}
