/**
 * Model profiles: one inference split into a few phases, each with a solo duration
 * per batch size and the compute and memory-bandwidth demands it places on a GPU
 * when running alone. Values between profiled batch sizes are interpolated linearly.
 */

/** A quantity profiled at some batch sizes (ascending), e.g. solo time or demand. */
export interface BatchTable {
  readonly batchSizes: readonly number[];
  readonly values: readonly number[];
}

export function constantTable(value: number): BatchTable {
  return { batchSizes: [1], values: [value] };
}

/**
 * Looks a batch size up in a table. Inside the profiled range it interpolates
 * linearly; outside it, it extrapolates from the nearest segment (a single point is
 * a constant), because inference cost grows about linearly with batch size.
 */
export function lookupBatch(table: BatchTable, batch: number): number {
  const sizes = table.batchSizes;
  const values = table.values;
  const n = sizes.length;
  if (n === 1) return values[0];
  let hi = 1;
  while (hi < n - 1 && sizes[hi] < batch) hi++;
  const lo = hi - 1;
  const t = (batch - sizes[lo]) / (sizes[hi] - sizes[lo]);
  return Math.max(0, values[lo] + t * (values[hi] - values[lo]));
}

export interface PhaseProfile {
  readonly name: string;
  /** Solo duration in ms by batch size. */
  readonly soloMs: BatchTable;
  /** Fraction of the GPU's SMs this phase fills alone, in (0, 1]. */
  readonly compute: BatchTable;
  /** Fraction of peak memory bandwidth this phase draws alone, in [0, 1]. */
  readonly memory: BatchTable;
  /**
   * How strongly the others' memory traffic slows this phase (spatial sharing), 1
   * when absent: the victim's side of interference, where memory is the aggressor's.
   */
  readonly sensitivity?: BatchTable;
  /** How the phase's solo time grows with the request's tokens; absent: it does not. */
  readonly tokens?: TokenScaling;
}

/**
 * A phase whose solo time is a fixed part plus a part linear in one of the request's
 * token counts, relative to the count its solo-time table was profiled at:
 * solo(tokens) = solo(batch) x (fixedShare + (1 - fixedShare) x tokens / referenceTokens).
 * A request that gives no count for the phase runs it at the reference (the table).
 */
export interface TokenScaling {
  /** Which count drives the phase: the prompt (prefill, an encoder) or the answer (decode). */
  readonly per: 'input' | 'output';
  /** Tokens per batch item at which `soloMs` was profiled (> 0). */
  readonly referenceTokens: number;
  /** Share of the solo time that does not depend on tokens, in [0, 1] (launches, weights read once). */
  readonly fixedShare: number;
}

/** Per-request variability of execution time around the profile (mean 1). */
export type ServiceVariability =
  | { readonly kind: 'deterministic' }
  | { readonly kind: 'exponential' }
  | { readonly kind: 'lognormal'; readonly cv: number };

export interface ModelProfile {
  readonly name: string;
  readonly description: string;
  readonly phases: readonly PhaseProfile[];
  /** Host-to-device bytes per batch item. */
  readonly inputBytesPerItem: number;
  /** Device-to-host bytes per batch item. */
  readonly outputBytesPerItem: number;
  readonly variability: ServiceVariability;
  /** Largest batch size this model is profiled for (requests above it are invalid). */
  readonly maxBatch: number;
  /** Host-to-device bytes per input token per item, used instead of inputBytesPerItem for a request that gives its tokens. */
  readonly inputBytesPerToken?: number;
  /** Device-to-host bytes per output token per item, used instead of outputBytesPerItem for a request that gives its tokens. */
  readonly outputBytesPerToken?: number;
}

export function soloPhaseMs(model: ModelProfile, phase: number, batch: number): number {
  return lookupBatch(model.phases[phase].soloMs, batch);
}

/** Profiles are immutable, so their solo totals can be memoized per batch size. */
const soloTotals = new WeakMap<ModelProfile, number[]>();
/** The last model asked about and its totals: a run asks about one model many times in a row, and each call paid a WeakMap lookup (0.4% of an M/M/8 run's self time). */
let lastModel: ModelProfile | undefined;
let lastTotals: number[] = [];

/** Solo execution time of one inference: the sum of its phases. */
export function soloExecutionMs(model: ModelProfile, batch: number): number {
  let totals = model === lastModel ? lastTotals : soloTotals.get(model);
  if (totals === undefined) {
    totals = [];
    soloTotals.set(model, totals);
  }
  lastModel = model;
  lastTotals = totals;
  let total = totals[batch];
  if (total === undefined) {
    total = 0;
    for (const phase of model.phases) total += lookupBatch(phase.soloMs, batch);
    if (Number.isInteger(batch) && batch >= 0 && batch <= 1 << 16) totals[batch] = total;
  }
  return total;
}

/**
 * What a request's solo time depends on beyond its model and batch: its tokens per
 * item (-1 when not given) and a measured service time (0 when not given), which
 * replaces the model's solo time at the batch and keeps its split into phases.
 */
export interface RequestShape {
  readonly model: ModelProfile;
  readonly batch: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly durationMs: number;
}

/** The factor a phase's solo time (at the batch) takes for one request: 1 for a phase or request without tokens. */
export function phaseFactor(request: RequestShape, phase: number): number {
  if (request.durationMs > 0) return request.durationMs / soloExecutionMs(request.model, request.batch);
  const scaling = request.model.phases[phase].tokens;
  if (scaling === undefined) return 1;
  const tokens = scaling.per === 'input' ? request.inputTokens : request.outputTokens;
  if (tokens < 0) return 1;
  return scaling.fixedShare + ((1 - scaling.fixedShare) * tokens) / scaling.referenceTokens;
}

/** Whether a request's solo time differs from its model's at its batch (tokens given, or a duration). */
export function isShaped(request: RequestShape): boolean {
  return request.durationMs > 0 || request.inputTokens >= 0 || request.outputTokens >= 0;
}

/** Solo time of one phase of this request. */
export function requestPhaseSoloMs(request: RequestShape, phase: number): number {
  const base = soloPhaseMs(request.model, phase, request.batch);
  return isShaped(request) ? base * phaseFactor(request, phase) : base;
}

/** Solo execution time of this request: its model's at its batch, shaped by its tokens or duration. */
export function requestSoloExecutionMs(request: RequestShape): number {
  if (!isShaped(request)) return soloExecutionMs(request.model, request.batch);
  if (request.durationMs > 0) return request.durationMs;
  let total = 0;
  for (let k = 0; k < request.model.phases.length; k++) total += soloPhaseMs(request.model, k, request.batch) * phaseFactor(request, k);
  return total;
}

/** Host-to-device bytes of a request that gives no bytes of its own. */
export function requestInputBytes(model: ModelProfile, batch: number, inputTokens: number): number {
  return model.inputBytesPerToken !== undefined && inputTokens >= 0 ? model.inputBytesPerToken * inputTokens * batch : model.inputBytesPerItem * batch;
}

/** Device-to-host bytes of a request that gives no bytes of its own. */
export function requestOutputBytes(model: ModelProfile, batch: number, outputTokens: number): number {
  return model.outputBytesPerToken !== undefined && outputTokens >= 0 ? model.outputBytesPerToken * outputTokens * batch : model.outputBytesPerItem * batch;
}
