import type { Ms } from '../core/units.ts';
import type { ModelProfile } from './profile.ts';
import { bug } from '../core/errors.ts';

export type Priority = 'high' | 'low';
export const PRIORITIES: readonly Priority[] = ['high', 'low'];

/**
 * Where a request is in its life. queued -> transfer-in -> executing ->
 * transfer-out -> done, or it leaves early as dropped or rejected. A preempted
 * request returns to waiting and starts over.
 */
export type RequestState =
  | 'waiting' // held by the policy, not yet on a GPU
  | 'gpu-queued' // dispatched to a GPU whose slots are all busy
  | 'transfer-in'
  | 'executing'
  | 'transfer-out'
  | 'done'
  | 'dropped'
  | 'rejected';

/** How a request ended, as reported in metrics. */
export type Outcome = 'met' | 'late' | 'dropped' | 'rejected' | 'unserved';

/** What arrives: the immutable facts of one inference request. */
export interface RequestSpec {
  readonly arrival: Ms;
  readonly model: ModelProfile;
  readonly batch: number;
  readonly priority: Priority;
  /** Absolute deadline, simulated time. */
  readonly deadline: Ms;
  readonly inputBytes: number;
  readonly outputBytes: number;
  /** Tokens per batch item in the prompt, -1 when not given (see RequestShape). */
  readonly inputTokens: number;
  /** Tokens per batch item in the answer, -1 when not given. */
  readonly outputTokens: number;
  /** Measured service time replacing the model's solo time, ms; 0 when not given. */
  readonly durationMs: Ms;
}

/**
 * A request inside a run: its spec, its state, and the timestamps of its life
 * (NaN until reached). Policies and predictors read it; only the simulator writes.
 */
export class Request implements RequestSpec {
  state: RequestState = 'waiting';
  /** GPU index it is dispatched to, or -1. */
  gpu = -1;
  /**
   * The times and predictions below, in one array of doubles (slots 0-9, in the order of
   * the accessors below), then the arrival, the deadline and the service scale (10-12):
   * V8 keeps every number field of an object that ever holds a fraction in a heap box
   * of its own, thirteen allocations per request; a double array holds them inline.
   */
  private readonly times: number[];
  /** Index of the phase now executing (valid while executing). */
  phase = 0;
  preemptions = 0;
  /** Set by a phase-boundary preemption: suspend when the current phase ends. */
  suspendAtBoundary = false;
  /**
   * The GPU holding this request's progress after a phase-boundary suspension, or
   * -1. Dispatched back there it resumes at `phase`; anywhere else it restarts.
   */
  resumeGpu = -1;
  /** Execution-time and transfer-time predictions of each shadow predictor, in pairs. */
  shadowPredictions: Float64Array | undefined = undefined;
  /** Still waiting when the run ended: nothing was left that could serve it. */
  unserved = false;
  /** Links of the driver's WaitingList (see cluster/waiting-list.ts); undefined when not waiting. */
  waitingIn: object | undefined = undefined;
  waitingPrev: Request | undefined = undefined;
  waitingNext: Request | undefined = undefined;
  /**
   * Whether its solo time differs from its model's at the batch (tokens or a duration
   * given): only such a request pays for a phase factor when a phase starts.
   */
  readonly shaped: boolean;

  constructor(
    readonly id: number,
    arrival: Ms,
    readonly model: ModelProfile,
    readonly batch: number,
    readonly priority: Priority,
    deadline: Ms,
    readonly inputBytes: number,
    readonly outputBytes: number,
    serviceScale: number,
    // Integers (small ints to V8, no box per request); a duration is a double, used by traces that carry one.
    readonly inputTokens = -1,
    readonly outputTokens = -1,
    readonly durationMs: Ms = 0,
  ) {
    this.times = [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, arrival, deadline, serviceScale];
    this.shaped = durationMs > 0 || inputTokens >= 0 || outputTokens >= 0;
  }

  get arrival(): Ms { return this.times[10]; }
  /** Absolute deadline, simulated time. */
  get deadline(): Ms { return this.times[11]; }
  /**
   * The request's own execution-time multiplier (mean 1) drawn from the model's
   * variability. It is the simulated ground truth: predictors must not read it.
   */
  get serviceScale(): number { return this.times[12]; }

  get dispatchedAt(): Ms { return this.times[0]; }
  set dispatchedAt(t: Ms) { this.times[0] = t; }
  get transferInStart(): Ms { return this.times[1]; }
  set transferInStart(t: Ms) { this.times[1] = t; }
  get transferInEnd(): Ms { return this.times[2]; }
  set transferInEnd(t: Ms) { this.times[2] = t; }
  get executionStart(): Ms { return this.times[3]; }
  set executionStart(t: Ms) { this.times[3] = t; }
  get executionEnd(): Ms { return this.times[4]; }
  set executionEnd(t: Ms) { this.times[4] = t; }
  get transferOutStart(): Ms { return this.times[5]; }
  set transferOutStart(t: Ms) { this.times[5] = t; }
  get completedAt(): Ms { return this.times[6]; }
  set completedAt(t: Ms) { this.times[6] = t; }
  /** Predictions made when it was dispatched (NaN if never dispatched). */
  get predictedTransferMs(): Ms { return this.times[7]; }
  set predictedTransferMs(t: Ms) { this.times[7] = t; }
  get predictedExecutionMs(): Ms { return this.times[8]; }
  set predictedExecutionMs(t: Ms) { this.times[8] = t; }
  get predictedCompletion(): Ms { return this.times[9]; }
  set predictedCompletion(t: Ms) { this.times[9] = t; }

  get latency(): Ms {
    return this.completedAt - this.arrival;
  }

  /** Back to the start (a kill, or a resume elsewhere): no transfer or phase done yet. */
  forgetProgress(): void {
    this.times.fill(NaN, 0, 6); // dispatched ... transfer-out start
    this.phase = 0;
    this.resumeGpu = -1;
    this.suspendAtBoundary = false;
  }
}

/** How a request that has left the system ended. */
export function outcomeOf(request: Request): Outcome {
  switch (request.state) {
    case 'done':
      return request.completedAt <= request.deadline ? 'met' : 'late';
    case 'rejected':
      return 'rejected';
    case 'dropped':
      return request.unserved ? 'unserved' : 'dropped';
    default:
      bug(`outcome of request ${request.id}: expected a request that has left the system, got one that is ${request.state}`);
  }
}
