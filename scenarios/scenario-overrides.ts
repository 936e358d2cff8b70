// Command-line overrides, apart from the runner so that a command can apply them (and
// refuse a bad scenario) before the simulator is loaded.
import type { Scenario } from './scenario.ts';

/** Command-line overrides of a scenario's choices. */
export interface ScenarioOverrides {
  readonly policy?: string;
  readonly predictor?: string;
  readonly seed?: number;
  readonly load?: number;
}

export function applyOverrides(scenario: Scenario, overrides: ScenarioOverrides): Scenario {
  return {
    ...scenario,
    policy: overrides.policy !== undefined && overrides.policy !== scenario.policy.name ? { name: overrides.policy, params: {} } : scenario.policy,
    predictor: overrides.predictor ?? scenario.predictor,
    seed: overrides.seed ?? scenario.seed,
    load: overrides.load ?? scenario.load,
  };
}
