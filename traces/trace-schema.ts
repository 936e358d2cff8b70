import { extname } from 'node:path';
import { InputError } from '../sim/core/errors.ts';
import type { Priority } from '../sim/model/request.ts';
import type { ArrivalSpec } from '../sim/simulator.ts';

/**
 * The request-trace schema: one row per request, sorted by arrival time.
 *
 * | column       | type    | meaning                                                   |
 * | arrival_ms   | number  | arrival, ms from the trace start (>= 0, non-decreasing)   |
 * | model        | string  | model name (must be one the scenario knows)               |
 * | batch        | integer | batch size (>= 1)                                         |
 * | priority     | string  | high or low                                               |
 * | deadline_ms  | number  | deadline relative to arrival, ms (> 0)                    |
 * | input_bytes  | number  | optional: host-to-device bytes (empty: from the profile)  |
 * | output_bytes | number  | optional: device-to-host bytes (empty: from the profile)  |
 * | input_tokens | integer | optional: prompt tokens per item (>= 0; empty: not known)  |
 * | output_tokens| integer | optional: answer tokens per item (>= 0; empty: not known)  |
 * | duration_ms  | number  | optional: measured service time (> 0), replaces solo time |
 *
 * Tokens shape the solo time of a model whose phases scale with them (see
 * sim/model/profile.ts, TokenScaling) and, when the row gives no bytes, its bytes; a
 * model without token parameters ignores them. An empty cell in a row is "not known"
 * for that row alone: the phase it would scale runs at the model's reference count.
 */
export const TRACE_COLUMNS = [
  'arrival_ms', 'model', 'batch', 'priority', 'deadline_ms', 'input_bytes', 'output_bytes', 'input_tokens', 'output_tokens', 'duration_ms',
] as const;

/** The optional columns that shape a request's solo time, which a trace writer writes only when asked. */
export interface TraceShapeColumns {
  /** input_tokens and output_tokens. */
  readonly tokens?: boolean;
  /** duration_ms. */
  readonly duration?: boolean;
}
export const REQUIRED_TRACE_COLUMNS = ['arrival_ms', 'model', 'batch', 'priority', 'deadline_ms'] as const;

/** A trace row is exactly what the simulator consumes as an arrival. */
export type TraceRecord = ArrivalSpec;

export type TraceFormat = 'csv' | 'arrow';

/** The format a path names by its extension. */
export function traceFormatOf(path: string): TraceFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.arrow' || ext === '.feather' || ext === '.ipc') return 'arrow';
  throw new InputError(`${path}: unknown trace format "${ext || '(no extension)'}"; expected .csv or .arrow (also .feather, .ipc)`);
}

/** Names a row in error messages when converted to a string. */
export interface RowLocation {
  toString(): string;
}

/**
 * Checks one row's values and keeps arrivals sorted. Unsorted traces are rejected,
 * not sorted: sorting needs the whole trace in memory, which streaming must not
 * need; `strait trace convert` writes sorted traces.
 */
export class TraceRowChecker {
  private lastArrival = 0;
  private rows = 0;

  constructor(
    private readonly file: string,
    private readonly knownModels?: ReadonlySet<string>,
  ) {}

  get count(): number {
    return this.rows;
  }

  private fail(where: string, column: string, expected: string, got: unknown): never {
    // NaN is what an empty or unparsable cell (or an Arrow null) reads as; JSON would show it as null.
    const shown = typeof got === 'number' && Number.isNaN(got) ? 'an empty or non-numeric value' : JSON.stringify(got);
    throw new InputError(`${this.file}: ${where}: ${column}: expected ${expected}, got ${shown}`);
  }

  /**
   * `where` names the row for messages ("line 12", "record batch 3, row 7") when
   * turned into a string, so readers can pass one reused object and the hot path
   * builds no string for rows that are fine.
   */
  check(
    where: RowLocation,
    arrival: number,
    model: string,
    batch: number,
    priority: string,
    deadline: number,
    inputBytes: number | undefined,
    outputBytes: number | undefined,
    inputTokens: number | undefined = undefined,
    outputTokens: number | undefined = undefined,
    durationMs: number | undefined = undefined,
  ): TraceRecord {
    if (!(arrival >= 0) || arrival === Infinity) this.fail(String(where), 'arrival_ms', 'a number >= 0', arrival);
    if (arrival < this.lastArrival) {
      throw new InputError(
        `${this.file}: ${String(where)}: arrival_ms ${arrival} comes before the previous row's ${this.lastArrival}; traces must be sorted by arrival_ms (sort the file, or regenerate it with strait trace convert)`,
      );
    }
    if (model === '') this.fail(String(where), 'model', 'a model name', model);
    if (this.knownModels !== undefined && !this.knownModels.has(model)) {
      this.fail(String(where), 'model', `one of ${[...this.knownModels].join(', ')}`, model);
    }
    if (!Number.isInteger(batch) || batch < 1) this.fail(String(where), 'batch', 'an integer >= 1', batch);
    if (priority !== 'high' && priority !== 'low') this.fail(String(where), 'priority', '"high" or "low"', priority);
    if (!(deadline > 0) || deadline === Infinity) this.fail(String(where), 'deadline_ms', 'a number > 0', deadline);
    if (inputBytes !== undefined && !(inputBytes >= 0 && inputBytes !== Infinity)) {
      this.fail(String(where), 'input_bytes', 'a number >= 0 or empty', inputBytes);
    }
    if (outputBytes !== undefined && !(outputBytes >= 0 && outputBytes !== Infinity)) {
      this.fail(String(where), 'output_bytes', 'a number >= 0 or empty', outputBytes);
    }
    if (inputTokens !== undefined && !(Number.isInteger(inputTokens) && inputTokens >= 0)) {
      this.fail(String(where), 'input_tokens', 'an integer >= 0 or empty', inputTokens);
    }
    if (outputTokens !== undefined && !(Number.isInteger(outputTokens) && outputTokens >= 0)) {
      this.fail(String(where), 'output_tokens', 'an integer >= 0 or empty', outputTokens);
    }
    if (durationMs !== undefined && !(durationMs > 0 && durationMs !== Infinity)) this.fail(String(where), 'duration_ms', 'a number > 0 or empty', durationMs);
    this.lastArrival = arrival;
    this.rows++;
    // One object shape for every row (absent values are undefined): keeps V8 fast.
    return {
      arrival, model, batch, priority: priority as Priority, relativeDeadline: deadline, inputBytes, outputBytes, inputTokens, outputTokens, durationMs,
    };
  }
}
