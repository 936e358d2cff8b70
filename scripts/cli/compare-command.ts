import { InputError } from '../../sim/core/errors.ts';
import { POLICIES } from '../../sim/policy/registry.ts';
import { PREDICTORS } from '../../sim/predictor/registry.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';
import type { ComparisonDocument } from '../../scenarios/policy-comparison.ts';
import { parseLoads } from '../../scenarios/sweeps/sweep-grid.ts';
import { ReportDirectory } from '../../reports/report-directory.ts';

export interface CompareOptions {
  readonly policies?: string;
  readonly predictors?: string;
  readonly seeds?: number;
  readonly load?: number;
  /** Several loads (a list or a:b:step), each a comparison of its own. */
  readonly loads?: string;
  readonly tune?: boolean;
  /** Write the figure set (figure, tables, index.html) to this directory. */
  readonly figures?: string;
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

/** The loads to compare at, as stated (--loads, else --load, else the scenario's). */
function statedLoads(options: CompareOptions, scenarioLoad: number): number[] {
  if (options.loads !== undefined && options.load !== undefined) throw new InputError('--load and --loads: give one or the other');
  if (options.loads !== undefined) return parseLoads(options.loads);
  return [options.load ?? scenarioLoad];
}

/**
 * `strait compare`: every policy (with every predictor) on one scenario over several
 * seeds, at one load or several; prints mean ± standard deviation per class, and
 * fairness; with --tune each policy's best setting beside its untuned one; the
 * high-only floor; with --figures the figure set (violations against load) and tables.
 */
export async function compareCommand(scenarioArg: string | undefined, options: CompareOptions): Promise<ComparisonDocument[]> {
  const policies = names('--policies', options.policies, POLICIES, [...POLICIES.keys()]);
  const loaded = loadScenario(scenarioArg);
  const predictors = names('--predictors', options.predictors, PREDICTORS, [loaded.predictor]);
  const loads = statedLoads(options, loaded.load);
  const seedCount = options.seeds ?? 5;
  const seeds = Array.from({ length: seedCount }, (_, i) => loaded.seed + i);
  const tune = options.tune === true;
  const floor = options.floor !== false;
  const figures = options.figures === undefined ? undefined : ReportDirectory.open(options.figures);
  // The simulator and the report renderers are loaded once the flags and the scenario are known good.
  let runComparison: typeof import('./compare-run.ts').runComparison;
  try {
    ({ runComparison } = await import('./compare-run.ts'));
  } catch (error) {
    figures?.discard();
    throw error;
  }
  return runComparison(loaded, { policies, predictors, loads, seeds, tune, floor }, options, figures);
}
