import type { ModelProfile } from '../model/profile.ts';
import { outcomeOf, type Outcome, type Request } from '../model/request.ts';

export const OUTCOMES: readonly Outcome[] = ['met', 'late', 'dropped', 'rejected', 'unserved'];
/** The code of an outcome in OUTCOMES (a switch: indexOf on every record is measurable). */
function outcomeCode(outcome: Outcome): number {
  switch (outcome) {
    case 'met':
      return 0;
    case 'late':
      return 1;
    case 'dropped':
      return 2;
    case 'rejected':
      return 3;
    case 'unserved':
      return 4;
  }
}

export const PRIORITY_CODES = ['high', 'low'] as const;

/**
 * One column of RequestRecords: a typed array filled up to the records' length, which
 * every column shares (a row sets one count, not one per column).
 */
export class RecordColumn<A extends Float64Array | Int32Array> {
  constructor(
    private readonly records: RowStore,
    /** The backing array, replaced when it grows; filled up to the records' settled rows (all of them after view()). */
    public data: A,
  ) {}

  get length(): number {
    return this.records.length;
  }

  /** A view of the filled part (shares memory until the next growth or clear). */
  view(): A {
    this.records.settle();
    return this.data.subarray(0, this.records.length) as A;
  }

  /** Ensures room for `capacity` values, keeping the filled part. */
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = new (this.data.constructor as new (n: number) => A)(capacity);
    bigger.set(this.data.subarray(0, this.records.settledLength));
    this.data = bigger;
  }
}

/** What a column needs of its records: the row count, and the staged rows moved into the columns. */
interface RowStore {
  readonly length: number;
  /** Rows already in the column arrays (the rest are staged). */
  readonly settledLength: number;
  settle(): void;
}

const INITIAL_ROWS = 1024;
/**
 * Rows staged before they are moved into the columns, a block at a time: 21 columns
 * written one value per request were 21 interleaved store streams, and the write misses,
 * not the work per row, were most of the records' cost (15% of an M/M/8 run's self time).
 * The staging block is column-major, 256 rows of each column side by side (7 KB of ints,
 * 28 KB of doubles, in cache): settle() then moves each column's rows with one typed-array
 * copy. Staged row-major (until 2026-12-06) it moved them value by value, strided, which
 * was the hot path's costliest function by instructions (830 of 10,800 per M/M/8 request,
 * `npm run bench:instructions -- --profile 20`).
 */
export const STAGED_ROWS = 256;
/** The columns of a staged block, in staging order: ints, then floats (see RequestRecords.add). */
export const STAGED_INT_COLUMNS = ['id', 'model', 'batch', 'priority', 'outcome', 'gpu', 'preemptions'] as const;
export const STAGED_FLOAT_COLUMNS = [
  'arrival',
  'deadline',
  'dispatched',
  'transferInStart',
  'transferInEnd',
  'executionStart',
  'executionEnd',
  'transferOutStart',
  'completed',
  'latency',
  'soloLatency',
  'predictedTransfer',
  'predictedExecution',
  'predictedCompletion',
] as const;

/**
 * Rows about to move into the columns, column-major: row r of a column at
 * `STAGED_ROWS * position + r`, position its index in STAGED_INT_COLUMNS (in `ints`) or
 * STAGED_FLOAT_COLUMNS (in `floats`). Read by a listener while the block is in cache.
 */
export interface StagedRows {
  readonly ints: Int32Array;
  readonly floats: Float64Array;
  readonly count: number;
}

/** Where column `name`'s rows start in a staged block. */
export function stagedIntOffset(name: (typeof STAGED_INT_COLUMNS)[number]): number {
  return STAGED_ROWS * STAGED_INT_COLUMNS.indexOf(name);
}
export function stagedFloatOffset(name: (typeof STAGED_FLOAT_COLUMNS)[number]): number {
  return STAGED_ROWS * STAGED_FLOAT_COLUMNS.indexOf(name);
}

const INT_COLUMNS = STAGED_INT_COLUMNS.length;
const FLOAT_COLUMNS = STAGED_FLOAT_COLUMNS.length;
const intColumn = (records: RequestRecords) => new RecordColumn(records, new Int32Array(INITIAL_ROWS));
const floatColumn = (records: RequestRecords) => new RecordColumn(records, new Float64Array(INITIAL_ROWS));

/**
 * Per-request records, column by column, in the order requests left the system.
 * Strings (model, priority, outcome) are stored as codes into small dictionaries.
 * NaN marks a time a request never reached.
 */
export class RequestRecords {
  readonly models: string[] = [];
  private readonly modelCodes = new Map<string, number>();
  // The previous row's model and its code: consecutive rows mostly share a model.
  private lastModel: ModelProfile | undefined = undefined;
  private lastCode = -1;
  /** Rows in the column arrays. */
  private rows = 0;
  /** Rows staged, not yet in the columns (see STAGED_ROWS): column c's rows start at c * STAGED_ROWS. */
  private stagedRows = 0;
  private readonly stagedInts = new Int32Array(STAGED_ROWS * INT_COLUMNS);
  private readonly stagedFloats = new Float64Array(STAGED_ROWS * FLOAT_COLUMNS);
  /** Told of every row once, a staged block at a time, before it settles (see onSettle). */
  private settleListener: ((rows: StagedRows) => void) | undefined = undefined;

  readonly id = intColumn(this);
  readonly model = intColumn(this);
  readonly batch = intColumn(this);
  readonly priority = intColumn(this);
  readonly outcome = intColumn(this);
  readonly gpu = intColumn(this);
  readonly preemptions = intColumn(this);
  readonly arrival = floatColumn(this);
  readonly deadline = floatColumn(this);
  readonly dispatched = floatColumn(this);
  readonly transferInStart = floatColumn(this);
  readonly transferInEnd = floatColumn(this);
  readonly executionStart = floatColumn(this);
  readonly executionEnd = floatColumn(this);
  readonly transferOutStart = floatColumn(this);
  readonly completed = floatColumn(this);
  readonly latency = floatColumn(this);
  readonly soloLatency = floatColumn(this);
  readonly predictedTransfer = floatColumn(this);
  readonly predictedExecution = floatColumn(this);
  readonly predictedCompletion = floatColumn(this);

  // The columns in staging order (STAGED_INT_COLUMNS, then STAGED_FLOAT_COLUMNS).
  private readonly intColumns = STAGED_INT_COLUMNS.map((name) => this[name]);
  private readonly floatColumns = STAGED_FLOAT_COLUMNS.map((name) => this[name]);

  /** Room in every column (they grow together). */
  private capacity = INITIAL_ROWS;

  /** Sizes every column for `count` records up front (a run that knows its length). */
  reserve(count: number): void {
    for (const column of this.columns()) column.reserve(count);
    if (count > this.capacity) this.capacity = count;
  }

  get length(): number {
    return this.rows + this.stagedRows;
  }

  get settledLength(): number {
    return this.rows;
  }

  /**
   * Calls `listener` with each block of staged rows as it settles: every row reaches it
   * once, in order (clear() settles first). The summary is computed this way, from the
   * columns, in one loop per block instead of a call chain per request.
   */
  onSettle(listener: (rows: StagedRows) => void): void {
    this.settleListener = listener;
  }

  /** Empties every column, keeping the capacity (for batch-wise streaming); staged rows settle first. */
  clear(): void {
    this.settle();
    this.rows = 0;
    this.stagedRows = 0;
  }

  /** Moves the staged rows into the columns: one block copy per column. */
  settle(): void {
    const n = this.stagedRows;
    if (n === 0) return;
    if (this.settleListener !== undefined) this.settleListener({ ints: this.stagedInts, floats: this.stagedFloats, count: n });
    const base = this.rows;
    if (base + n > this.capacity) this.reserve(Math.max(base + n, 2 * this.capacity));
    const ints = this.intColumns;
    for (let c = 0; c < INT_COLUMNS; c++) ints[c].data.set(this.stagedInts.subarray(c * STAGED_ROWS, c * STAGED_ROWS + n), base);
    const floats = this.floatColumns;
    for (let c = 0; c < FLOAT_COLUMNS; c++) floats[c].data.set(this.stagedFloats.subarray(c * STAGED_ROWS, c * STAGED_ROWS + n), base);
    this.rows = base + n;
    this.stagedRows = 0;
  }

  /** Every column, by name. */
  columns(): RecordColumn<Float64Array | Int32Array>[] {
    return Object.values(this).filter((column) => column instanceof RecordColumn);
  }

  /** The code of a model's name, a new one for a name not seen before. */
  private modelCode(model: ModelProfile): number {
    let code = this.modelCodes.get(model.name);
    if (code === undefined) {
      code = this.models.length;
      this.models.push(model.name);
      this.modelCodes.set(model.name, code);
    }
    this.lastModel = model;
    this.lastCode = code;
    return code;
  }

  /** Appends one request's row (staged: it reaches the columns at the next settle(), which every view() does first). */
  add(request: Request, soloLatencyMs: number, outcome: Outcome = outcomeOf(request)): Outcome {
    const code = request.model === this.lastModel ? this.lastCode : this.modelCode(request.model);
    if (this.stagedRows === STAGED_ROWS) this.settle();
    // Column c of this row is at c * STAGED_ROWS + r, in the order of STAGED_INT_COLUMNS and STAGED_FLOAT_COLUMNS.
    const r = this.stagedRows++;
    const ints = this.stagedInts;
    ints[r] = request.id;
    ints[STAGED_ROWS + r] = code;
    ints[2 * STAGED_ROWS + r] = request.batch;
    ints[3 * STAGED_ROWS + r] = request.priority === 'high' ? 0 : 1;
    ints[4 * STAGED_ROWS + r] = outcomeCode(outcome);
    ints[5 * STAGED_ROWS + r] = request.gpu;
    ints[6 * STAGED_ROWS + r] = request.preemptions;
    const floats = this.stagedFloats;
    floats[r] = request.arrival;
    floats[STAGED_ROWS + r] = request.deadline;
    floats[2 * STAGED_ROWS + r] = request.dispatchedAt;
    floats[3 * STAGED_ROWS + r] = request.transferInStart;
    floats[4 * STAGED_ROWS + r] = request.transferInEnd;
    floats[5 * STAGED_ROWS + r] = request.executionStart;
    floats[6 * STAGED_ROWS + r] = request.executionEnd;
    floats[7 * STAGED_ROWS + r] = request.transferOutStart;
    floats[8 * STAGED_ROWS + r] = request.completedAt;
    floats[9 * STAGED_ROWS + r] = request.completedAt - request.arrival;
    floats[10 * STAGED_ROWS + r] = soloLatencyMs;
    floats[11 * STAGED_ROWS + r] = request.predictedTransferMs;
    floats[12 * STAGED_ROWS + r] = request.predictedExecutionMs;
    floats[13 * STAGED_ROWS + r] = request.predictedCompletion;
    return outcome;
  }
}
