import { GrowableFloat64, GrowableInt32 } from '../core/growable.ts';
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
 * Per-request records, column by column, in the order requests left the system.
 * Strings (model, priority, outcome) are stored as codes into small dictionaries.
 * NaN marks a time a request never reached.
 */
export class RequestRecords {
  readonly models: string[] = [];
  private readonly modelCodes = new Map<string, number>();

  readonly id = new GrowableInt32();
  readonly model = new GrowableInt32();
  readonly batch = new GrowableInt32();
  readonly priority = new GrowableInt32();
  readonly outcome = new GrowableInt32();
  readonly gpu = new GrowableInt32();
  readonly preemptions = new GrowableInt32();
  readonly arrival = new GrowableFloat64();
  readonly deadline = new GrowableFloat64();
  readonly dispatched = new GrowableFloat64();
  readonly transferInStart = new GrowableFloat64();
  readonly transferInEnd = new GrowableFloat64();
  readonly executionStart = new GrowableFloat64();
  readonly executionEnd = new GrowableFloat64();
  readonly transferOutStart = new GrowableFloat64();
  readonly completed = new GrowableFloat64();
  readonly latency = new GrowableFloat64();
  readonly soloLatency = new GrowableFloat64();
  readonly predictedTransfer = new GrowableFloat64();
  readonly predictedExecution = new GrowableFloat64();
  readonly predictedCompletion = new GrowableFloat64();

  /** Room in every column (they grow together). */
  private capacity = 1024;

  /** Sizes every column for `count` records up front (a run that knows its length). */
  reserve(count: number): void {
    for (const column of this.columns()) column.reserve(count);
    if (count > this.capacity) this.capacity = count;
  }

  get length(): number {
    return this.id.length;
  }

  /** Empties every column, keeping the capacity (for batch-wise streaming). */
  clear(): void {
    for (const column of this.columns()) column.length = 0;
  }

  private columns(): (GrowableFloat64 | GrowableInt32)[] {
    return Object.values(this).filter((column) => column instanceof GrowableFloat64 || column instanceof GrowableInt32);
  }

  /**
   * Appends one request's row. Room is checked once for the row and each value is
   * written straight into its column's array: a call per column (extendTo) was beyond
   * V8's inlining budget and made this a tenth of a run's time.
   */
  add(request: Request, soloLatencyMs: number, outcome: Outcome = outcomeOf(request)): Outcome {
    let code = this.modelCodes.get(request.model.name);
    if (code === undefined) {
      code = this.models.length;
      this.models.push(request.model.name);
      this.modelCodes.set(request.model.name, code);
    }
    const i = this.id.length;
    const n = i + 1;
    if (n > this.capacity) this.reserve(Math.max(n, 2 * this.capacity));
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
    this.id.length = n;
    this.model.length = n;
    this.batch.length = n;
    this.priority.length = n;
    this.outcome.length = n;
    this.gpu.length = n;
    this.preemptions.length = n;
    this.arrival.length = n;
    this.deadline.length = n;
    this.dispatched.length = n;
    this.transferInStart.length = n;
    this.transferInEnd.length = n;
    this.executionStart.length = n;
    this.executionEnd.length = n;
    this.transferOutStart.length = n;
    this.completed.length = n;
    this.latency.length = n;
    this.soloLatency.length = n;
    this.predictedTransfer.length = n;
    this.predictedExecution.length = n;
    this.predictedCompletion.length = n;
    return outcome;
  }
}
