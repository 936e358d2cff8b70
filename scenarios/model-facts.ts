import { BUILTIN_MODELS } from '../sim/model/builtin-models.ts';
import type { ModelProfile } from '../sim/model/profile.ts';
import type { ModelFacts } from '../traces/converters/convert-common.ts';
import type { Scenario } from './scenario.ts';
import { soloLatencyMs } from './workload-plan.ts';

/**
 * What a trace converter needs to know of the models, from a scenario: the built-in
 * models and the scenario's own (which replace built-ins of the same name), with solo
 * latencies on the scenario's cluster, as the scenario's own deadlines see them.
 */
export function scenarioModelFacts(scenario: Scenario): ModelFacts {
  const known = new Map<string, ModelProfile>(BUILTIN_MODELS.map((m) => [m.name, m]));
  for (const m of scenario.models) known.set(m.name, m);
  return {
    names: [...known.keys()],
    soloLatencyMs: (model, batch, size) => soloLatencyMs(known.get(model)!, batch, scenario.cluster, size),
  };
}
