import { InputError } from '../sim/core/errors.ts';
import type { Priority } from '../sim/model/request.ts';
import {
  ARRIVAL_PROCESS_KINDS,
  ARRIVAL_PROCESS_PARAMS,
  MAX_GAMMA_CV,
  POISSON,
  arrivalProcessProblem,
  type ArrivalProcessKind,
  type ArrivalProcessSpec,
} from '../traces/arrival-processes.ts';
import type { TraceRecord } from '../traces/trace-schema.ts';
import { traceFormatOf } from '../traces/trace-schema.ts';
import { loadScenario } from './load-scenario.ts';
import { parseScenario } from './parse-scenario.ts';
import type { ArrivalScope, DeadlineRule, Scenario, StopRule, StreamSpec } from './scenario.ts';
import { scenarioToJson } from './serialize-scenario.ts';
import { buildArrivals } from './workload-plan.ts';

/** How one priority class sets deadlines and batch sizes. */
export interface ClassMix {
  /**
   * slo-factor: factor times the request's solo latency on the scenario's cluster;
   * budget: a fixed ms budget, one for every model or one per model name.
   */
  readonly deadline:
    | { readonly kind: 'slo-factor'; readonly factor: number }
    | { readonly kind: 'budget'; readonly ms: number | Readonly<Record<string, number>> };
  /** Batch sizes drawn uniformly per request (default [1]). */
  readonly batchSizes?: readonly number[];
}

/** A workload mix by model share and priority share. */
export interface MixOptions {
  /** Models and their relative shares of the requests. */
  readonly models: readonly { readonly name: string; readonly weight: number }[];
  /** Fraction of requests that are high priority, 0 to 1. */
  readonly highShare: number;
  readonly high: ClassMix;
  readonly low: ClassMix;
}

/**
 * The streams of a mix: one per model and class with weight model share times class
 * share (a class with share 0 gets none), high streams first, models in the given
 * order. Every stream inherits the workload's arrival process.
 */
export function mixStreams(mix: MixOptions): StreamSpec[] {
  const total = mix.models.reduce((s, m) => s + m.weight, 0);
  const streams: StreamSpec[] = [];
  const classes: [Priority, number, ClassMix][] = [
    ['high', mix.highShare, mix.high],
    ['low', 1 - mix.highShare, mix.low],
  ];
  for (const [priority, share, cls] of classes) {
    if (!(share > 0)) continue;
    for (const model of mix.models) {
      const d = cls.deadline;
      let deadline: DeadlineRule;
      if (d.kind === 'slo-factor') deadline = { kind: 'slo-factor', factor: d.factor };
      else {
        const ms = typeof d.ms === 'number' ? d.ms : d.ms[model.name];
        if (ms === undefined) throw new InputError(`no ${priority}-priority deadline budget for model "${model.name}"`);
        deadline = { kind: 'budget', ms };
      }
      streams.push({ model: model.name, priority, weight: (model.weight / total) * share, batchSizes: cls.batchSizes ?? [1], deadline });
    }
  }
  return streams;
}

/** Everything `strait trace gen` needs to produce a trace. */
export interface TraceGenOptions extends MixOptions {
  readonly process: ArrivalProcessSpec;
  /** Default 'stream': each (model, class) stream its own process; see ArrivalScope. */
  readonly scope?: ArrivalScope;
  /** Total requests per second; absent: the capacity rate of the base scenario's cluster. */
  readonly ratePerSec?: number;
  /** Multiplies the rate (default 1). */
  readonly load?: number;
  readonly stop: StopRule;
  readonly seed: number;
  /** Models and cluster (for solo latencies and the capacity rate); default the built-in default scenario. */
  readonly base?: Scenario;
}

/**
 * The scenario whose workload the options describe: the base's models and cluster,
 * the mix's streams. It goes through the scenario validator, so whatever it lets pass
 * `strait run` would accept too; messages name scenario fields ("workload.streams[0]
 * .model"), which is why parseTraceGenArgs checks its flags first.
 */
export function traceGenScenario(options: TraceGenOptions): Scenario {
  const base = options.base ?? loadScenario();
  const candidate: Scenario = {
    ...base,
    name: `${base.name}-trace`,
    seed: options.seed,
    load: options.load ?? 1,
    workload: {
      arrivals: options.process,
      arrivalScope: options.scope ?? 'workload',
      ...(options.ratePerSec !== undefined ? { ratePerSec: options.ratePerSec } : {}),
      streams: mixStreams(options),
      stop: options.stop,
    },
  };
  return parseScenario(scenarioToJson(candidate), 'trace gen', candidate.name);
}

/**
 * The trace the options describe, lazily (constant memory at any length), sorted by
 * arrival. Each iteration starts over and gives the same records: exactly the
 * arrivals `strait run` simulates for traceGenScenario(options).
 */
export function generateTrace(options: TraceGenOptions): Iterable<TraceRecord> {
  const scenario = traceGenScenario(options);
  return { [Symbol.iterator]: () => buildArrivals(scenario)[Symbol.iterator]() };
}

// ---- command-line options ----------------------------------------------------------


export interface TraceGenRequest {
  readonly out: string;
  readonly options: TraceGenOptions;
}

/** Flag name from a camelCase key: durationMs -> --duration-ms. */
function flag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const PROCESS_FLAGS: { readonly [K in ArrivalProcessKind]: readonly string[] } = ARRIVAL_PROCESS_PARAMS;

/**
 * Reads `strait trace gen` options (commander's object: camelCase keys, string or
 * number values; absent flags undefined; keys it does not know are left to the caller).
 * Every complaint is an InputError naming
 * the flag: "--cv: expected a number >= 0 <= 100, got "x"".
 */
export function parseTraceGenArgs(args: Readonly<Record<string, unknown>>): TraceGenRequest {
  const raw = (key: string): string | undefined => {
    const v = args[key];
    if (v === undefined) return undefined;
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string') throw new InputError(`${flag(key)}: expected a value, got ${JSON.stringify(v)}`);
    return v;
  };
  const fail = (key: string, expected: string, got: string): never => {
    throw new InputError(`${flag(key)}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  const numberOf = (key: string, text: string, rule: { min?: number; above?: number; max?: number; below?: number; integer?: boolean }): number => {
    const parts = [rule.integer ? 'an integer' : 'a number'];
    if (rule.above !== undefined) parts.push(`> ${rule.above}`);
    if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
    if (rule.below !== undefined) parts.push(`< ${rule.below}`);
    if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
    const n = Number(text);
    const ok =
      text.trim() !== '' &&
      Number.isFinite(n) &&
      (!rule.integer || Number.isInteger(n)) &&
      (rule.above === undefined || n > rule.above) &&
      (rule.min === undefined || n >= rule.min) &&
      (rule.below === undefined || n < rule.below) &&
      (rule.max === undefined || n <= rule.max);
    return ok ? n : fail(key, parts.join(' '), text);
  };
  const num = (key: string, rule: Parameters<typeof numberOf>[2]): number | undefined => {
    const text = raw(key);
    return text === undefined ? undefined : numberOf(key, text, rule);
  };
  const need = (key: string, value: number | undefined, why: string): number => {
    if (value === undefined) throw new InputError(`${flag(key)}: required ${why}`);
    return value;
  };

  const out = raw('out');
  if (out === undefined || out === '') throw new InputError('--out: required: the trace file to write (.csv or .arrow)');
  traceFormatOf(out);

  // The process and its parameters; a parameter of another process is an error.
  const kindText = raw('process') ?? 'poisson';
  if (!(ARRIVAL_PROCESS_KINDS as readonly string[]).includes(kindText)) fail('process', `one of ${ARRIVAL_PROCESS_KINDS.join(', ')}`, kindText);
  const kind = kindText as ArrivalProcessKind;
  for (const [other, params] of Object.entries(PROCESS_FLAGS)) {
    if (other === kind) continue;
    for (const p of params) {
      if (args[p] !== undefined && !PROCESS_FLAGS[kind].includes(p)) throw new InputError(`${flag(p)}: only --process ${other} takes ${flag(p)}`);
    }
  }
  const forKind = `with --process ${kind}`;
  let process: ArrivalProcessSpec;
  switch (kind) {
    case 'poisson':
      process = POISSON;
      break;
    case 'gamma':
      process = { kind, cv: need('cv', num('cv', { min: 0, max: MAX_GAMMA_CV }), forKind) };
      break;
    case 'mmpp':
      process = {
        kind,
        burstRatio: need('burstRatio', num('burstRatio', { min: 1 }), forKind),
        burstShare: need('burstShare', num('burstShare', { above: 0, below: 1 }), forKind),
        meanBurstMs: need('meanBurstMs', num('meanBurstMs', { above: 0 }), forKind),
      };
      break;
    case 'diurnal':
      process = {
        kind,
        periodMs: need('periodMs', num('periodMs', { above: 0 }), forKind),
        amplitude: need('amplitude', num('amplitude', { min: 0, max: 1 }), forKind),
        phase: num('phase', {}) ?? 0,
      };
      break;
  }
  const problem = arrivalProcessProblem(process);
  if (problem !== undefined) throw new InputError(`--process ${kind}: ${problem}`);
  const scopeText = raw('scope') ?? 'workload';
  if (scopeText !== 'stream' && scopeText !== 'workload') return fail('scope', 'stream or workload', scopeText);

  const durationMs = num('durationMs', { above: 0 });
  const requests = num('requests', { integer: true, min: 1 });
  if ((durationMs === undefined) === (requests === undefined)) {
    throw new InputError(`--duration-ms, --requests: expected exactly one, got ${durationMs === undefined ? 'none' : 'both'}`);
  }
  const stop: StopRule = durationMs !== undefined ? { kind: 'duration', ms: durationMs } : { kind: 'requests', count: requests! };

  let base: Scenario;
  const scenarioName = raw('scenario');
  try {
    base = loadScenario(scenarioName);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`--scenario: ${error.message}`);
    throw error;
  }
  const hosted = base.models.map((m) => m.name).filter((name) => base.cluster.gpus.some((g) => g.models.includes(name)));

  // name:weight,name:weight (a bare name weighs 1).
  const modelsText = raw('models');
  const models =
    modelsText === undefined
      ? hosted.map((name) => ({ name, weight: 1 }))
      : modelsText.split(',').map((item) => {
          const [name, weightText, extra] = item.trim().split(':');
          if (extra !== undefined || name === '') fail('models', 'a list like mobilenet_v2:1,resnet152:0.5', modelsText);
          if (!hosted.includes(name)) {
            throw new InputError(`--models: unknown model "${name}"; the scenario ${base.name} serves ${hosted.join(', ')}`);
          }
          return { name, weight: weightText === undefined ? 1 : numberOf('models', weightText, { above: 0 }) };
        });
  const names = models.map((m) => m.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new InputError(`--models: model "${twice}" is listed twice`);

  const classMix = (cls: 'High' | 'Low', defaultFactor: number): ClassMix => {
    const sloKey = `slo${cls}`;
    const budgetKey = `deadline${cls}`;
    const slo = num(sloKey, { above: 0 });
    const budgetText = raw(budgetKey);
    if (slo !== undefined && budgetText !== undefined) throw new InputError(`${flag(sloKey)}, ${flag(budgetKey)}: expected one of them, got both`);
    let deadline: ClassMix['deadline'] = { kind: 'slo-factor', factor: slo ?? defaultFactor };
    if (budgetText !== undefined) {
      if (!budgetText.includes(':')) deadline = { kind: 'budget', ms: numberOf(budgetKey, budgetText, { above: 0 }) };
      else {
        const perModel: Record<string, number> = {};
        for (const item of budgetText.split(',')) {
          const [name, msText, extra] = item.trim().split(':');
          if (extra !== undefined || msText === undefined) fail(budgetKey, 'ms, or a list like mobilenet_v2:20,resnet152:80', budgetText);
          if (!names.includes(name)) throw new InputError(`${flag(budgetKey)}: model "${name}" is not in --models (${names.join(', ')})`);
          perModel[name] = numberOf(budgetKey, msText, { above: 0 });
        }
        const missing = names.filter((n) => perModel[n] === undefined);
        if (missing.length > 0) throw new InputError(`${flag(budgetKey)}: no budget for ${missing.join(', ')}`);
        deadline = { kind: 'budget', ms: perModel };
      }
    }
    const batchKey = `batch${cls}`;
    const batchText = raw(batchKey);
    const maxBatch = Math.min(...models.map((m) => base.models.find((p) => p.name === m.name)!.maxBatch));
    const batchSizes =
      batchText === undefined ? [1] : batchText.split(',').map((b) => numberOf(batchKey, b.trim(), { integer: true, min: 1, max: maxBatch }));
    return { deadline, batchSizes };
  };

  return {
    out,
    options: {
      process,
      scope: scopeText,
      ratePerSec: num('rate', { above: 0 }),
      load: num('load', { above: 0 }) ?? 1,
      stop,
      seed: num('seed', { integer: true, min: 0 }) ?? 1,
      base,
      models,
      highShare: num('highShare', { min: 0, max: 1 }) ?? 0.25,
      high: classMix('High', 5),
      low: classMix('Low', 10),
    },
  };
}
