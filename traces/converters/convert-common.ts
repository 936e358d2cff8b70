/**
 * What every public-dataset converter shares: reading CSV inputs as a stream (errors
 * name the file and line), the --map / --window / --scale / --deadline options, stable
 * hashing of function ids, and the last step that turns a sorted stream of dataset
 * arrivals into trace rows (window, rate scale, deadline) written by writeTrace.
 *
 * Time flows in three steps:
 *   dataset time  -> "trace time": ms from the dataset's origin (each converter says which)
 *   trace time    -> window [start, end): rows outside are left out
 *   window        -> output arrival_ms = (trace time - window start) / compression
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { InputError } from '../../sim/core/errors.ts';
import { RandomStreams, type RandomStream } from '../../sim/core/random.ts';
import { BUILTIN_MODEL_NAMES } from '../../sim/model/builtin-models.ts';
import type { Priority } from '../../sim/model/request.ts';
import type { TraceRecord } from '../trace-schema.ts';
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
}

/**
 * What a converter needs to know of the models, handed over by its caller: traces know
 * nothing of scenarios, where clusters and model profiles are resolved.
 */
export interface ModelFacts {
  /** Every model a mapping may name, in the order an error lists them. */
  readonly names: readonly string[];
  /** Solo latency of one of the named models at a batch size, ms: what an Nx deadline multiplies. */
  soloLatencyMs(model: string, batch: number): number;
}

/** Checks the mapping's models against the known ones; returns the resolver. */
export function deadlineResolver(
  settings: ConvertSettings,
  models: readonly string[],
  flag = '--map',
): (target: Target) => number {
  const rules = settings.deadlines ?? DEFAULT_DEADLINES;
  const facts = settings.models;
  const known = facts?.names ?? BUILTIN_MODEL_NAMES;
  for (const model of models) {
    if (!known.includes(model)) throw new InputError(`${flag}: unknown model "${model}"; expected one of ${known.join(', ')}`);
  }
  if (facts === undefined && (rules.high.kind === 'slo-factor' || rules.low.kind === 'slo-factor')) {
    throw new Error('Nx deadlines need solo latencies: the caller must hand the converter settings.models');
  }
  const cache = new Map<string, number>();
  return (target) => {
    const key = `${target.model}\u0000${target.priority}\u0000${target.batch}`;
    let deadline = cache.get(key);
    if (deadline === undefined) {
      const rule = rules[target.priority];
      deadline = rule.kind === 'budget' ? rule.ms : rule.factor * facts!.soloLatencyMs(target.model, target.batch);
      cache.set(key, deadline);
    }
    return deadline;
  };
}

/**
 * The last step of every converter: from dataset arrivals sorted by trace time (in
 * batches, so that no promise is paid per arrival upstream) to
 * trace rows. Stops reading (and so closes the inputs) at the first arrival at or
 * after the window's end.
 */
export async function* toTraceRecords(
  arrivals: AsyncIterable<readonly DatasetArrival[]>,
  settings: ConvertSettings,
  deadlineOf: (target: Target) => number,
  stats: ConvertStats,
): AsyncGenerator<TraceRecord> {
  const window = settings.window ?? WHOLE_TRACE;
  const scale = settings.scale ?? 1;
  const mode = settings.scaleMode ?? 'auto';
  if (mode === 'thin' && scale > 1) throw new InputError(`--scale ${scale}: thinning can only lower the rate (scale <= 1); use --scale-mode compress`);
  const thin = scale < 1 && mode !== 'compress';
  const compression = thin || scale === 1 ? 1 : scale;
  const thinning: RandomStream | undefined = thin ? new RandomStreams(settings.seed ?? 1).stream('convert/thin') : undefined;
  for await (const batch of arrivals) {
    for (const a of batch) {
      if (a.time < window.startMs) {
        stats.outsideWindow++;
        continue;
      }
      if (a.time >= window.endMs) {
        stats.outsideWindow++;
        return;
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
        relativeDeadline: deadlineOf(a.target),
      };
      if (a.inputBytes !== undefined) record.inputBytes = a.inputBytes;
      if (a.outputBytes !== undefined) record.outputBytes = a.outputBytes;
      stats.written++;
      if (a.target.priority === 'high') stats.high++;
      else stats.low++;
      stats.firstArrivalMs ??= arrival;
      stats.lastArrivalMs = arrival;
      yield record;
    }
    settings.onProgress?.(stats);
  }
}

// ---------------------------------------------------------------------------------
// Reading CSV inputs

/**
 * An error about one record of a CSV file. Records are numbered from 1 (the header).
 * Reading keeps no line numbers (csv-parse's per-record info costs about four times
 * the parse itself); runConversion turns this into an InputError naming the record's
 * line by reading the file again up to it, which only an error pays for.
 */
export class RecordError extends Error {
  constructor(
    readonly file: string,
    readonly record: number,
    readonly detail: string,
  ) {
    super(`${file}: record ${record}: ${detail}`);
  }

  async toInputError(): Promise<InputError> {
    const line = await lineOfRecord(this.file, this.record).catch(() => undefined);
    return new InputError(`${this.file}: ${line === undefined ? `record ${this.record}` : `line ${line}`}: ${this.detail}`);
  }
}

/** The line (1-based) on which record `record` of a CSV file ends. */
export async function lineOfRecord(file: string, record: number): Promise<number | undefined> {
  const parser = createReadStream(file).pipe(parse({ bom: true, info: true, skip_empty_lines: true, relax_column_count: true }));
  let n = 0;
  try {
    for await (const item of parser as AsyncIterable<{ info: { lines: number } }>) {
      if (++n === record) return item.info.lines;
    }
  } finally {
    parser.destroy();
  }
  return undefined;
}

/** Thrown for one field of one record. */
export function fieldError(file: string, record: number, column: string, expected: string, got: string): RecordError {
  return new RecordError(file, record, `${column}: expected ${expected}, got ${JSON.stringify(got)}`);
}

function csvInputError(file: string, error: unknown, lines: number): unknown {
  if (error instanceof InputError) return error;
  const e = error as { code?: string; message: string; lines?: number };
  if (e.code === 'ENOENT') return new InputError(`${file}: no such file`);
  if (e.code === 'EISDIR') return new InputError(`${file}: is a directory, expected a CSV file`);
  if (typeof e.code === 'string' && e.code.startsWith('CSV_')) {
    const length = /expect (\d+), got (\d+)/.exec(e.message);
    const why =
      e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && length !== null
        ? `expected ${length[1]} fields (as many as the header), got ${length[2]}`
        : e.message.replace(/ (at|on) line \d+/, '');
    return new InputError(`${file}: line ${e.lines ?? lines}: malformed CSV: ${why}`);
  }
  if (typeof e.code === 'string') return new InputError(`${file}: cannot read: ${e.message}`);
  return error;
}

/**
 * A CSV file read as a stream, record by record without a promise per record:
 * take() hands out buffered records synchronously; when it returns undefined, await
 * fill() (false at the end of the file). `record` is the number of the last record
 * taken (1: the header). A missing file or malformed CSV is an InputError naming the
 * file (and line). close() releases the file early.
 */
export class CsvReader {
  record = 0;
  private buffer: string[][] = [];
  private at = 0;
  private readonly source;
  private readonly parser;
  private failure: unknown;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(readonly file: string) {
    this.source = createReadStream(file, { highWaterMark: 1 << 20 });
    this.parser = parse({ bom: true, skip_empty_lines: true });
    const wake = () => this.wake?.();
    this.source.on('error', (error) => this.parser.destroy(error));
    this.parser.on('error', (error) => {
      this.failure ??= error;
      wake();
    });
    this.parser.on('readable', wake);
    this.parser.on('end', () => {
      this.ended = true;
      wake();
    });
    this.parser.on('close', wake);
    this.source.pipe(this.parser);
  }

  /** The next buffered record, or undefined when the buffer is empty (then fill()). */
  take(): string[] | undefined {
    if (this.at < this.buffer.length) {
      this.record++;
      return this.buffer[this.at++];
    }
    return undefined;
  }

  /** Makes sure records are buffered (reading the next ones if none are); false at the end of the file. */
  async fill(): Promise<boolean> {
    if (this.at < this.buffer.length) return true;
    for (;;) {
      if (this.failure !== undefined) throw csvInputError(this.file, this.failure, this.parser.info.lines);
      const batch: string[][] = [];
      let record: string[] | null;
      while (batch.length < 8192 && (record = this.parser.read() as string[] | null) !== null) batch.push(record);
      if (batch.length > 0) {
        this.buffer = batch;
        this.at = 0;
        return true;
      }
      if (this.ended || this.parser.destroyed) {
        if (this.failure !== undefined) continue;
        return false;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** The next record, waiting for it if need be; undefined at the end. */
  async next(): Promise<string[] | undefined> {
    return this.take() ?? ((await this.fill()) ? this.take() : undefined);
  }

  close(): void {
    this.source.destroy();
    this.parser.destroy();
  }
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
    throw new RecordError(reader.file, reader.record, `missing column${missing.length > 1 ? 's' : ''} ${list}; expected the header ${expectedHeader}`);
  }
  return index;
}

/**
 * Writes the trace: dataset arrivals (sorted batches) through toTraceRecords into
 * writeTrace, which leaves nothing behind on error; a RecordError becomes an
 * InputError naming the line.
 */
export async function runConversion(
  out: string,
  arrivals: AsyncIterable<readonly DatasetArrival[]>,
  settings: ConvertSettings,
  deadlineOf: (target: Target) => number,
  stats: ConvertStats,
): Promise<ConvertStats> {
  try {
    await writeTrace(out, toTraceRecords(arrivals, settings, deadlineOf, stats));
  } catch (error) {
    if (error instanceof RecordError) throw await error.toInputError();
    throw error;
  }
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
