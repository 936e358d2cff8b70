/**
 * What every public-dataset converter shares: reading CSV inputs (through
 * traces/csv-records.ts; errors name the file and line), the --map / --window / --scale / --deadline options, stable
 * hashing of function ids, and the last step that turns a sorted stream of dataset
 * arrivals into trace rows (window, rate scale, deadline) written by writeTrace.
 *
 * Time flows in three steps:
 *   dataset time  -> "trace time": ms from the dataset's origin (each converter says which)
 *   trace time    -> window [start, end): rows outside are left out
 *   window        -> output arrival_ms = (trace time - window start) / compression
 */
import { bug, InputError } from '../../sim/core/errors.ts';
import { RandomStreams, type RandomStream } from '../../sim/core/random.ts';
import { BUILTIN_MODEL_NAMES } from '../../sim/model/builtin-models.ts';
import type { Priority } from '../../sim/model/request.ts';
import type { CsvReader } from '../csv-records.ts';
import type { TraceRecord, TraceShapeColumns } from '../trace-schema.ts';
import { writeTrace } from '../trace-writer.ts';

// ---------------------------------------------------------------------------------
// Targets and mappings

/** What a dataset request becomes: a model at a priority and batch size. */
export interface Target {
  readonly model: string;
  readonly priority: Priority;
  readonly batch: number;
}

/**
 * How dataset requests pick a target.
 * - keyed: by a name the dataset carries (the LLM file's source, a function's
 *   trigger); `*` is the fallback; a null target leaves those requests out.
 * - hash: a stable hash of the request's id picks the model from a list (uniformly)
 *   and the priority (high with probability highShare, over ids).
 */
export type TargetMapping =
  | {
      readonly kind: 'keyed';
      readonly entries: ReadonlyMap<string, Target | null>;
      readonly fallback: Target | null | undefined;
    }
  | {
      readonly kind: 'hash';
      readonly models: readonly string[];
      readonly highShare: number;
      readonly batch: number;
    };

const NAME = /^[A-Za-z0-9_.-]+$/;

function parseBatch(text: string, where: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InputError(`${where}: batch: expected an integer >= 1, got "${text}"`);
  return Number(text);
}

function parseTarget(text: string, where: string): Target | null {
  if (text === 'skip') return null;
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3) {
    throw new InputError(`${where}: expected MODEL:PRIORITY[:BATCH] or skip, got "${text}"`);
  }
  const [model, priority, batch] = parts;
  if (!NAME.test(model)) throw new InputError(`${where}: expected a model name, got "${model}"`);
  if (priority !== 'high' && priority !== 'low') throw new InputError(`${where}: priority: expected high or low, got "${priority}"`);
  return { model, priority, batch: batch === undefined ? 1 : parseBatch(batch, where) };
}

/**
 * Parses a --map value.
 *
 *   keyed:  KEY=MODEL:PRIORITY[:BATCH],...   KEY is a source or trigger name, or *
 *           (every key not listed); the target `skip` leaves those requests out.
 *           e.g.  code=bert_base:high,conv=bert_base:low
 *                 http=mobilenet_v2:high,timer=skip,*=resnet152:low:4
 *   hash:   hash:MODEL[+MODEL...][:high=SHARE][:batch=N]
 *           e.g.  hash:mobilenet_v2+resnet152+bert_base:high=0.25
 */
export function parseTargetMapping(text: string, flag = '--map'): TargetMapping {
  const value = text.trim();
  if (value.startsWith('hash:')) {
    const [, modelList, ...params] = value.split(':');
    const models = (modelList ?? '').split('+');
    if (models.some((m) => !NAME.test(m))) {
      throw new InputError(`${flag}: expected hash:MODEL[+MODEL...][:high=SHARE][:batch=N], got "${text}"`);
    }
    let highShare = 0.5;
    let batch = 1;
    for (const param of params) {
      const [key, v] = param.split('=');
      if (key === 'high' && v !== undefined) {
        const share = Number(v);
        if (v.trim() === '' || !(share >= 0 && share <= 1)) throw new InputError(`${flag}: high: expected a share in [0, 1], got "${v}"`);
        highShare = share;
      } else if (key === 'batch' && v !== undefined) {
        batch = parseBatch(v, flag);
      } else {
        throw new InputError(`${flag}: unknown hash parameter "${param}"; expected high=SHARE or batch=N`);
      }
    }
    return { kind: 'hash', models, highShare, batch };
  }
  const entries = new Map<string, Target | null>();
  let fallback: Target | null | undefined;
  for (const entry of value.split(',')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new InputError(`${flag}: expected KEY=MODEL:PRIORITY[:BATCH] entries separated by commas, got "${entry}"`);
    const key = entry.slice(0, eq).trim();
    const target = parseTarget(entry.slice(eq + 1).trim(), `${flag}: ${key}`);
    if (key === '*') {
      if (fallback !== undefined) throw new InputError(`${flag}: * is given twice`);
      fallback = target;
    } else {
      if (entries.has(key)) throw new InputError(`${flag}: ${key} is given twice`);
      entries.set(key, target);
    }
  }
  return { kind: 'keyed', entries, fallback };
}

/** Every model a mapping names. */
export function mappedModels(mapping: TargetMapping): string[] {
  if (mapping.kind === 'hash') return [...mapping.models];
  const targets = [...mapping.entries.values(), mapping.fallback];
  return [...new Set(targets.filter((t): t is Target => t != null).map((t) => t.model))];
}

/** Looks a key up in a keyed mapping: undefined when neither it nor * is mapped. */
export function keyedTarget(mapping: Extract<TargetMapping, { kind: 'keyed' }>, key: string): Target | null | undefined {
  const target = mapping.entries.get(key);
  return target !== undefined || mapping.entries.has(key) ? target : mapping.fallback;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, finished with murmur3's fmix32. */
export function stableHash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The target a hash mapping gives an id. Model and priority come from two separately
 * salted hashes, so they are independent; the result depends on the id only (not on
 * the seed, the file or the row order), so one function keeps its model everywhere.
 */
export function hashTarget(mapping: Extract<TargetMapping, { kind: 'hash' }>, id: string): Target {
  const model = mapping.models[stableHash32(`model\u0000${id}`) % mapping.models.length];
  const priority: Priority = stableHash32(`priority\u0000${id}`) / 2 ** 32 < mapping.highShare ? 'high' : 'low';
  return { model, priority, batch: mapping.batch };
}

// ---------------------------------------------------------------------------------
// Durations, windows, scale, deadlines

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration in ms: a bare number is ms; otherwise one or more NUMBER UNIT parts
 * with units ms, s, m (or min), h, d, e.g. 3600000, 90s, 1h30m, 1.5h.
 */
export function parseDurationMs(text: string, flag: string): number {
  const value = text.trim();
  const expected = `${flag}: expected a duration (ms, or with a unit: 500ms, 90s, 15m, 1h30m, 2d), got "${text}"`;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const part = /(\d+(?:\.\d+)?)(ms|min|s|m|h|d)/y;
  let total = 0;
  let at = 0;
  while (at < value.length) {
    part.lastIndex = at;
    const match = part.exec(value);
    if (match === null) throw new InputError(expected);
    total += Number(match[1]) * UNIT_MS[match[2]];
    at = part.lastIndex;
  }
  if (value === '') throw new InputError(expected);
  return total;
}

/** A span of trace time, [startMs, endMs). */
export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

export const WHOLE_TRACE: TimeWindow = { startMs: 0, endMs: Infinity };

/** START:END in trace time, each a duration; either may be empty (0, the end of the trace). */
export function parseWindow(text: string, flag = '--window'): TimeWindow {
  const colon = text.indexOf(':');
  if (colon < 0) throw new InputError(`${flag}: expected START:END (e.g. 0:3600000, 1h:2h, 30m:), got "${text}"`);
  const start = text.slice(0, colon).trim();
  const end = text.slice(colon + 1).trim();
  const startMs = start === '' ? 0 : parseDurationMs(start, `${flag} start`);
  const endMs = end === '' ? Infinity : parseDurationMs(end, `${flag} end`);
  if (!(endMs > startMs)) throw new InputError(`${flag}: the end (${end}) must come after the start (${start || 0})`);
  return { startMs, endMs };
}

/**
 * How --scale changes the rate.
 * - thin (scale <= 1): keeps each arrival with probability scale, independently, from
 *   the seeded stream "convert/thin"; times are unchanged.
 * - compress (any scale > 0): divides every time (after the window) by scale, so the
 *   rate is multiplied by scale exactly and the burst structure is kept; the trace
 *   spans window / scale.
 * - auto: thin below 1, compress above 1.
 */
export type ScaleMode = 'auto' | 'thin' | 'compress';

export function parseScaleMode(text: string, flag = '--scale-mode'): ScaleMode {
  if (text === 'auto' || text === 'thin' || text === 'compress') return text;
  throw new InputError(`${flag}: expected auto, thin or compress, got "${text}"`);
}

export function parsePositiveNumber(text: string | number, flag: string): number {
  const n = typeof text === 'number' ? text : text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`${flag}: expected a positive number, got "${text}"`);
  return n;
}

export function parseSeed(text: string | number, flag = '--seed'): number {
  const n = typeof text === 'number' ? text : /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`${flag}: expected a non-negative integer, got "${text}"`);
  return n;
}

/** A deadline per request: factor x solo latency of its model at its batch, or a fixed budget. */
export type ConvertDeadline = { readonly kind: 'slo-factor'; readonly factor: number } | { readonly kind: 'budget'; readonly ms: number };

export interface DeadlineRules {
  readonly high: ConvertDeadline;
  readonly low: ConvertDeadline;
}

/** The default scenario's factors: 5x solo latency for high priority, 10x for low. */
export const DEFAULT_DEADLINES: DeadlineRules = {
  high: { kind: 'slo-factor', factor: 5 },
  low: { kind: 'slo-factor', factor: 10 },
};

function parseOneDeadline(text: string, flag: string): ConvertDeadline {
  const value = text.trim();
  const factor = /^(\d+(?:\.\d+)?)x$/.exec(value);
  if (factor !== null) {
    const f = Number(factor[1]);
    if (!(f > 0)) throw new InputError(`${flag}: the factor must be > 0, got "${text}"`);
    return { kind: 'slo-factor', factor: f };
  }
  if (/^\d+(\.\d+)?$/.test(value) || !/^\d/.test(value)) {
    throw new InputError(`${flag}: expected a factor of the solo latency (5x) or a duration with a unit (50ms, 0.2s), got "${text}"`);
  }
  const ms = parseDurationMs(value, flag);
  if (!(ms > 0)) throw new InputError(`${flag}: the deadline must be > 0, got "${text}"`);
  return { kind: 'budget', ms };
}

/**
 * --deadline: RULE for both priorities, or high=RULE,low=RULE (a missing one keeps its
 * default). RULE is Nx (N times the solo latency of the model at the request's batch,
 * on the scenario's cluster) or a duration with a unit (50ms, 0.2s).
 */
export function parseDeadlines(text: string, flag = '--deadline'): DeadlineRules {
  if (!text.includes('=')) {
    const rule = parseOneDeadline(text, flag);
    return { high: rule, low: rule };
  }
  let { high, low } = DEFAULT_DEADLINES;
  for (const entry of text.split(',')) {
    const [key, value] = entry.split('=');
    if (key.trim() === 'high' && value !== undefined) high = parseOneDeadline(value, `${flag} high`);
    else if (key.trim() === 'low' && value !== undefined) low = parseOneDeadline(value, `${flag} low`);
    else throw new InputError(`${flag}: expected RULE or high=RULE,low=RULE, got "${entry}"`);
  }
  return { high, low };
}

// ---------------------------------------------------------------------------------
// Settings shared by every converter

export interface ConvertSettings {
  /** Trace time kept, [start, end) ms; default the whole trace. */
  readonly window?: TimeWindow;
  /** Rate multiplier (> 0); default 1. */
  readonly scale?: number;
  readonly scaleMode?: ScaleMode;
  /** Seed of every random choice (thinning, spreading within a minute); default 1. */
  readonly seed?: number;
  readonly deadlines?: DeadlineRules;
  /**
   * The models a mapping may name and their solo latencies, which Nx deadlines need
   * (the CLI builds them from a scenario: scenarios/model-facts.ts). Default: the
   * built-in models' names, and no solo latencies (budget deadlines only).
   */
  readonly models?: ModelFacts;
  /** Called with the running counts after every batch of dataset arrivals (for progress). */
  readonly onProgress?: (stats: Readonly<ConvertStats>) => void;
  /** Told of something that converts but is likely not what was meant (one line, no trailing newline). */
  readonly onWarning?: (message: string) => void;
}

/** Counts a conversion reports. */
export interface ConvertStats {
  /** Data rows read from the inputs. */
  rowsRead: number;
  /** Dataset requests seen (before window, mapping and scale). */
  requests: number;
  /** Left out by the mapping (skip). */
  unmapped: number;
  /** Left out by the window (those read: a converter may skip whole days or stop reading at the window's end). */
  outsideWindow: number;
  /** Left out by thinning. */
  thinned: number;
  /** Left out for a converter-specific reason (e.g. started before the trace). */
  invalid: number;
  /** Rows written. */
  written: number;
  high: number;
  low: number;
  firstArrivalMs: number | undefined;
  lastArrivalMs: number | undefined;
}

export function newStats(): ConvertStats {
  return {
    rowsRead: 0,
    requests: 0,
    unmapped: 0,
    outsideWindow: 0,
    thinned: 0,
    invalid: 0,
    written: 0,
    high: 0,
    low: 0,
    firstArrivalMs: undefined,
    lastArrivalMs: undefined,
  };
}

/** One dataset request after mapping, in trace time. */
export interface DatasetArrival {
  /** ms from the dataset's origin. */
  readonly time: number;
  readonly target: Target;
  readonly inputBytes?: number;
  readonly outputBytes?: number;
  /** Tokens per item and a measured service time, when the dataset has them. */
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly durationMs?: number;
}

/** What of one request its solo time depends on beyond model and batch (absent: not known). */
export interface RequestSize {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly durationMs?: number;
}

/**
 * What a converter needs to know of the models, handed over by its caller: traces know
 * nothing of scenarios, where clusters and model profiles are resolved.
 */
export interface ModelFacts {
  /** Every model a mapping may name, in the order an error lists them. */
  readonly names: readonly string[];
  /**
   * Solo latency of one of the named models at a batch size, ms: what an Nx deadline
   * multiplies; with `size`, that one request's (its tokens or duration shape it).
   */
  soloLatencyMs(model: string, batch: number, size?: RequestSize): number;
}

/**
 * Checks the mapping's models against the known ones; returns the resolver. An Nx rule
 * multiplies the request's own solo latency when `size` gives its tokens or duration,
 * so a long prompt is not judged by a short one's deadline.
 */
export function deadlineResolver(
  settings: ConvertSettings,
  models: readonly string[],
  flag = '--map',
): (target: Target, size?: RequestSize) => number {
  const rules = settings.deadlines ?? DEFAULT_DEADLINES;
  const facts = settings.models;
  const known = facts?.names ?? BUILTIN_MODEL_NAMES;
  for (const model of models) {
    if (!known.includes(model)) throw new InputError(`${flag}: unknown model "${model}"; expected one of ${known.join(', ')}`);
  }
  if (facts === undefined && (rules.high.kind === 'slo-factor' || rules.low.kind === 'slo-factor')) {
    bug('Nx deadlines need solo latencies: expected the caller to hand the converter settings.models, got none');
  }
  const cache = new Map<string, number>();
  return (target, size) => {
    const rule = rules[target.priority];
    if (rule.kind === 'slo-factor' && size !== undefined && isSized(size)) return rule.factor * facts!.soloLatencyMs(target.model, target.batch, size);
    const key = `${target.model}\u0000${target.priority}\u0000${target.batch}`;
    let deadline = cache.get(key);
    if (deadline === undefined) {
      deadline = rule.kind === 'budget' ? rule.ms : rule.factor * facts!.soloLatencyMs(target.model, target.batch);
      cache.set(key, deadline);
    }
    return deadline;
  };
}

function isSized(size: RequestSize): boolean {
  return size.inputTokens !== undefined || size.outputTokens !== undefined || size.durationMs !== undefined;
}

/**
 * The last step of every converter: from dataset arrivals sorted by trace time (in
 * batches, so that no promise is paid per arrival upstream) to
 * trace rows. Stops reading (and so closes the inputs) at the first arrival at or
 * after the window's end. Writing no row at all is an InputError saying why: the
 * trace readers refuse a trace without requests, so a conversion must not make one.
 */
export async function* toTraceRecords(
  arrivals: AsyncIterable<readonly DatasetArrival[]>,
  settings: ConvertSettings,
  deadlineOf: (target: Target, size?: RequestSize) => number,
  stats: ConvertStats,
): AsyncGenerator<TraceRecord> {
  const window = settings.window ?? WHOLE_TRACE;
  const scale = settings.scale ?? 1;
  const mode = settings.scaleMode ?? 'auto';
  if (mode === 'thin' && scale > 1) throw new InputError(`--scale ${scale}: thinning can only lower the rate (scale <= 1); use --scale-mode compress`);
  const thin = scale < 1 && mode !== 'compress';
  const compression = thin || scale === 1 ? 1 : scale;
  const thinning: RandomStream | undefined = thin ? new RandomStreams(settings.seed ?? 1).stream('convert/thin') : undefined;
  const seen = { first: Infinity, last: -Infinity };
  reading: for await (const batch of arrivals) {
    for (const a of batch) {
      seen.first = Math.min(seen.first, a.time);
      seen.last = Math.max(seen.last, a.time);
      if (a.time < window.startMs) {
        stats.outsideWindow++;
        continue;
      }
      if (a.time >= window.endMs) {
        stats.outsideWindow++;
        break reading;
      }
      if (thinning !== undefined && thinning.uniform() >= scale) {
        stats.thinned++;
        continue;
      }
      const arrival = (a.time - window.startMs) / compression;
      const record: { -readonly [K in keyof TraceRecord]: TraceRecord[K] } = {
        arrival,
        model: a.target.model,
        batch: a.target.batch,
        priority: a.target.priority,
        relativeDeadline: deadlineOf(a.target, a),
      };
      if (a.inputBytes !== undefined) record.inputBytes = a.inputBytes;
      if (a.outputBytes !== undefined) record.outputBytes = a.outputBytes;
      if (a.inputTokens !== undefined) record.inputTokens = a.inputTokens;
      if (a.outputTokens !== undefined) record.outputTokens = a.outputTokens;
      if (a.durationMs !== undefined) record.durationMs = a.durationMs;
      stats.written++;
      if (a.target.priority === 'high') stats.high++;
      else stats.low++;
      stats.firstArrivalMs ??= arrival;
      stats.lastArrivalMs = arrival;
      yield record;
    }
    settings.onProgress?.(stats);
  }
  if (stats.written === 0) throw noRequestsError(settings, stats, seen);
}

/** Why a conversion selected no request, from its counts; `seen` spans the trace times that reached the window. */
function noRequestsError(settings: ConvertSettings, stats: ConvertStats, seen: { first: number; last: number }): InputError {
  const window = settings.window;
  const windowText = window === undefined ? '' : `--window ${formatMs(window.startMs)}:${window.endMs === Infinity ? '' : formatMs(window.endMs)}`;
  let why: string;
  if (stats.rowsRead === 0) {
    why = `the inputs hold no data rows (only a header?)${window === undefined ? '' : `, or ${windowText} lies outside every input`}`;
  } else if (stats.requests === 0) {
    why = `the ${stats.rowsRead} rows read hold no requests`;
  } else if (stats.unmapped === stats.requests) {
    why = `--map skips all ${stats.requests} requests read`;
  } else if (stats.unmapped + stats.invalid === stats.requests) {
    why = `every request read was skipped by --map or started before the trace`;
  } else if (stats.thinned > 0) {
    why = `--scale ${settings.scale} thinned away all ${stats.thinned} requests in the window`;
  } else {
    const span = seen.first <= seen.last ? ` (the requests read lie from ${formatMs(seen.first)} to ${formatMs(seen.last)} of trace time)` : '';
    why = `${windowText} selects none of the ${stats.requests - stats.unmapped - stats.invalid} requests read${span}`;
  }
  return new InputError(`no requests to write: ${why}; nothing written`);
}

/** A trace time as --window takes it: seconds with a unit. */
function formatMs(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

// ---------------------------------------------------------------------------------
// Reading CSV inputs

/** An error about one line of a CSV input. */
export function lineError(file: string, line: number, detail: string): InputError {
  return new InputError(`${file}: line ${line}: ${detail}`);
}

/** Thrown for one field of the record on `line`. */
export function fieldError(file: string, line: number, column: string, expected: string, got: string): InputError {
  return lineError(file, line, `${column}: expected ${expected}, got ${JSON.stringify(got)}`);
}

/**
 * Reads the header record and finds each named column: a missing one is an InputError
 * naming the file, the header's line and the expected header.
 */
export async function readHeader(reader: CsvReader, required: readonly string[], expectedHeader: string): Promise<Map<string, number>> {
  const first = await reader.next();
  if (first === undefined) throw new InputError(`${reader.file}: empty file; expected the header ${expectedHeader}`);
  const index = new Map<string, number>();
  first.forEach((name, i) => {
    const key = name.trim();
    if (!index.has(key)) index.set(key, i);
  });
  const missing = required.filter((name) => !index.has(name));
  if (missing.length > 0) {
    const list = missing.length > 5 ? `${missing.slice(0, 5).join(', ')} and ${missing.length - 5} more` : missing.join(', ');
    throw lineError(reader.file, reader.line, `missing column${missing.length > 1 ? 's' : ''} ${list}; expected the header ${expectedHeader}`);
  }
  return index;
}

/**
 * Writes the trace: dataset arrivals (sorted batches) through toTraceRecords into
 * writeTrace, which leaves nothing behind on error.
 */
export async function runConversion(
  out: string,
  arrivals: AsyncIterable<readonly DatasetArrival[]>,
  settings: ConvertSettings,
  deadlineOf: (target: Target, size?: RequestSize) => number,
  stats: ConvertStats,
  shape: TraceShapeColumns = {},
): Promise<ConvertStats> {
  await writeTrace(out, toTraceRecords(arrivals, settings, deadlineOf, stats), shape);
  return stats;
}

/**
 * A non-negative decimal (digits, optional fraction, optional exponent) as an exact
 * integer count of 10^-9 units when it has at most 9 fractional digits and no
 * exponent, else rounded; NaN when it is not a number >= 0.
 */
export function decimalToNano(text: string): number {
  const m = /^\s*(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (m !== null && (m[1] !== '' || (m[2] ?? '') !== '')) {
    const whole = m[1] === '' ? 0 : Number(m[1]);
    const fraction = m[2] ?? '';
    if (fraction.length <= 9) return whole * 1e9 + (fraction === '' ? 0 : Number(fraction.padEnd(9, '0')));
  }
  if (text.trim() === '') return NaN;
  const x = Number(text);
  return Number.isFinite(x) && x >= 0 ? Math.round(x * 1e9) : NaN;
}

const float = new Float64Array(1);
const bits = new BigInt64Array(float.buffer);

/** The largest double below x (x finite and > 0). */
export function nextDown(x: number): number {
  float[0] = x;
  bits[0] -= 1n;
  return float[0];
}
