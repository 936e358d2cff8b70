import type { Engine } from './core/engine.ts';
import { WorkloadError } from './core/errors.ts';
import type { EventHandle } from './core/event-queue.ts';
import type { RandomStream } from './core/random.ts';
import type { Ms } from './core/units.ts';
import { requestInputBytes, requestOutputBytes, type ModelProfile } from './model/profile.ts';
import { Request, type Priority } from './model/request.ts';

/** One arrival as a workload source yields it (times from the trace start). */
export interface ArrivalSpec {
  readonly arrival: Ms;
  readonly model: string;
  readonly batch: number;
  readonly priority: Priority;
  /** Deadline relative to arrival. */
  readonly relativeDeadline: Ms;
  /** Override the profile's bytes per item times batch. */
  readonly inputBytes?: number;
  readonly outputBytes?: number;
  /** Tokens per item in the prompt and the answer, when the workload knows them (see RequestShape). */
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** A measured service time replacing the model's solo time, ms. */
  readonly durationMs?: Ms;
}

/** Arrivals in non-decreasing time order, pulled one at a time (streaming). */
export interface ArrivalSource {
  next(): ArrivalSpec | undefined;
}

/**
 * Arrivals delivered in chunks (a trace read from disk, or a generator pulled in
 * slices), so a workload larger than memory can run. `horizon` is the arrival time
 * of the last buffered arrival; every arrival before it is already buffered.
 */
export interface BufferedArrivalSource extends ArrivalSource {
  readonly horizon: Ms;
  /** Buffers the next chunk; resolves false once the source is exhausted. */
  refill(): Promise<boolean>;
}

/** The model an arrival names, or a WorkloadError naming the arrival (both drivers). */
export function modelOfArrival(models: ReadonlyMap<string, ModelProfile>, spec: ArrivalSpec, index: number): ModelProfile {
  const model = models.get(spec.model);
  if (model === undefined) throw new WorkloadError(`arrival ${index}: expected a model of the scenario, got unknown model "${spec.model}"`);
  return model;
}

/** The request an arrival makes, arriving at `arrival` (both drivers; the replay's arrival is when it saw it). */
export function requestOfArrival(id: number, spec: ArrivalSpec, model: ModelProfile, arrival: Ms, serviceScale: number): Request {
  const inputTokens = spec.inputTokens ?? -1;
  const outputTokens = spec.outputTokens ?? -1;
  return new Request(
    id,
    arrival,
    model,
    spec.batch,
    spec.priority,
    arrival + spec.relativeDeadline,
    spec.inputBytes ?? requestInputBytes(model, spec.batch, inputTokens),
    spec.outputBytes ?? requestOutputBytes(model, spec.batch, outputTokens),
    serviceScale,
    inputTokens,
    outputTokens,
    spec.durationMs ?? 0,
  );
}

/**
 * The simulator's arrivals: pulls one spec at a time from the source, keeps one event
 * for the next arrival (moved, never reallocated), checks the order, and hands each
 * new request, with its service-time scale drawn, to `onRequest`.
 */
export class ArrivalFeed {
  /** Requests made so far (the next request's id). */
  count = 0;
  private pending: ArrivalSpec | undefined;
  private event: EventHandle | undefined;
  private lastArrival: Ms = 0;
  // The model of the previous arrival: most arrivals name the model the one before did,
  // and a string compare is cheaper than the map's hash lookup.
  private lastModelName: string | undefined = undefined;
  private lastModel: ModelProfile | undefined = undefined;

  constructor(
    private readonly engine: Engine,
    private readonly source: ArrivalSource,
    private readonly models: ReadonlyMap<string, ModelProfile>,
    private readonly serviceStream: RandomStream,
    private readonly onRequest: (request: Request) => void,
  ) {}

  /** Schedules the next arrival of the source, if any. */
  scheduleNext(): void {
    const spec = this.source.next();
    if (spec === undefined) return;
    if (!(spec.arrival >= this.lastArrival)) {
      throw new WorkloadError(
        `arrival ${this.count}: expected a time at or after the previous arrival's ${this.lastArrival} ms (arrivals sorted by time), got ${spec.arrival} ms`,
      );
    }
    this.lastArrival = spec.arrival;
    this.pending = spec;
    this.event = this.event === undefined ? this.engine.at(spec.arrival, this.onEvent) : this.engine.move(this.event, spec.arrival);
  }

  private readonly onEvent = (): void => {
    const spec = this.pending!;
    this.pending = undefined;
    this.onRequest(this.createRequest(spec));
    this.scheduleNext();
  };

  private createRequest(spec: ArrivalSpec): Request {
    let model = this.lastModel;
    if (spec.model !== this.lastModelName || model === undefined) {
      model = modelOfArrival(this.models, spec, this.count);
      this.lastModelName = spec.model;
      this.lastModel = model;
    }
    const variability = model.variability;
    let scale = 1;
    if (variability.kind === 'exponential') scale = this.serviceStream.exponential(1);
    else if (variability.kind === 'lognormal') scale = this.serviceStream.lognormalUnitMean(variability.cv);
    return requestOfArrival(this.count++, spec, model, spec.arrival, scale);
  }
}
