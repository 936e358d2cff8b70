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
 * 28 KB of doubles, in L2; a row's 21 lines in L1, see StagedRows): settle() then moves
 * each column's rows with one typed-array copy. Staged row-major (until 2026-12-06) it
 * moved them value by value, strided, which was the hot path's costliest function by
 * instructions (830 of 10,800 per M/M/8 request, `npm run bench:instructions -- --profile 20`).
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

/** A cache line, the padding between staged columns (see StagedRows). */
const CACHE_LINE_BYTES = 64;
/** Where each staged column starts after the previous one's: its rows and one cache line. */
const INT_STRIDE = STAGED_ROWS + CACHE_LINE_BYTES / Int32Array.BYTES_PER_ELEMENT;
const FLOAT_STRIDE = STAGED_ROWS + CACHE_LINE_BYTES / Float64Array.BYTES_PER_ELEMENT;

type StagedIntColumn = (typeof STAGED_INT_COLUMNS)[number];
type StagedFloatColumn = (typeof STAGED_FLOAT_COLUMNS)[number];

/**
 * Rows about to move into the columns: a view per column, each over its STAGED_ROWS rows
 * of one column-major block (ints, then doubles), filled up to `count`. Written and read
 * by row through the views: an offset kept in a module constant (`ints[OUTCOME + r]`) was
 * read from the module's context, untagged and overflow-checked at every use, about 16
 * instructions per value where a view takes 6 (`RequestRecords.add` counted 449
 * instructions per row, `npm run bench:instructions -- --profile 30`). A listener
 * (RequestRecords.onSettle) reads a block while it is in cache.
 *
 * Each column starts one cache line after the previous column's end (INT_STRIDE,
 * FLOAT_STRIDE): back to back, the 14 double columns lay 2 KB apart, and with 64 sets of
 * 64-byte lines in a 32 KB L1 the 14 lines of one row fell into 2 sets of 8 ways, the
 * 7 int columns (1 KB apart) into 4: a row's writes evicted each other, about 30 L1
 * misses per row where about 2 are needed (bench:instructions --cache true --profile).
 */
export class StagedRows {
  /** Rows written, the first `count` of each view. */
  count = 0;
  private readonly ints = new Int32Array(INT_STRIDE * STAGED_INT_COLUMNS.length);
  private readonly floats = new Float64Array(FLOAT_STRIDE * STAGED_FLOAT_COLUMNS.length);

  readonly id = this.intView('id');
  readonly model = this.intView('model');
  readonly batch = this.intView('batch');
  readonly priority = this.intView('priority');
  readonly outcome = this.intView('outcome');
  readonly gpu = this.intView('gpu');
  readonly preemptions = this.intView('preemptions');
  readonly arrival = this.floatView('arrival');
  readonly deadline = this.floatView('deadline');
  readonly dispatched = this.floatView('dispatched');
  readonly transferInStart = this.floatView('transferInStart');
  readonly transferInEnd = this.floatView('transferInEnd');
  readonly executionStart = this.floatView('executionStart');
  readonly executionEnd = this.floatView('executionEnd');
  readonly transferOutStart = this.floatView('transferOutStart');
  readonly completed = this.floatView('completed');
  readonly latency = this.floatView('latency');
  readonly soloLatency = this.floatView('soloLatency');
  readonly predictedTransfer = this.floatView('predictedTransfer');
  readonly predictedExecution = this.floatView('predictedExecution');
  readonly predictedCompletion = this.floatView('predictedCompletion');

  /** The views in staging order: STAGED_INT_COLUMNS, STAGED_FLOAT_COLUMNS. */
  readonly intViews: readonly Int32Array[] = STAGED_INT_COLUMNS.map((name) => this[name]);
  readonly floatViews: readonly Float64Array[] = STAGED_FLOAT_COLUMNS.map((name) => this[name]);

  private intView(name: StagedIntColumn): Int32Array {
    const at = INT_STRIDE * STAGED_INT_COLUMNS.indexOf(name);
    return this.ints.subarray(at, at + STAGED_ROWS);
  }

  private floatView(name: StagedFloatColumn): Float64Array {
    const at = FLOAT_STRIDE * STAGED_FLOAT_COLUMNS.indexOf(name);
    return this.floats.subarray(at, at + STAGED_ROWS);
  }
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
  /** Rows staged, not yet in the columns (see STAGED_ROWS). */
  private readonly staged = new StagedRows();
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
    return this.rows + this.staged.count;
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
  }

  /** Moves the staged rows into the columns: one block copy per column. */
  settle(): void {
    const staged = this.staged;
    const n = staged.count;
    if (n === 0) return;
    if (this.settleListener !== undefined) this.settleListener(staged);
    const base = this.rows;
    if (base + n > this.capacity) this.reserve(Math.max(base + n, 2 * this.capacity));
    const ints = this.intColumns;
    for (let c = 0; c < INT_COLUMNS; c++) ints[c].data.set(staged.intViews[c].subarray(0, n), base);
    const floats = this.floatColumns;
    for (let c = 0; c < FLOAT_COLUMNS; c++) floats[c].data.set(staged.floatViews[c].subarray(0, n), base);
    this.rows = base + n;
    staged.count = 0;
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

  /**
   * Stages one more row and returns its index in `stagedRows`' views, settling a full
   * block first: `add` fills it from a Request; a caller with its numbers at hand
   * (bench:floor's bookkeeping floor, scripts/floor-bookkeeping.ts) writes the views
   * itself, before the next call.
   */
  stageRow(): number {
    const s = this.staged;
    if (s.count === STAGED_ROWS) this.settle();
    return s.count++;
  }

  /** The staged block (see stageRow). */
  get stagedRows(): StagedRows {
    return this.staged;
  }

  /** Appends one request's row (staged: it reaches the columns at the next settle(), which every view() does first). */
  add(request: Request, soloLatencyMs: number, outcome: Outcome = outcomeOf(request)): Outcome {
    const code = request.model === this.lastModel ? this.lastCode : this.modelCode(request.model);
    const r = this.stageRow();
    const s = this.staged;
    s.id[r] = request.id;
    s.model[r] = code;
    s.batch[r] = request.batch;
    s.priority[r] = request.priority === 'high' ? 0 : 1;
    s.outcome[r] = outcomeCode(outcome);
    s.gpu[r] = request.gpu;
    s.preemptions[r] = request.preemptions;
    s.arrival[r] = request.arrival;
    s.deadline[r] = request.deadline;
    s.dispatched[r] = request.dispatchedAt;
    s.transferInStart[r] = request.transferInStart;
    s.transferInEnd[r] = request.transferInEnd;
    s.executionStart[r] = request.executionStart;
    s.executionEnd[r] = request.executionEnd;
    s.transferOutStart[r] = request.transferOutStart;
    s.completed[r] = request.completedAt;
    s.latency[r] = request.completedAt - request.arrival;
    s.soloLatency[r] = soloLatencyMs;
    s.predictedTransfer[r] = request.predictedTransferMs;
    s.predictedExecution[r] = request.predictedExecutionMs;
    s.predictedCompletion[r] = request.predictedCompletion;
    return outcome;
  }
}
