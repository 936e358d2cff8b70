import { writeFileSync } from 'node:fs';
import { InputError } from '../../sim/core/errors.ts';
import { POLICIES } from '../../sim/policy/registry.ts';
import { PREDICTORS } from '../../sim/predictor/registry.ts';
import { applyOverrides } from '../../sim/run-scenario.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';
import { comparePolicies, comparisonRunCount, type ComparisonRow, type Spread } from '../../scenarios/policy-comparison.ts';
import { TIE_BAND_PP } from '../../scenarios/policy-tuning.ts';
import { FLOOR_POLICY } from '../../scenarios/high-only.ts';
import { describeResolvedLoad, resolveLoadBasis } from '../../scenarios/load-basis.ts';
import { fixed, table } from './format.ts';
import { capacityProgress } from './capacity-command.ts';

export interface CompareOptions {
  readonly policies?: string;
  readonly predictors?: string;
  readonly seeds?: number;
  readonly load?: number;
  readonly tune?: boolean;
  /** false with --no-floor. */
  readonly floor?: boolean;
  readonly out?: string;
  readonly json?: boolean;
}

export function names(flag: string, list: string | undefined, known: ReadonlyMap<string, unknown>, fallback: string[]): string[] {
  const chosen = list === undefined ? fallback : list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (chosen.length === 0) throw new InputError(`${flag}: expected a comma-separated list of names, got "${list}"`);
  for (const name of chosen) {
    if (!known.has(name)) throw new InputError(`${flag}: expected names from ${[...known.keys()].join(', ')}, got "${name}"`);
  }
  return chosen;
}

const KIND_LABELS: Readonly<Record<ComparisonRow['kind'], string>> = { untuned: 'untuned', tuned: 'tuned', 'high-only': 'high only' };

/** The comparison as a terminal table: one row per policy setting, then the floor. */
export function comparisonTable(rows: readonly ComparisonRow[]): string {
  const pm = (s: Spread, digits = 2) => `${fixed(s.mean, digits)} ± ${fixed(s.std, digits)}`;
  const floor = (r: ComparisonRow, text: string) => (r.kind === 'high-only' ? '-' : text);
  return table(
    ['policy', 'row', 'predictor', 'setting', 'high viol. %', '(late %)', '(dropped+rejected %)', 'low viol. %', '(dropped+rejected %)', 'fairness', 'goodput/s', 'exec MAPE %'],
    rows.map((r) => [
      r.policy,
      KIND_LABELS[r.kind],
      r.predictor,
      r.setting,
      pm(r.highViolationPct),
      pm(r.highLatePct),
      pm(r.highDroppedOrRejectedPct),
      floor(r, pm(r.lowViolationPct)),
      floor(r, pm(r.lowDroppedOrRejectedPct)),
      floor(r, pm(r.fairness, 3)),
      pm(r.goodputPerSec, 1),
      fixed(r.predictorExecutionMape.mean, 1),
    ]),
  );
}

/** What the rows mean, printed under the table. */
export function comparisonNotes(tune: boolean, floor: boolean): string {
  const notes: string[] = [];
  if (tune) {
    notes.push(
      `tuned: each policy's knobs searched over the same seeds (concurrency 1..slots; reserveSlots for edf, priority, strait; mode for preempt; dropLate for clockwork); ` +
        `best = lowest mean high violation rate, and among settings within ${TIE_BAND_PP} pp of it the lowest mean low rate.`,
    );
  }
  if (floor) notes.push(`high only: the high class alone on the same cluster (same arrivals, low traffic removed), ${FLOOR_POLICY}${tune ? ', best concurrency' : ''}: the floor for any policy that only schedules low work around high.`);
  return notes.join('\n');
}

/**
 * `strait compare`: every policy (with every predictor) on one scenario over several
 * seeds; prints mean ± standard deviation per class, and fairness; with --tune each
 * policy's best setting beside its untuned one; and the high-only floor.
 */
export async function compareCommand(scenarioArg: string | undefined, options: CompareOptions): Promise<ComparisonRow[]> {
  const policies = names('--policies', options.policies, POLICIES, [...POLICIES.keys()]);
  const loaded = loadScenario(scenarioArg);
  const predictors = names('--predictors', options.predictors, PREDICTORS, [loaded.predictor]);
  const resolved = await resolveLoadBasis(applyOverrides(loaded, { load: options.load }), { onProbe: capacityProgress() });
  const base = resolved.scenario;
  const loadNote = describeResolvedLoad(resolved);
  const seedCount = options.seeds ?? 5;
  const seeds = Array.from({ length: seedCount }, (_, i) => base.seed + i);
  const tune = options.tune === true;
  const floor = options.floor !== false;
  const plan = { policies, predictors, seeds, tune, floor };
  const total = comparisonRunCount(base, plan);
  let done = 0;
  const onRun = () => {
    if (process.stderr.isTTY) process.stderr.write(`\r${++done}/${total} runs `);
  };
  const rows = await comparePolicies(base, { ...plan, onRun });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const document = { scenario: base.name, load: base.load, measuredCapacity: resolved.capacity, seeds, tuned: tune, tieBandPp: tune ? TIE_BAND_PP : undefined, rows };
  if (options.out !== undefined) writeFileSync(options.out, JSON.stringify(document, null, 2) + '\n');
  if (options.json) {
    process.stdout.write(JSON.stringify(document, null, 2) + '\n');
    return rows;
  }
  const notes = comparisonNotes(tune, floor);
  process.stdout.write(
    `scenario ${base.name}, load ${base.load}, seeds ${seeds.join(', ')} (mean ± standard deviation over seeds)\n` +
      (loadNote === undefined ? '' : `${loadNote}\n`) +
      '\n' +
      comparisonTable(rows) +
      '\n' +
      (notes === '' ? '' : `\n${notes}\n`),
  );
  return rows;
}
