import type { ArrivalSpec } from '../sim/simulator.ts';
import { maxSlots, type PolicyKnobs } from './policy-knobs.ts';
import { bestSetting, SettingRunner, type SeedRunOptions, type SettingRuns } from './policy-tuning.ts';
import type { Scenario } from './scenario.ts';

/**
 * The high-priority floor: the high class alone on the same cluster (the same
 * arrivals, times and deadlines; the low class removed). No policy that only
 * schedules low-priority work around the high class can give the high class fewer
 * violations than it has with the cluster to itself. It is scheduled earliest
 * deadline first, the natural order for one class with deadlines.
 *
 * One difference from the mixed run besides the missing low requests: per-request
 * service-time draws come from one seeded stream in arrival order, so a high request
 * draws another variability multiplier than it did among the low ones (the same
 * distribution). A run of the high class written out as a trace gives the same numbers.
 */
export const FLOOR_POLICY = 'edf';

export const highOnly = (arrival: ArrivalSpec): boolean => arrival.priority === 'high';

/** The floor's settings: the scenario's slots, or (tuned) every concurrency from 1 up, the scenario's first. */
export function floorGrid(scenario: Scenario, tune: boolean): PolicyKnobs[] {
  const slots = maxSlots(scenario);
  const concurrencies = tune ? [slots, ...Array.from({ length: slots - 1 }, (_, i) => i + 1)] : [slots];
  return concurrencies.map((concurrency) => ({ policy: FLOOR_POLICY, concurrency, params: {} }));
}

/**
 * The high class alone over the seeds; tuned, at the concurrency that gives it the
 * fewest violations (the low class is absent, so no tie band applies).
 */
export async function highOnlyRuns(
  scenario: Scenario,
  predictor: string,
  seeds: readonly number[],
  tune: boolean,
  options: Omit<SeedRunOptions, 'keepArrival'> = {},
): Promise<SettingRuns> {
  const runner = new SettingRunner(scenario, seeds, { ...options, keepArrival: highOnly });
  const tried: SettingRuns[] = [];
  for (const knobs of floorGrid(scenario, tune)) tried.push(await runner.run(knobs, predictor));
  return tried[bestSetting(tried, 0)];
}
