import type { ArrivalSource, ArrivalSpec, BufferedArrivalSource } from '../sim/simulator.ts';

/**
 * Arrivals pulled per chunk from a synchronous source: small, so the arrival objects
 * are consumed while still young (cheap for the garbage collector).
 */
export const ARRIVAL_CHUNK = 1024;

/**
 * Holds arrivals a chunk at a time for Simulator.runStreaming: from an async
 * iterable of chunks (a trace file being read) or from a synchronous source (a
 * generator), pulled ARRIVAL_CHUNK at a time. Consumed chunks are released.
 */
export class BufferedArrivals implements BufferedArrivalSource {
  private chunks: ArrivalSpec[][] = [];
  private position = 0;
  private last = -Infinity;
  private readonly iterator: AsyncIterator<readonly ArrivalSpec[]> | undefined;
  private exhausted = false;

  private constructor(
    iterable: AsyncIterable<readonly ArrivalSpec[]> | undefined,
    private readonly syncSource: ArrivalSource | undefined,
  ) {
    this.iterator = iterable?.[Symbol.asyncIterator]();
  }

  static fromChunks(chunks: AsyncIterable<readonly ArrivalSpec[]>): BufferedArrivals {
    return new BufferedArrivals(chunks, undefined);
  }

  static fromSource(source: ArrivalSource): BufferedArrivals {
    return new BufferedArrivals(undefined, source);
  }

  /**
   * Only the arrivals of `source` that `keep` accepts, unchanged (their times, deadlines
   * and order as they were): e.g. one priority class of a workload, the other removed.
   */
  static filtered(source: BufferedArrivalSource, keep: (arrival: ArrivalSpec) => boolean): BufferedArrivals {
    return BufferedArrivals.fromChunks(keptChunks(source, keep));
  }

  get horizon(): number {
    return this.exhausted ? Infinity : this.last;
  }

  next(): ArrivalSpec | undefined {
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0];
      if (this.position < chunk.length) return chunk[this.position++];
      this.chunks.shift();
      this.position = 0;
    }
    return undefined;
  }

  async refill(): Promise<boolean> {
    if (this.exhausted) return false;
    let chunk: readonly ArrivalSpec[] | undefined;
    if (this.syncSource !== undefined) {
      const pulled: ArrivalSpec[] = [];
      for (let i = 0; i < ARRIVAL_CHUNK; i++) {
        const arrival = this.syncSource.next();
        if (arrival === undefined) break;
        pulled.push(arrival);
      }
      chunk = pulled.length > 0 ? pulled : undefined;
    } else {
      // Skip empty chunks; stop at the end of the iterable.
      for (;;) {
        const step = await this.iterator!.next();
        if (step.done) break;
        if (step.value.length > 0) {
          chunk = step.value;
          break;
        }
      }
    }
    if (chunk === undefined) {
      this.exhausted = true;
      return false;
    }
    this.chunks.push(chunk as ArrivalSpec[]);
    this.last = chunk[chunk.length - 1].arrival;
    return true;
  }
}

async function* keptChunks(source: BufferedArrivalSource, keep: (arrival: ArrivalSpec) => boolean): AsyncGenerator<ArrivalSpec[]> {
  while (await source.refill()) {
    const kept: ArrivalSpec[] = [];
    for (let arrival = source.next(); arrival !== undefined; arrival = source.next()) if (keep(arrival)) kept.push(arrival);
    yield kept;
  }
}
