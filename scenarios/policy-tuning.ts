import type { Summary } from '../sim/metrics/summary.ts';
import { runScenario, type RunOptions } from './run-scenario.ts';
import { knobsKey, tuningGrid, withKnobs, type PolicyKnobs } from './policy-knobs.ts';
import type { Scenario } from './scenario.ts';

/** One setting run over the seeds. */
export interface SettingRuns {
  readonly knobs: PolicyKnobs;
  readonly predictor: string;
  /** One summary per seed, in seed order. */
  readonly summaries: readonly Summary[];
}

/**
 * The objective's tie band, percentage points: settings whose mean high-priority
 * violation rate is within this of the lowest count as equally good for the high
 * class, and the lowest low-priority rate among them wins. About the standard error
 * of a rate near 1% over 5 seeds of 5,000 high requests each, so a difference within
 * the noise does not decide against a large difference on the low class.
 */
export const TIE_BAND_PP = 0.1;

/** Mean violation rate of a class over the seeds, percent. */
export function meanViolationPct(summaries: readonly Summary[], priority: 'high' | 'low'): number {
  return (100 * summaries.reduce((sum, s) => sum + s.classes[priority].violationRate, 0)) / summaries.length;
}

/**
 * The objective (high violations first, then low): the lowest mean high-priority
 * violation rate over the seeds; among the settings within TIE_BAND_PP of it, the
 * lowest mean low-priority rate; remaining ties go to the earlier setting (the grid
 * puts the untuned one first). Returns the index of the best.
 */
export function bestSetting(results: readonly Pick<SettingRuns, 'summaries'>[], tieBandPp = TIE_BAND_PP): number {
  const high = results.map((r) => meanViolationPct(r.summaries, 'high'));
  const floor = Math.min(...high);
  let best = -1;
  let bestLow = Infinity;
  results.forEach((r, i) => {
    if (high[i] > floor + tieBandPp) return;
    const low = meanViolationPct(r.summaries, 'low');
    if (low < bestLow) {
      best = i;
      bestLow = low;
    }
  });
  return best;
}

export interface SeedRunOptions {
  /** Called after every simulation (progress). */
  readonly onRun?: () => void;
  readonly keepArrival?: RunOptions['keepArrival'];
}

/** Runs a scenario once per seed; returns the summaries in seed order. */
export async function runOverSeeds(scenario: Scenario, seeds: readonly number[], options: SeedRunOptions = {}): Promise<Summary[]> {
  const summaries: Summary[] = [];
  for (const seed of seeds) {
    summaries.push((await runScenario({ ...scenario, seed }, { keepArrival: options.keepArrival, keepRecords: false })).summary);
    options.onRun?.();
  }
  return summaries;
}

/** Runs each setting once over the seeds, however often it is asked for. */
export class SettingRunner {
  private readonly done = new Map<string, SettingRuns>();

  constructor(
    private readonly base: Scenario,
    private readonly seeds: readonly number[],
    private readonly options: SeedRunOptions = {},
  ) {}

  async run(knobs: PolicyKnobs, predictor: string): Promise<SettingRuns> {
    const key = `${predictor} ${knobsKey(knobs)}`;
    const known = this.done.get(key);
    if (known !== undefined) return known;
    const summaries = await runOverSeeds({ ...withKnobs(this.base, knobs), predictor }, this.seeds, this.options);
    const runs = { knobs, predictor, summaries };
    this.done.set(key, runs);
    return runs;
  }
}

export interface Tuning {
  /** The policy as it comes: the scenario's slots, its knobs at their defaults. */
  readonly untuned: SettingRuns;
  /** The best setting by the objective (bestSetting). */
  readonly tuned: SettingRuns;
  /** Every setting tried, in grid order. */
  readonly tried: readonly SettingRuns[];
}

/** Searches a policy's knobs (tuningGrid) on the runner's scenario and seeds; keeps the best by bestSetting. */
export async function tunePolicy(runner: SettingRunner, scenario: Scenario, policy: string, predictor: string): Promise<Tuning> {
  const tried: SettingRuns[] = [];
  for (const knobs of tuningGrid(policy, scenario)) tried.push(await runner.run(knobs, predictor));
  return { untuned: tried[0], tuned: tried[bestSetting(tried)], tried };
}

/** How many settings tunePolicy tries (for progress counts). */
export function tuningSize(policy: string, scenario: Scenario): number {
  return tuningGrid(policy, scenario).length;
}
