import type { Engine } from '../core/engine.ts';
import type { EventHandle } from '../core/event-queue.ts';
import { maxMinFairRates } from './max-min-fair.ts';

/** Bytes left below this count as delivered: float residue of rate * time. */
const BYTE_EPSILON = 1e-6;

export type Direction = 'h2d' | 'd2h';

/**
 * One direction of one host's PCIe fabric: a link per GPU and the shared uplink to
 * host memory. Transfers in flight share it max-min fairly (processor sharing on
 * each link, bounded by the uplink). Like the GPU executor it keeps a single pending
 * event, the earliest completion, and recomputes rates whenever a transfer joins or
 * leaves. A transfer first waits a fixed setup latency, during which it draws no
 * bandwidth.
 */
export class HostFabricDirection<T> {
  private owners: T[] = [];
  private linkOf: number[] = [];
  private remaining: number[] = [];
  private rates = new Float64Array(8);
  private lastUpdate = 0;
  private nextCompletion: EventHandle | undefined;
  private settling = false;
  private readonly pendingSetup = new Map<T, EventHandle>();
  /** Bytes moved, per link. */
  readonly bytesMoved: number[];
  /** Time each link had at least one transfer flowing, ms. */
  readonly linkBusyTime: number[];

  constructor(
    private readonly engine: Engine,
    /** Bytes per ms for each GPU link on this host, in this direction. */
    private readonly linkCapacity: readonly number[],
    private readonly uplinkCapacity: number,
    private readonly setupMs: readonly number[],
    private readonly onTransferDone: (owner: T) => void,
  ) {
    this.bytesMoved = new Array<number>(linkCapacity.length).fill(0);
    this.linkBusyTime = new Array<number>(linkCapacity.length).fill(0);
  }

  /** Transfers now drawing bandwidth on a link (those past their setup). */
  flowingOn(link: number): number {
    let n = 0;
    for (const l of this.linkOf) if (l === link) n++;
    return n;
  }

  /** Bytes still to move on a link, over the transfers flowing there. */
  bytesQueuedOn(link: number): number {
    this.advance(this.engine.now);
    let total = 0;
    for (let f = 0; f < this.linkOf.length; f++) if (this.linkOf[f] === link) total += this.remaining[f];
    return total;
  }

  get flowing(): number {
    return this.owners.length;
  }

  /** Starts a transfer of `bytes` on `link`; zero bytes still pays the setup. */
  start(owner: T, link: number, bytes: number): void {
    const setup = this.setupMs[link];
    if (setup > 0) {
      const handle = this.engine.after(setup, () => {
        this.pendingSetup.delete(owner);
        this.join(owner, link, bytes);
      });
      this.pendingSetup.set(owner, handle);
    } else {
      this.join(owner, link, bytes);
    }
  }

  /** Cancels an owner's transfer (preemption). Returns whether one was in progress. */
  abort(owner: T): boolean {
    const setup = this.pendingSetup.get(owner);
    if (setup !== undefined) {
      this.engine.cancel(setup);
      this.pendingSetup.delete(owner);
      return true;
    }
    const f = this.owners.indexOf(owner);
    if (f < 0) return false;
    this.advance(this.engine.now);
    this.removeAt(f);
    if (!this.settling) this.reschedule();
    return true;
  }

  private join(owner: T, link: number, bytes: number): void {
    if (bytes <= 0) {
      this.onTransferDone(owner);
      return;
    }
    this.advance(this.engine.now);
    this.owners.push(owner);
    this.linkOf.push(link);
    this.remaining.push(bytes);
    if (this.rates.length < this.owners.length) {
      const bigger = new Float64Array(this.rates.length * 2);
      bigger.set(this.rates);
      this.rates = bigger;
    }
    if (!this.settling) this.reschedule();
  }

  private advance(now: number): void {
    const dt = now - this.lastUpdate;
    this.lastUpdate = now;
    const n = this.owners.length;
    if (dt <= 0 || n === 0) return;
    const busy = new Array<boolean>(this.linkCapacity.length).fill(false);
    for (let f = 0; f < n; f++) {
      const moved = this.rates[f] * dt;
      this.remaining[f] -= moved;
      this.bytesMoved[this.linkOf[f]] += moved;
      busy[this.linkOf[f]] = true;
    }
    for (let l = 0; l < busy.length; l++) if (busy[l]) this.linkBusyTime[l] += dt;
  }

  private reschedule(): void {
    this.engine.cancel(this.nextCompletion);
    this.nextCompletion = undefined;
    const n = this.owners.length;
    if (n === 0) return;
    maxMinFairRates(this.linkOf, n, this.linkCapacity, this.uplinkCapacity, this.rates);
    let soonest = Infinity;
    for (let f = 0; f < n; f++) {
      const t = Math.max(0, this.remaining[f]) / this.rates[f];
      if (t < soonest) soonest = t;
    }
    this.nextCompletion = this.engine.at(this.engine.now + soonest, this.onCompletionEvent);
  }

  private readonly onCompletionEvent = (): void => {
    this.nextCompletion = undefined;
    const now = this.engine.now;
    this.advance(now);
    const finished: T[] = [];
    for (let f = 0; f < this.owners.length; ) {
      // Done when nothing is left, or so little that its completion time rounds to
      // `now`: the float residue of rate * time grows with the clock, and such a
      // flow, rescheduled, would fire at `now` again forever.
      const left = this.remaining[f];
      if (left <= BYTE_EPSILON || now + left / this.rates[f] <= now) {
        finished.push(this.owners[f]);
        this.bytesMoved[this.linkOf[f]] += left; // book the float residue as moved
        this.removeAt(f);
      } else {
        f++;
      }
    }
    this.settling = true;
    try {
      for (const owner of finished) this.onTransferDone(owner);
    } finally {
      this.settling = false;
    }
    this.reschedule();
  };

  /** Keeps arrival order of the flows (stable callbacks when several finish at once). */
  private removeAt(f: number): void {
    this.owners.splice(f, 1);
    this.linkOf.splice(f, 1);
    this.remaining.splice(f, 1);
    this.rates.copyWithin(f, f + 1);
  }
}
