import type { ArrivalSource, ArrivalSpec } from '../sim/simulator.ts';

/** One phase: a source whose times start at 0, shifted to start at `startMs`. */
export interface ArrivalPhase {
  readonly startMs: number;
  readonly source: ArrivalSource;
}

/**
 * Phases one after another: each phase's arrivals, shifted by its start time, until
 * the phase source runs dry (its own duration limit), then the next phase. An
 * optional cap on the total number of requests ends it early.
 */
export class PhasedArrivals implements ArrivalSource {
  private phase = 0;
  private emitted = 0;

  constructor(
    private readonly phases: readonly ArrivalPhase[],
    private readonly maxRequests = Infinity,
  ) {}

  next(): ArrivalSpec | undefined {
    while (this.phase < this.phases.length && this.emitted < this.maxRequests) {
      const { startMs, source } = this.phases[this.phase];
      const arrival = source.next();
      if (arrival !== undefined) {
        this.emitted++;
        return { ...arrival, arrival: startMs + arrival.arrival };
      }
      this.phase++;
    }
    return undefined;
  }
}
