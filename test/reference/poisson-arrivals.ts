import type { RandomStream } from '../../sim/core/random.ts';
import type { Priority } from '../../sim/model/request.ts';
import type { ArrivalSource, ArrivalSpec } from '../../sim/simulator.ts';

/** One Poisson stream of requests for a model at a priority. */
export interface PoissonStream {
  readonly model: string;
  readonly priority: Priority;
  /** Requests per ms. */
  readonly ratePerMs: number;
  readonly batchSizes: readonly number[];
  /** Deadline relative to arrival for a request of this batch size, ms. */
  relativeDeadline(batch: number): number;
  /** Draws inter-arrival gaps. */
  readonly arrivalRandom: RandomStream;
  /** Draws batch sizes. */
  readonly batchRandom: RandomStream;
}

export type ArrivalLimit = { readonly requests: number } | { readonly durationMs: number };

/**
 * The first Poisson workload source, kept as a test reference: the general
 * generator (traces/generated-arrivals.ts) must make exactly its draws and arrivals.
 *
 * Superposed Poisson streams, generated lazily: each stream keeps only its next
 * arrival, and next() hands out the earliest (ties to the lower stream index), so a
 * workload of any length costs constant memory.
 */
export class PoissonArrivals implements ArrivalSource {
  private readonly nextTime: number[];
  private emitted = 0;

  constructor(
    private readonly streams: readonly PoissonStream[],
    private readonly limit: ArrivalLimit,
  ) {
    this.nextTime = streams.map((s) => s.arrivalRandom.exponential(1 / s.ratePerMs));
  }

  next(): ArrivalSpec | undefined {
    if ('requests' in this.limit && this.emitted >= this.limit.requests) return undefined;
    let k = 0;
    for (let i = 1; i < this.streams.length; i++) if (this.nextTime[i] < this.nextTime[k]) k = i;
    const time = this.nextTime[k];
    if ('durationMs' in this.limit && time >= this.limit.durationMs) return undefined;
    const stream = this.streams[k];
    this.nextTime[k] = time + stream.arrivalRandom.exponential(1 / stream.ratePerMs);
    const sizes = stream.batchSizes;
    const batch = sizes.length === 1 ? sizes[0] : sizes[Math.floor(stream.batchRandom.uniform() * sizes.length)];
    this.emitted++;
    return {
      arrival: time,
      model: stream.model,
      batch,
      priority: stream.priority,
      relativeDeadline: stream.relativeDeadline(batch),
    };
  }
}
