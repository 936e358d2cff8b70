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

  /** Sizes every column for `count` records up front (a run that knows its length). */
  reserve(count: number): void {
    for (const column of Object.values(this)) {
      if (column instanceof GrowableFloat64 || column instanceof GrowableInt32) column.reserve(count);
    }
  }

  get length(): number {
    return this.id.length;
  }

  /** Empties every column, keeping the capacity (for batch-wise streaming). */
  clear(): void {
    for (const column of Object.values(this)) {
      if (column instanceof GrowableFloat64 || column instanceof GrowableInt32) column.length = 0;
    }
  }

  add(request: Request, soloLatencyMs: number, outcome: Outcome = outcomeOf(request)): Outcome {
    let code = this.modelCodes.get(request.model.name);
    if (code === undefined) {
      code = this.models.length;
      this.models.push(request.model.name);
      this.modelCodes.set(request.model.name, code);
    }
    const i = this.id.length;
    const n = i + 1;
    this.id.extendTo(n)[i] = request.id;
    this.model.extendTo(n)[i] = code;
    this.batch.extendTo(n)[i] = request.batch;
    this.priority.extendTo(n)[i] = request.priority === 'high' ? 0 : 1;
    this.outcome.extendTo(n)[i] = outcomeCode(outcome);
    this.gpu.extendTo(n)[i] = request.gpu;
    this.preemptions.extendTo(n)[i] = request.preemptions;
    this.arrival.extendTo(n)[i] = request.arrival;
    this.deadline.extendTo(n)[i] = request.deadline;
    this.dispatched.extendTo(n)[i] = request.dispatchedAt;
    this.transferInStart.extendTo(n)[i] = request.transferInStart;
    this.transferInEnd.extendTo(n)[i] = request.transferInEnd;
    this.executionStart.extendTo(n)[i] = request.executionStart;
    this.executionEnd.extendTo(n)[i] = request.executionEnd;
    this.transferOutStart.extendTo(n)[i] = request.transferOutStart;
    this.completed.extendTo(n)[i] = request.completedAt;
    this.latency.extendTo(n)[i] = request.completedAt - request.arrival;
    this.soloLatency.extendTo(n)[i] = soloLatencyMs;
    this.predictedTransfer.extendTo(n)[i] = request.predictedTransferMs;
    this.predictedExecution.extendTo(n)[i] = request.predictedExecutionMs;
    this.predictedCompletion.extendTo(n)[i] = request.predictedCompletion;
    return outcome;
  }
}
