import { InputError } from '../sim/core/errors.ts';
import type { CapacityOptions, CapacityResult } from './capacity.ts';
import type { Scenario } from './scenario.ts';

/** Seeds a measured capacity must hold on, from the scenario's seed up (`strait capacity` and "loadBasis": "measured" alike). */
export const CAPACITY_SEEDS = 3;

export function capacitySeeds(scenario: Scenario, count = CAPACITY_SEEDS): number[] {
  return Array.from({ length: count }, (_, i) => scenario.seed + i);
}

export interface ResolvedLoad {
  /** The scenario with its load on the nominal basis (loadBasis removed). */
  readonly scenario: Scenario;
  /** The measurement, when the load was stated against the measured capacity. */
  readonly capacity?: CapacityResult;
  /** The load as the scenario stated it. */
  readonly statedLoad: number;
}

/**
 * Turns a load stated against the measured capacity ("loadBasis": "measured") into the
 * nominal load the simulator runs: load x the measured capacity's load (best
 * concurrency) on CAPACITY_SEEDS seeds. The measurement is deterministic (seeded), so
 * the run is still reproducible, and the resolved scenario (as the run directory
 * records it) reproduces it without measuring again. Other scenarios pass unchanged.
 */
export async function resolveLoadBasis(scenario: Scenario, options: Pick<CapacityOptions, 'onProbe'> = {}): Promise<ResolvedLoad> {
  if (scenario.loadBasis !== 'measured') return { scenario, statedLoad: scenario.load };
  // Loaded only here: commands that check a scenario's basis (sweep, replay) need no simulator for it.
  const { measureCapacity } = await import('./capacity.ts');
  const capacity = await measureCapacity(scenario, { seeds: capacitySeeds(scenario), onProbe: options.onProbe });
  if (!(capacity.best.load > 0)) {
    throw new InputError(`${scenario.name}: loadBasis "measured": the cluster sustains no load of this workload (down to 1/1024 of its rate)`);
  }
  const { loadBasis: _, ...rest } = scenario;
  return { scenario: { ...rest, load: scenario.load * capacity.best.load }, capacity, statedLoad: scenario.load };
}

/** For commands that run a scenario as given (sweeps, replays): a measured basis is refused rather than ignored. */
export function requireNominalLoad(scenario: Scenario, command: string): void {
  if (scenario.loadBasis === 'measured') {
    throw new InputError(
      `${scenario.name}: loadBasis: "measured" is resolved by strait run and strait compare, not by ${command}; ` +
        'measure it with `strait capacity`, then state the load against the nominal capacity',
    );
  }
}

/** "load 0.95 of the measured capacity (1.070 x nominal, concurrency 3) = nominal load 1.0165" */
export function describeResolvedLoad(resolved: ResolvedLoad): string | undefined {
  const capacity = resolved.capacity;
  if (capacity === undefined) return undefined;
  const rate = Number.isFinite(capacity.best.perSec) ? `, ${capacity.best.perSec.toFixed(1)} req/s` : '';
  return (
    `load ${resolved.statedLoad} of the measured capacity (load ${capacity.best.load.toFixed(4)}${rate}, concurrency ${capacity.best.concurrency}, ` +
    `seeds ${capacity.seeds.join(', ')}) = load ${resolved.scenario.load.toFixed(4)} on the nominal basis`
  );
}
