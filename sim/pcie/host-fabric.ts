import type { Engine } from '../core/engine.ts';
import type { EventHandle } from '../core/event-queue.ts';
import { FairShareScratch, maxMinFairRates } from './max-min-fair.ts';

/** Bytes left below this count as delivered: float residue of rate * time. */
const BYTE_EPSILON = 1e-6;

export type Direction = 'h2d' | 'd2h';

/**
 * One direction of one host's PCIe fabric: a link per GPU and the shared uplink to
 * host memory. Transfers in flight share it max-min fairly (processor sharing on
 * each link, bounded by the uplink). A transfer first waits its link's fixed setup
 * latency, drawing no bandwidth, then flows.
 *
 * Like the GPU executor it keeps a single pending event: the earliest of the next
 * setup to end and the next flow to finish. Rates are recomputed whenever a flow
 * joins or leaves.
 */
export class HostFabricDirection<T> {
  // Flows drawing bandwidth, in slots 0..flowCount-1. Counts, not push/pop: V8 trims
  // an array's backing store when pop() empties it, so a link going idle and busy
  // again reallocated its arrays on every transfer.
  private owners: (T | undefined)[] = [];
  private linkOf = new Int32Array(8);
  private remaining = new Float64Array(8);
  private rates = new Float64Array(8);
  private flowCount = 0;
  // Transfers in their setup phase (the earliest end is searched).
  private setupOwners: (T | undefined)[] = [];
  private setupLink = new Int32Array(8);
  private setupBytes = new Float64Array(8);
  private setupEnds = new Float64Array(8);
  private setupCount = 0;

  private lastUpdate = 0;
  private nextEvent: EventHandle | undefined;
  private settling = false;
  private readonly scratch: FairShareScratch;
  private readonly linkBusy: Uint8Array;
  private readonly finished: T[] = [];
  private readonly busySetupMs: readonly number[];
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
    /** Per link: setup added per request executing on its GPU when a transfer starts (none when empty). */
    busySetupMs: readonly number[] = [],
  ) {
    this.busySetupMs = linkCapacity.map((_, l) => busySetupMs[l] ?? 0);
    this.bytesMoved = new Array<number>(linkCapacity.length).fill(0);
    this.linkBusyTime = new Array<number>(linkCapacity.length).fill(0);
    this.scratch = new FairShareScratch(linkCapacity.length);
    this.linkBusy = new Uint8Array(linkCapacity.length);
  }

  /** Transfers on a link that are in setup or flowing. */
  transfersOn(link: number): number {
    let n = 0;
    for (let f = 0; f < this.flowCount; f++) if (this.linkOf[f] === link) n++;
    for (let s = 0; s < this.setupCount; s++) if (this.setupLink[s] === link) n++;
    return n;
  }

  /** Bytes still to move on a link, over its transfers in setup or flowing. */
  bytesQueuedOn(link: number): number {
    this.advance(this.engine.now);
    let total = 0;
    for (let f = 0; f < this.flowCount; f++) if (this.linkOf[f] === link) total += this.remaining[f];
    for (let s = 0; s < this.setupCount; s++) if (this.setupLink[s] === link) total += this.setupBytes[s];
    return total;
  }

  /** Transfers and bytes on one link, and flows on the whole uplink. */
  load(link: number): { transfers: number; bytes: number; hostTransfers: number } {
    return { transfers: this.transfersOn(link), bytes: this.bytesQueuedOn(link), hostTransfers: this.flowCount };
  }

  get flowing(): number {
    return this.flowCount;
  }

  /**
   * Starts a transfer of `bytes` on `link`, with `executing` requests executing on its
   * GPU (what the busy setup is paid for). Zero bytes still pays the setup.
   */
  start(owner: T, link: number, bytes: number, executing = 0): void {
    const setup = this.setupMs[link] + this.busySetupMs[link] * executing;
    if (setup > 0) {
      const end = this.engine.now + setup;
      const s = this.setupCount++;
      if (s === this.setupEnds.length) this.growSetups();
      this.setupOwners[s] = owner;
      this.setupLink[s] = link;
      this.setupBytes[s] = bytes;
      this.setupEnds[s] = end;
      // Flows and their rates are unchanged: the next event can only move earlier.
      const pending = this.nextEvent;
      if (!this.settling && (pending === undefined || !pending.pending || end < pending.time)) {
        this.nextEvent = pending === undefined ? this.engine.at(end, this.onEvent) : this.engine.move(pending, end);
      }
    } else if (bytes <= 0) {
      this.onTransferDone(owner);
    } else {
      this.advance(this.engine.now);
      this.join(owner, link, bytes);
      if (!this.settling) this.reschedule();
    }
  }

  /** Cancels an owner's transfer (preemption). Returns whether one was in progress. */
  abort(owner: T): boolean {
    const s = slotOf(this.setupOwners, this.setupCount, owner);
    if (s >= 0) {
      this.removeSetup(s);
    } else {
      const f = slotOf(this.owners, this.flowCount, owner);
      if (f < 0) return false;
      this.advance(this.engine.now);
      this.removeFlow(f);
    }
    if (!this.settling) this.reschedule();
    return true;
  }

  private join(owner: T, link: number, bytes: number): void {
    const f = this.flowCount++;
    if (f === this.rates.length) this.growFlows();
    this.owners[f] = owner;
    this.linkOf[f] = link;
    this.remaining[f] = bytes;
  }

  private growFlows(): void {
    this.linkOf = grown(this.linkOf, new Int32Array(this.linkOf.length * 2));
    this.remaining = grown(this.remaining, new Float64Array(this.remaining.length * 2));
    this.rates = grown(this.rates, new Float64Array(this.rates.length * 2));
  }

  private growSetups(): void {
    this.setupLink = grown(this.setupLink, new Int32Array(this.setupLink.length * 2));
    this.setupBytes = grown(this.setupBytes, new Float64Array(this.setupBytes.length * 2));
    this.setupEnds = grown(this.setupEnds, new Float64Array(this.setupEnds.length * 2));
  }

  private advance(now: number): void {
    const dt = now - this.lastUpdate;
    this.lastUpdate = now;
    const n = this.flowCount;
    if (dt <= 0 || n === 0) return;
    const busy = this.linkBusy;
    for (let l = 0; l < busy.length; l++) busy[l] = 0;
    for (let f = 0; f < n; f++) {
      const moved = this.rates[f] * dt;
      this.remaining[f] -= moved;
      this.bytesMoved[this.linkOf[f]] += moved;
      busy[this.linkOf[f]] = 1;
    }
    for (let l = 0; l < busy.length; l++) if (busy[l] === 1) this.linkBusyTime[l] += dt;
  }

  private reschedule(): void {
    const now = this.engine.now;
    // Bring the flows up to now first: callers that only touch setups (start with a
    // setup, abort in setup) have not, and stale `remaining` would misplace the event.
    this.advance(now);
    let soonest = Infinity;
    const n = this.flowCount;
    if (n > 0) {
      maxMinFairRates(this.linkOf, n, this.linkCapacity, this.uplinkCapacity, this.rates, this.scratch);
      for (let f = 0; f < n; f++) {
        const t = now + Math.max(0, this.remaining[f]) / this.rates[f];
        if (t < soonest) soonest = t;
      }
    }
    for (let s = 0; s < this.setupCount; s++) if (this.setupEnds[s] < soonest) soonest = this.setupEnds[s];
    if (soonest === Infinity) this.engine.cancel(this.nextEvent);
    else this.nextEvent = this.nextEvent === undefined ? this.engine.at(soonest, this.onEvent) : this.engine.move(this.nextEvent, soonest);
  }

  private readonly onEvent = (): void => {
    const now = this.engine.now;
    this.advance(now);
    const finished = this.finished; // safe to reuse: only the engine calls this handler
    // The first finished transfer in a local, the rest in the scratch array: as in
    // GpuExecutor's completion, a young owner stored in an old array is a write-barrier call.
    let first: T | undefined;
    let done = 0;
    for (let f = 0; f < this.flowCount; ) {
      // Done when nothing is left, or so little that its completion time rounds to
      // `now`: the float residue of rate * time grows with the clock, and such a
      // flow, rescheduled, would fire at `now` again forever.
      const left = this.remaining[f];
      if (left <= BYTE_EPSILON || now + left / this.rates[f] <= now) {
        if (done === 0) first = this.owners[f];
        else finished[done - 1] = this.owners[f] as T;
        done++;
        this.bytesMoved[this.linkOf[f]] += left; // book the float residue as moved
        this.removeFlow(f);
      } else {
        f++;
      }
    }
    // Transfers whose setup has ended start to flow (or finish, if empty).
    for (let s = 0; s < this.setupCount; ) {
      if (this.setupEnds[s] <= now) {
        const owner = this.setupOwners[s] as T;
        const bytes = this.setupBytes[s];
        if (bytes > 0) this.join(owner, this.setupLink[s], bytes);
        else {
          if (done === 0) first = owner;
          else finished[done - 1] = owner;
          done++;
        }
        this.removeSetup(s);
      } else {
        s++;
      }
    }
    this.settling = true;
    try {
      if (done > 0) this.onTransferDone(first as T);
      for (let k = 1; k < done; k++) this.onTransferDone(finished[k - 1]);
    } finally {
      this.settling = false;
    }
    this.reschedule();
  };

  /** Swap-remove: the last flow takes the hole (order only affects tie order, deterministically). */
  private removeFlow(f: number): void {
    const last = --this.flowCount;
    if (f !== last) {
      this.owners[f] = this.owners[last];
      this.linkOf[f] = this.linkOf[last];
      this.remaining[f] = this.remaining[last];
      this.rates[f] = this.rates[last];
    }
    this.owners[last] = undefined; // release the reference
  }

  private removeSetup(s: number): void {
    const last = --this.setupCount;
    if (s !== last) {
      this.setupOwners[s] = this.setupOwners[last];
      this.setupLink[s] = this.setupLink[last];
      this.setupBytes[s] = this.setupBytes[last];
      this.setupEnds[s] = this.setupEnds[last];
    }
    this.setupOwners[last] = undefined;
  }
}

/** Index of `owner` among the first `count` slots, or -1. */
function slotOf<T>(owners: readonly (T | undefined)[], count: number, owner: T): number {
  for (let i = 0; i < count; i++) if (owners[i] === owner) return i;
  return -1;
}

/** `bigger` with `a` copied into its start. */
function grown<A extends Int32Array | Float64Array>(a: A, bigger: A): A {
  bigger.set(a);
  return bigger;
}
