import seedrandom from 'seedrandom';
import { InputError } from '../sim/core/errors.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';

/**
 * A campaign plan: configurations (scenario, policy, seed, load, and whether the
 * configuration calibrates the simulator or is held out to validate it), each replayed
 * R times in a randomized interleaved order. Nothing here is CPU-specific: the backend
 * options are the replay command's (wasm on a CPU, torch on CUDA).
 */
export type ConfigurationRole = 'calibration' | 'heldout';

export interface CampaignConfiguration {
  readonly name: string;
  readonly scenario: string;
  readonly policy?: string;
  readonly predictor?: string;
  readonly seed?: number;
  readonly load?: number;
  readonly role: ConfigurationRole;
}

export interface CampaignBackendOptions {
  readonly backend?: string;
  readonly device?: string;
  readonly sharing?: string;
  readonly streamPriority?: boolean;
  readonly python?: string;
  readonly pin?: 'auto' | 'none';
  readonly timeScale?: number;
  readonly warmup?: number;
}

export interface CampaignPlan {
  readonly name: string;
  readonly replicates: number;
  /** Seeds the interleaved order (not the traces: each configuration has its own seed). */
  readonly orderSeed: number;
  /** Replay only the first N arrivals of each trace. */
  readonly requests?: number;
  /** A replay whose speed probe moved by more than this (relative) is unstable. */
  readonly probeThreshold: number;
  /** Re-runs of an unstable replay (at the end of the order) before it is excluded. */
  readonly maxReruns: number;
  readonly backend: CampaignBackendOptions;
  readonly configurations: readonly CampaignConfiguration[];
}

export const PLAN_DEFAULTS = { replicates: 5, orderSeed: 1, probeThreshold: 0.15, maxReruns: 1 } as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a plan's JSON, every complaint naming the file and the field. */
export function parsePlan(json: unknown, file: string): CampaignPlan {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new InputError(`${file}: ${field}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (!isObject(json)) return fail('(top level)', 'an object', json);
  const known = new Set(['name', 'scenario', 'replicates', 'orderSeed', 'requests', 'probeThreshold', 'maxReruns', 'backend', 'configurations', 'description']);
  for (const key of Object.keys(json)) if (!known.has(key)) fail(key, `one of ${[...known].join(', ')}`, key);
  const positiveInteger = (field: string, value: unknown, fallback?: number): number => {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < (field === 'maxReruns' ? 0 : 1)) return fail(field, field === 'maxReruns' ? 'an integer >= 0' : 'a positive integer', value);
    return value;
  };
  const replicates = positiveInteger('replicates', json.replicates, PLAN_DEFAULTS.replicates);
  if (replicates < 2) fail('replicates', 'at least 2 (a noise floor needs replicates; 5 or more recommended)', replicates);
  const probeThreshold = json.probeThreshold ?? PLAN_DEFAULTS.probeThreshold;
  if (typeof probeThreshold !== 'number' || !(probeThreshold > 0)) fail('probeThreshold', 'a positive number (relative change, e.g. 0.15)', probeThreshold);
  const backend = json.backend ?? {};
  if (!isObject(backend)) return fail('backend', 'an object of replay options (backend, device, sharing, python, pin, timeScale, warmup)', backend);
  const backendKeys = new Set(['backend', 'device', 'sharing', 'streamPriority', 'python', 'pin', 'timeScale', 'warmup']);
  for (const key of Object.keys(backend)) if (!backendKeys.has(key)) fail(`backend.${key}`, `one of ${[...backendKeys].join(', ')}`, key);
  if (backend.pin !== undefined && backend.pin !== 'auto' && backend.pin !== 'none') fail('backend.pin', '"auto" or "none"', backend.pin);
  const defaultScenario = json.scenario;
  if (!Array.isArray(json.configurations) || json.configurations.length === 0) return fail('configurations', 'a non-empty array', json.configurations);
  const names = new Set<string>();
  const configurations = json.configurations.map((c: unknown, k: number): CampaignConfiguration => {
    const at = `configurations[${k}]`;
    if (!isObject(c)) return fail(at, 'an object', c);
    const scenario = c.scenario ?? defaultScenario;
    if (typeof scenario !== 'string') return fail(`${at}.scenario`, 'a scenario name or file (or a top-level "scenario")', scenario);
    if (c.role !== 'calibration' && c.role !== 'heldout') return fail(`${at}.role`, '"calibration" or "heldout"', c.role);
    // Checked here, before anything is written: a replay would find an unknown name only when its turn came.
    for (const [field, known] of [['policy', POLICIES], ['predictor', PREDICTORS]] as const) {
      if (c[field] !== undefined && (typeof c[field] !== 'string' || !known.has(c[field]))) fail(`${at}.${field}`, `one of ${[...known.keys()].map((k) => JSON.stringify(k)).join(', ')}`, c[field]);
    }
    if (c.seed !== undefined && (typeof c.seed !== 'number' || !Number.isInteger(c.seed) || c.seed < 0)) fail(`${at}.seed`, 'an integer >= 0', c.seed);
    if (c.load !== undefined && (typeof c.load !== 'number' || !(c.load > 0))) fail(`${at}.load`, 'a positive number', c.load);
    const name = c.name ?? [c.policy ?? 'default', `load${c.load ?? 'default'}`, `seed${c.seed ?? 'default'}`].join('-');
    if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name)) return fail(`${at}.name`, 'letters, digits, ".", "_" or "-" (it names a directory)', name);
    if (names.has(name)) fail(`${at}.name`, 'a name no other configuration has', name);
    names.add(name);
    return { name, scenario, role: c.role, policy: c.policy as string | undefined, predictor: c.predictor as string | undefined, seed: c.seed as number | undefined, load: c.load as number | undefined };
  });
  // Validation needs both: a profile fitted on calibration replays, judged on held-out ones.
  for (const role of ['calibration', 'heldout'] as const) {
    if (!configurations.some((c) => c.role === role)) fail('configurations', `at least one configuration with role "${role}"`, configurations.map((c) => c.role));
  }
  return {
    name: typeof json.name === 'string' ? json.name : 'campaign',
    replicates,
    orderSeed: json.orderSeed === undefined ? PLAN_DEFAULTS.orderSeed : positiveInteger('orderSeed', json.orderSeed),
    ...(json.requests !== undefined ? { requests: positiveInteger('requests', json.requests) } : {}),
    probeThreshold: probeThreshold as number,
    maxReruns: positiveInteger('maxReruns', json.maxReruns, PLAN_DEFAULTS.maxReruns),
    backend: backend as CampaignBackendOptions,
    configurations,
  };
}

export interface PlannedReplay {
  readonly configuration: string;
  /** 1-based replicate number. */
  readonly replicate: number;
}

/**
 * The replay order: R rounds, each one replicate of every configuration in its own
 * seeded shuffle (randomized blocks), so that slow drift of the device spreads over
 * every configuration alike and no configuration always follows another.
 */
export function interleavedOrder(plan: Pick<CampaignPlan, 'replicates' | 'orderSeed' | 'configurations'>): PlannedReplay[] {
  const random = seedrandom.xor4096(`campaign-order:${plan.orderSeed}`);
  const order: PlannedReplay[] = [];
  for (let r = 1; r <= plan.replicates; r++) {
    const names = plan.configurations.map((c) => c.name);
    for (let i = names.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [names[i], names[j]] = [names[j], names[i]];
    }
    for (const configuration of names) order.push({ configuration, replicate: r });
  }
  return order;
}

/**
 * How far the device's speed moved across a replay: the geometric mean over the
 * probe's "model/batch" keys of after / before, minus 1 (0.2: 20% slower after).
 */
export function probeDrift(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>> | undefined): number {
  if (after === undefined) return NaN;
  const logs = Object.keys(before).filter((k) => before[k] > 0 && (after[k] ?? 0) > 0).map((k) => Math.log(after[k] / before[k]));
  return logs.length === 0 ? NaN : Math.exp(logs.reduce((s, x) => s + x, 0) / logs.length) - 1;
}
