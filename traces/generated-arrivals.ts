import type { RandomStream } from '../sim/core/random.ts';
import type { Priority } from '../sim/model/request.ts';
import type { ArrivalSource, ArrivalSpec } from '../sim/simulator.ts';
import { arrivalClock, type ArrivalClock, type ArrivalProcessSpec } from './arrival-processes.ts';

/** One class of generated requests: a model at a priority. */
export interface GeneratedStream {
  readonly model: string;
  readonly priority: Priority;
  /** Mean requests per ms. */
  readonly ratePerMs: number;
  /** Batch sizes, drawn uniformly per request. */
  readonly batchSizes: readonly number[];
  /** Deadline relative to arrival for a request of this batch size, ms. */
  relativeDeadline(batch: number): number;
  /** Draws batch sizes. */
  readonly batchRandom: RandomStream;
}

/**
 * One arrival process feeding one stream, or several: each arrival of a shared
 * channel goes to a stream drawn by weight from `pickRandom`.
 */
export interface ArrivalChannel {
  readonly clock: ArrivalClock;
  readonly streams: readonly GeneratedStream[];
  /** Relative weights of the streams (shared channels only). */
  readonly weights?: readonly number[];
  readonly pickRandom?: RandomStream;
}

/** A stream with its own process (the usual case): its own arrival clock at its rate. */
export function ownChannel(stream: GeneratedStream, process: ArrivalProcessSpec, arrivalRandom: RandomStream): ArrivalChannel {
  return { clock: arrivalClock(process, stream.ratePerMs, arrivalRandom), streams: [stream] };
}

/**
 * Streams sharing one process at their total rate, each arrival assigned to one of
 * them with probability proportional to its rate: the merged trace then follows the
 * process (a gamma cv of 3 is a cv of 3 of the whole trace), where separate processes
 * superpose into something smoother.
 */
export function sharedChannel(
  streams: readonly GeneratedStream[],
  process: ArrivalProcessSpec,
  arrivalRandom: RandomStream,
  pickRandom: RandomStream,
): ArrivalChannel {
  if (streams.length === 1) return ownChannel(streams[0], process, arrivalRandom);
  const weights = streams.map((s) => s.ratePerMs);
  const total = weights.reduce((a, b) => a + b, 0);
  return { clock: arrivalClock(process, total, arrivalRandom), streams, weights, pickRandom };
}

export type ArrivalLimit = { readonly requests: number } | { readonly durationMs: number };

/**
 * Channels merged lazily in time order: each keeps only its next arrival, and next()
 * hands out the earliest (ties to the lower channel index), so a workload of any
 * length costs constant memory. With poisson channels of one stream each, this makes
 * exactly the draws and arrivals of PoissonArrivals.
 */
export class MergedArrivals implements ArrivalSource, Iterable<ArrivalSpec> {
  private readonly nextTime: number[];
  private readonly totals: number[];
  private emitted = 0;

  constructor(
    private readonly channels: readonly ArrivalChannel[],
    private readonly limit: ArrivalLimit,
  ) {
    this.nextTime = channels.map((c) => c.clock.next());
    this.totals = channels.map((c) => (c.weights ?? []).reduce((a, b) => a + b, 0));
  }

  next(): ArrivalSpec | undefined {
    if ('requests' in this.limit && this.emitted >= this.limit.requests) return undefined;
    const nextTime = this.nextTime;
    let k = 0;
    for (let i = 1; i < nextTime.length; i++) if (nextTime[i] < nextTime[k]) k = i;
    const time = nextTime[k];
    if ('durationMs' in this.limit && time >= this.limit.durationMs) return undefined;
    const channel = this.channels[k];
    nextTime[k] = channel.clock.next();
    const stream =
      channel.streams.length === 1 ? channel.streams[0] : channel.streams[channel.pickRandom!.weightedIndex(channel.weights!, this.totals[k])];
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

  *[Symbol.iterator](): Iterator<ArrivalSpec> {
    for (let a = this.next(); a !== undefined; a = this.next()) yield a;
  }
}
