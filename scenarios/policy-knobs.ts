import { PREEMPT_DEFAULTS } from '../sim/policy/preempt.ts';
import { CLOCKWORK_DEFAULTS } from '../sim/policy/clockwork.ts';
import { QUEUE_POLICY_DEFAULTS } from '../sim/policy/queue-policy.ts';
import { STRAIT_DEFAULTS } from '../sim/policy/strait.ts';
import type { Scenario } from './scenario.ts';
import { bug } from '../sim/core/errors.ts';

/**
 * One setting of a policy's knobs for a fair comparison: the per-GPU concurrency
 * limit (a deployment setting: the slots each GPU offers, capped at its own) and the
 * policy's own parameters.
 */
export interface PolicyKnobs {
  readonly policy: string;
  /**
   * Slots per GPU, each GPU capped at its own maxConcurrency; absent, the GPUs keep
   * theirs (for a policy that runs one request per GPU by design, the slots it leaves
   * idle still shape what a predictor sees, so capping them would change it).
   */
  readonly concurrency?: number;
  readonly params: Readonly<Record<string, unknown>>;
}

/** The scenario with every GPU's slots capped at `concurrency`. */
export function withConcurrency(scenario: Scenario, concurrency: number): Scenario {
  const gpus = scenario.cluster.gpus.map((gpu) => (gpu.maxConcurrency <= concurrency ? gpu : { ...gpu, maxConcurrency: concurrency }));
  return { ...scenario, cluster: { ...scenario.cluster, gpus } };
}

/** The scenario run with these knobs (the scenario's own parameters for the policy, overlaid). */
export function withKnobs(scenario: Scenario, knobs: PolicyKnobs): Scenario {
  const own = scenario.policy.name === knobs.policy ? scenario.policy.params : {};
  const chosen = { ...scenario, policy: { name: knobs.policy, params: { ...own, ...knobs.params } } };
  return knobs.concurrency === undefined ? chosen : withConcurrency(chosen, knobs.concurrency);
}

/** The most slots any GPU of the scenario offers: the top of the concurrency search. */
export function maxSlots(scenario: Scenario): number {
  return Math.max(...scenario.cluster.gpus.map((gpu) => gpu.maxConcurrency));
}

/** "concurrency 2, reserveSlots 1"; "one at a time, dropLate true" for a policy that runs one request per GPU. */
export function describeKnobs(knobs: PolicyKnobs): string {
  const params = Object.entries(knobs.params).map(([name, value]) => `${name} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const slots = knobs.concurrency !== undefined ? `concurrency ${knobs.concurrency}` : ONE_AT_A_TIME.has(knobs.policy) ? 'one at a time' : 'all slots';
  return [slots, ...params].join(', ');
}

/** Identity of a setting, to run each one once. */
export function knobsKey(knobs: PolicyKnobs): string {
  return JSON.stringify([knobs.policy, knobs.concurrency ?? null, Object.entries(knobs.params).sort(([a], [b]) => (a < b ? -1 : 1))]);
}

/**
 * The knobs searched per policy, each with its default first (the untuned setting is
 * the grid point of the defaults): values the policy itself would use unless told.
 * - every policy but clockwork: concurrency 1 .. the GPU's slots;
 * - edf, priority and strait: reserveSlots 0 .. concurrency - 1 (low work leaves that
 *   many slots free for high arrivals; a reserve of all slots would starve low work);
 * - preempt: mode kill or phase-boundary (its cost per preemption is the hardware's, not a knob);
 * - clockwork: dropLate true or false; it runs one request per GPU by design, so its
 *   GPUs keep their slots (concurrency absent).
 * fifo gets no reserve: a reserve for low work makes it priority-aware, which is what
 * priority and edf with a reserve already are.
 */
const SEARCHED: Readonly<Record<string, Readonly<Record<string, SearchedKnob>>>> = {
  fifo: {},
  edf: { reserveSlots: reserve(QUEUE_POLICY_DEFAULTS.reserveSlots) },
  priority: { reserveSlots: reserve(QUEUE_POLICY_DEFAULTS.reserveSlots) },
  strait: { reserveSlots: reserve(STRAIT_DEFAULTS.reserveSlots) },
  preempt: { mode: { fallback: PREEMPT_DEFAULTS.mode, values: () => ['kill', 'phase-boundary'] } },
  clockwork: { dropLate: { fallback: CLOCKWORK_DEFAULTS.dropLate, values: () => [true, false] } },
};

interface SearchedKnob {
  /** The policy's default. */
  readonly fallback: unknown;
  /** The values tried at a concurrency. */
  values(concurrency: number): readonly unknown[];
}

/** Reserves 0 .. concurrency - 1. */
function reserve(fallback: number): SearchedKnob {
  return { fallback, values: (concurrency) => Array.from({ length: concurrency }, (_, r) => r) };
}

/** Policies that run one request per GPU by design (clockwork): no concurrency to search. */
const ONE_AT_A_TIME: ReadonlySet<string> = new Set(['clockwork']);

/** The untuned setting: the scenario's slots and every searched knob as the scenario (or else the policy) sets it. */
export function defaultKnobs(policy: string, scenario: Scenario): PolicyKnobs {
  return tuningGrid(policy, scenario)[0];
}

/**
 * Every setting searched for `policy` on `scenario`, the untuned one first (each
 * searched knob at its default, spelled out, so the untuned setting is a grid point;
 * added to the grid if the scenario sets a value outside it).
 */
export function tuningGrid(policy: string, scenario: Scenario): PolicyKnobs[] {
  const searched = SEARCHED[policy];
  if (searched === undefined) bug(`tuning grid: expected a policy with searched knobs, got ${policy}`);
  const own = scenario.policy.name === policy ? scenario.policy.params : {};
  const slots = maxSlots(scenario);
  const oneAtATime = ONE_AT_A_TIME.has(policy);
  const concurrencies = oneAtATime ? [undefined] : Array.from({ length: slots }, (_, i) => i + 1);
  const untuned: Record<string, unknown> = {};
  for (const [name, knob] of Object.entries(searched)) untuned[name] = own[name] ?? knob.fallback;
  const first: PolicyKnobs = { policy, concurrency: oneAtATime ? undefined : slots, params: untuned };
  const grid: PolicyKnobs[] = [first];
  for (const concurrency of concurrencies) {
    let settings: Record<string, unknown>[] = [{}];
    for (const [name, knob] of Object.entries(searched)) {
      settings = settings.flatMap((setting) => knob.values(concurrency ?? slots).map((value) => ({ ...setting, [name]: value })));
    }
    for (const params of settings) {
      const knobs = concurrency === undefined ? { policy, params } : { policy, concurrency, params };
      if (knobsKey(knobs) !== knobsKey(first)) grid.push(knobs);
    }
  }
  return grid;
}
