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
    private readonly records: { readonly length: number },
    /** The backing array, replaced when it grows; filled up to `length`. */
    public data: A,
  ) {}

  get length(): number {
    return this.records.length;
  }

  /** A view of the filled part (shares memory until the next growth or clear). */
  view(): A {
    return this.data.subarray(0, this.records.length) as A;
  }

  /** Ensures room for `capacity` values, keeping the filled part. */
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = new (this.data.constructor as new (n: number) => A)(capacity);
    bigger.set(this.view());
    this.data = bigger;
  }
}

const INITIAL_ROWS = 1024;
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
  /** Rows filled, in every column. */
  private rows = 0;

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

  /** Room in every column (they grow together). */
  private capacity = INITIAL_ROWS;

  /** Sizes every column for `count` records up front (a run that knows its length). */
  reserve(count: number): void {
    for (const column of this.columns()) column.reserve(count);
    if (count > this.capacity) this.capacity = count;
  }

  get length(): number {
    return this.rows;
  }

  /** Empties every column, keeping the capacity (for batch-wise streaming). */
  clear(): void {
    this.rows = 0;
  }

  /** Every column, by name. */
  columns(): RecordColumn<Float64Array | Int32Array>[] {
    return Object.values(this).filter((column) => column instanceof RecordColumn);
  }

  /**
   * Appends one request's row. Room is checked once for the row and each value is
   * written straight into its column's array: a call per column was beyond V8's
   * inlining budget and made this a tenth of a run's time.
   */
  add(request: Request, soloLatencyMs: number, outcome: Outcome = outcomeOf(request)): Outcome {
    let code = this.modelCodes.get(request.model.name);
    if (code === undefined) {
      code = this.models.length;
      this.models.push(request.model.name);
      this.modelCodes.set(request.model.name, code);
    }
    const i = this.rows;
    if (i >= this.capacity) this.reserve(Math.max(i + 1, 2 * this.capacity));
    this.id.data[i] = request.id;
    this.model.data[i] = code;
    this.batch.data[i] = request.batch;
    this.priority.data[i] = request.priority === 'high' ? 0 : 1;
    this.outcome.data[i] = outcomeCode(outcome);
    this.gpu.data[i] = request.gpu;
    this.preemptions.data[i] = request.preemptions;
    this.arrival.data[i] = request.arrival;
    this.deadline.data[i] = request.deadline;
    this.dispatched.data[i] = request.dispatchedAt;
    this.transferInStart.data[i] = request.transferInStart;
    this.transferInEnd.data[i] = request.transferInEnd;
    this.executionStart.data[i] = request.executionStart;
    this.executionEnd.data[i] = request.executionEnd;
    this.transferOutStart.data[i] = request.transferOutStart;
    this.completed.data[i] = request.completedAt;
    this.latency.data[i] = request.completedAt - request.arrival;
    this.soloLatency.data[i] = soloLatencyMs;
    this.predictedTransfer.data[i] = request.predictedTransferMs;
    this.predictedExecution.data[i] = request.predictedExecutionMs;
    this.predictedCompletion.data[i] = request.predictedCompletion;
    this.rows = i + 1;
    return outcome;
  }
}
