import { writeFileAtomically } from '../../sim/core/atomic-file.ts';
import { InputError } from '../../sim/core/errors.ts';
import { POLICIES } from '../../sim/policy/registry.ts';
import { PREDICTORS } from '../../sim/predictor/registry.ts';
import { applyOverrides, runScenario } from '../../sim/run-scenario.ts';
import type { Summary } from '../../sim/metrics/summary.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';
import { fixed, table } from './format.ts';

export interface CompareOptions {
  readonly policies?: string;
  readonly predictors?: string;
  readonly seeds?: number;
  readonly load?: number;
  readonly out?: string;
  readonly json?: boolean;
}

/** One metric over seeds: mean and sample standard deviation. */
export interface Spread {
  readonly mean: number;
  readonly std: number;
}

export interface ComparisonRow {
  readonly policy: string;
  readonly predictor: string;
  readonly seeds: readonly number[];
  readonly highViolationPct: Spread;
  readonly lowViolationPct: Spread;
  readonly highLatePct: Spread;
  readonly highDroppedOrRejectedPct: Spread;
  readonly lowDroppedOrRejectedPct: Spread;
  readonly fairness: Spread;
  readonly goodputPerSec: Spread;
  readonly predictorExecutionMape: Spread;
}

function spread(values: readonly number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

function names(flag: string, list: string | undefined, known: ReadonlyMap<string, unknown>, fallback: string[]): string[] {
  const chosen = list === undefined ? fallback : list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (chosen.length === 0) throw new InputError(`${flag}: expected a comma-separated list of names, got "${list}"`);
  for (const name of chosen) {
    if (!known.has(name)) throw new InputError(`${flag}: expected names from ${[...known.keys()].join(', ')}, got "${name}"`);
  }
  return chosen;
}

const pctOf = (n: number, d: number) => (d > 0 ? (100 * n) / d : 0);

/**
 * `strait compare`: every policy (with every predictor) on one scenario over several
 * seeds; prints mean ± standard deviation per class, and fairness.
 */
export async function compareCommand(scenarioArg: string | undefined, options: CompareOptions): Promise<ComparisonRow[]> {
  const policies = names('--policies', options.policies, POLICIES, [...POLICIES.keys()]);
  const base = loadScenario(scenarioArg);
  const predictors = names('--predictors', options.predictors, PREDICTORS, [base.predictor]);
  const seedCount = options.seeds ?? 5;
  const seeds = Array.from({ length: seedCount }, (_, i) => base.seed + i);
  const rows: ComparisonRow[] = [];
  const total = policies.length * predictors.length * seeds.length;
  let done = 0;
  for (const policy of policies) {
    for (const predictor of predictors) {
      const summaries: Summary[] = [];
      for (const seed of seeds) {
        const run = await runScenario(applyOverrides(base, { policy, predictor, seed, load: options.load }));
        summaries.push(run.summary);
        if (process.stderr.isTTY) process.stderr.write(`\r${++done}/${total} runs `);
      }
      const high = summaries.map((s) => s.classes.high);
      const low = summaries.map((s) => s.classes.low);
      rows.push({
        policy,
        predictor,
        seeds,
        highViolationPct: spread(high.map((c) => 100 * c.violationRate)),
        lowViolationPct: spread(low.map((c) => 100 * c.violationRate)),
        highLatePct: spread(high.map((c) => pctOf(c.late, c.count))),
        highDroppedOrRejectedPct: spread(high.map((c) => pctOf(c.dropped + c.rejected + c.unserved, c.count))),
        lowDroppedOrRejectedPct: spread(low.map((c) => pctOf(c.dropped + c.rejected + c.unserved, c.count))),
        fairness: spread(summaries.map((s) => s.overall.fairness)),
        goodputPerSec: spread(summaries.map((s) => s.classes.high.goodputPerSec + s.classes.low.goodputPerSec)),
        predictorExecutionMape: spread(summaries.map((s) => s.predictorError.execution.mape)),
      });
    }
  }
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const document = { scenario: base.name, load: options.load ?? base.load, seeds, rows };
  if (options.out !== undefined) writeFileAtomically(options.out, JSON.stringify(document, null, 2) + '\n');
  if (options.json) {
    process.stdout.write(JSON.stringify(document, null, 2) + '\n');
    return rows;
  }
  const pm = (s: Spread, digits = 2) => `${fixed(s.mean, digits)} ± ${fixed(s.std, digits)}`;
  process.stdout.write(
    `scenario ${base.name}, load ${options.load ?? base.load}, seeds ${seeds.join(', ')} (mean ± standard deviation over seeds)\n\n` +
      table(
        ['policy', 'predictor', 'high viol. %', '(late %)', '(dropped+rejected %)', 'low viol. %', '(dropped+rejected %)', 'fairness', 'goodput/s', 'exec MAPE %'],
        rows.map((r) => [
          r.policy,
          r.predictor,
          pm(r.highViolationPct),
          pm(r.highLatePct),
          pm(r.highDroppedOrRejectedPct),
          pm(r.lowViolationPct),
          pm(r.lowDroppedOrRejectedPct),
          pm(r.fairness, 3),
          pm(r.goodputPerSec, 1),
          fixed(r.predictorExecutionMape.mean, 1),
        ]),
      ) +
      '\n',
  );
  return rows;
}
