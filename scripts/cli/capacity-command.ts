import { InputError } from '../../sim/core/errors.ts';
import { CAPACITY_SEEDS, capacitySeeds } from '../../scenarios/load-basis.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';
import { maxSlots } from '../../scenarios/policy-knobs.ts';
import { capacityProgress } from './capacity-progress.ts';

export interface CapacityCommandOptions {
  readonly seeds?: number;
  readonly concurrencies?: string;
  readonly json?: boolean;
}

function concurrencyList(text: string | undefined, slots: number): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((s) => s.trim());
  const list = values.map(Number);
  const bad = values.find((v, i) => !/^\d+$/.test(v) || list[i] < 1 || list[i] > slots);
  if (bad !== undefined) throw new InputError(`--concurrencies: expected comma-separated integers from 1 to ${slots} (the GPUs' slots), got "${bad}"`);
  return [...new Set(list)].sort((a, b) => a - b);
}

/** `strait capacity`: the measured capacity per concurrency, exclusive and best, beside the nominal one. */
export async function capacityCommand(scenarioArg: string | undefined, options: CapacityCommandOptions): Promise<void> {
  const scenario = loadScenario(scenarioArg);
  const concurrencies = concurrencyList(options.concurrencies, maxSlots(scenario));
  // The simulator is loaded once the scenario and the flags are known good: bad input is refused at start-up speed.
  const [{ measureCapacity }, { formatCapacity }] = await Promise.all([import('../../scenarios/capacity.ts'), import('./capacity-format.ts')]);
  const result = await measureCapacity(scenario, {
    seeds: capacitySeeds(scenario, options.seeds ?? CAPACITY_SEEDS),
    concurrencies,
    onProbe: capacityProgress(),
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  process.stdout.write(options.json ? JSON.stringify(result, null, 2) + '\n' : formatCapacity(result));
}
