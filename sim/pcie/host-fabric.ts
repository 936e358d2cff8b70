import type { Engine } from '../core/engine.ts';
import type { EventHandle } from '../core/event-queue.ts';
import { maxMinFairRates } from './max-min-fair.ts';

/** Bytes left below this count as delivered: float residue of rate * time. */
const BYTE_EPSILON = 1e-6;

export type Direction = 'h2d' | 'd2h';

/**
 * A direction's numbers live in three Float64Arrays of records: one per link (fixed),
 * one per flowing transfer and one per transfer in setup (both grown on demand). At
 * 1,024 GPUs (256 hosts of four) a host's fabric is cold when its next transfer comes:
 * kept as sixteen arrays, a transfer missed the last-level cache about 40 times per
 * request of the bench mix (bench:instructions --variants mix --gpus 1024 --cache true
 * --profile). `const enum`s, so that each offset compiles to a number. The first fields
 * of a link and of a flow are those maxMinFairRates reads and writes (LinkRecord,
 * FlowRecord, max-min-fair.ts).
 */
const enum LinkField {
  Capacity = 0,
  FlowsOnLink = 1,
  Frozen = 2,
  SetupMs = 3,
  /** Setup added per request executing on the link's GPU when a transfer starts. */
  BusySetupMs = 4,
  BytesMoved = 5,
  /** Time the link had at least one transfer flowing, ms. */
  BusyTime = 6,
  /** Scratch of advance(): 1 when a flow moved bytes on the link. */
  Busy = 7,
  Stride = 8,
}

const enum FlowField {
  Link = 0,
  Rate = 1,
  Remaining = 2,
  Stride = 4,
}

const enum SetupField {
  Link = 0,
  Bytes = 1,
  End = 2,
  Stride = 4,
}

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
  /** Per link (LinkField), then the time the flows were last brought up to, at `clockAt`. */
  private readonly links: Float64Array;
  private readonly linkCount: number;
  private readonly clockAt: number;
  // Flows drawing bandwidth, records 0..flowCount-1 (FlowField). Counts, not push/pop:
  // V8 trims an array's backing store when pop() empties it, so a link going idle and
  // busy again reallocated its arrays on every transfer.
  private owners: (T | undefined)[] = [];
  private flows: Float64Array = new Float64Array(8 * FlowField.Stride);
  private flowCount = 0;
  // Transfers in their setup phase (the earliest end is searched), records (SetupField).
  private setupOwners: (T | undefined)[] = [];
  private setups: Float64Array = new Float64Array(8 * SetupField.Stride);
  private setupCount = 0;

  private nextEvent: EventHandle | undefined;
  private settling = false;
  private readonly finished: T[] = [];

  constructor(
    private readonly engine: Engine,
    /** Bytes per ms for each GPU link on this host, in this direction. */
    linkCapacity: readonly number[],
    private readonly uplinkCapacity: number,
    setupMs: readonly number[],
    private readonly onTransferDone: (owner: T) => void,
    /** Per link: setup added per request executing on its GPU when a transfer starts (none when empty). */
    busySetupMs: readonly number[] = [],
  ) {
    this.linkCount = linkCapacity.length;
    this.clockAt = this.linkCount * LinkField.Stride;
    this.links = new Float64Array(this.clockAt + 1);
    for (let l = 0; l < this.linkCount; l++) {
      const at = l * LinkField.Stride;
      this.links[at + LinkField.Capacity] = linkCapacity[l];
      this.links[at + LinkField.SetupMs] = setupMs[l];
      this.links[at + LinkField.BusySetupMs] = busySetupMs[l] ?? 0;
    }
  }

  /** Bytes moved, per link. */
  get bytesMoved(): number[] {
    return this.perLink(LinkField.BytesMoved);
  }

  /** Time each link had at least one transfer flowing, ms. */
  get linkBusyTime(): number[] {
    return this.perLink(LinkField.BusyTime);
  }

  private perLink(field: LinkField): number[] {
    return Array.from({ length: this.linkCount }, (_, l) => this.links[l * LinkField.Stride + field]);
  }

  /** Transfers on a link that are in setup or flowing. */
  transfersOn(link: number): number {
    let n = 0;
    for (let f = 0; f < this.flowCount; f++) if (this.flows[f * FlowField.Stride + FlowField.Link] === link) n++;
    for (let s = 0; s < this.setupCount; s++) if (this.setups[s * SetupField.Stride + SetupField.Link] === link) n++;
    return n;
  }

  /** Bytes still to move on a link, over its transfers in setup or flowing. */
  bytesQueuedOn(link: number): number {
    this.advance(this.engine.now);
    let total = 0;
    for (let f = 0; f < this.flowCount; f++) {
      const at = f * FlowField.Stride;
      if (this.flows[at + FlowField.Link] === link) total += this.flows[at + FlowField.Remaining];
    }
    for (let s = 0; s < this.setupCount; s++) {
      const at = s * SetupField.Stride;
      if (this.setups[at + SetupField.Link] === link) total += this.setups[at + SetupField.Bytes];
    }
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
    const links = this.links;
    const l = link * LinkField.Stride;
    const setup = links[l + LinkField.SetupMs] + links[l + LinkField.BusySetupMs] * executing;
    if (setup > 0) {
      const end = this.engine.now + setup;
      const s = this.setupCount++;
      if ((s + 1) * SetupField.Stride > this.setups.length) this.setups = grown(this.setups);
      this.setupOwners[s] = owner;
      const at = s * SetupField.Stride;
      this.setups[at + SetupField.Link] = link;
      this.setups[at + SetupField.Bytes] = bytes;
      this.setups[at + SetupField.End] = end;
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
    if ((f + 1) * FlowField.Stride > this.flows.length) this.flows = grown(this.flows);
    this.owners[f] = owner;
    const at = f * FlowField.Stride;
    this.flows[at + FlowField.Link] = link;
    this.flows[at + FlowField.Remaining] = bytes;
  }

  private advance(now: number): void {
    const links = this.links;
    const dt = now - links[this.clockAt];
    links[this.clockAt] = now;
    const n = this.flowCount;
    if (dt <= 0 || n === 0) return;
    const linksEnd = this.clockAt;
    for (let at = 0; at < linksEnd; at += LinkField.Stride) links[at + LinkField.Busy] = 0;
    const flows = this.flows;
    const flowsEnd = n * FlowField.Stride;
    for (let at = 0; at < flowsEnd; at += FlowField.Stride) {
      const moved = flows[at + FlowField.Rate] * dt;
      flows[at + FlowField.Remaining] -= moved;
      const l = flows[at + FlowField.Link] * LinkField.Stride;
      links[l + LinkField.BytesMoved] += moved;
      links[l + LinkField.Busy] = 1;
    }
    for (let at = 0; at < linksEnd; at += LinkField.Stride) if (links[at + LinkField.Busy] === 1) links[at + LinkField.BusyTime] += dt;
  }

  private reschedule(): void {
    const now = this.engine.now;
    // Bring the flows up to now first: callers that only touch setups (start with a
    // setup, abort in setup) have not, and stale `remaining` would misplace the event.
    this.advance(now);
    let soonest = Infinity;
    const n = this.flowCount;
    if (n > 0) {
      const flows = this.flows;
      maxMinFairRates(flows, FlowField.Stride, n, this.links, LinkField.Stride, this.linkCount, this.uplinkCapacity);
      const flowsEnd = n * FlowField.Stride;
      for (let at = 0; at < flowsEnd; at += FlowField.Stride) {
        const t = now + Math.max(0, flows[at + FlowField.Remaining]) / flows[at + FlowField.Rate];
        if (t < soonest) soonest = t;
      }
    }
    const setups = this.setups;
    const setupsEnd = this.setupCount * SetupField.Stride;
    for (let at = 0; at < setupsEnd; at += SetupField.Stride) if (setups[at + SetupField.End] < soonest) soonest = setups[at + SetupField.End];
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
    const links = this.links;
    for (let f = 0; f < this.flowCount; ) {
      // Done when nothing is left, or so little that its completion time rounds to
      // `now`: the float residue of rate * time grows with the clock, and such a
      // flow, rescheduled, would fire at `now` again forever.
      const flows = this.flows;
      const at = f * FlowField.Stride;
      const left = flows[at + FlowField.Remaining];
      if (left <= BYTE_EPSILON || now + left / flows[at + FlowField.Rate] <= now) {
        if (done === 0) first = this.owners[f];
        else finished[done - 1] = this.owners[f] as T;
        done++;
        links[flows[at + FlowField.Link] * LinkField.Stride + LinkField.BytesMoved] += left; // book the float residue as moved
        this.removeFlow(f);
      } else {
        f++;
      }
    }
    // Transfers whose setup has ended start to flow (or finish, if empty).
    for (let s = 0; s < this.setupCount; ) {
      const setups = this.setups;
      const at = s * SetupField.Stride;
      if (setups[at + SetupField.End] <= now) {
        const owner = this.setupOwners[s] as T;
        const bytes = setups[at + SetupField.Bytes];
        if (bytes > 0) this.join(owner, setups[at + SetupField.Link], bytes);
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
      const flows = this.flows;
      const to = f * FlowField.Stride;
      const from = last * FlowField.Stride;
      flows[to + FlowField.Link] = flows[from + FlowField.Link];
      flows[to + FlowField.Remaining] = flows[from + FlowField.Remaining];
      flows[to + FlowField.Rate] = flows[from + FlowField.Rate];
    }
    this.owners[last] = undefined; // release the reference
  }

  private removeSetup(s: number): void {
    const last = --this.setupCount;
    if (s !== last) {
      this.setupOwners[s] = this.setupOwners[last];
      const setups = this.setups;
      const to = s * SetupField.Stride;
      const from = last * SetupField.Stride;
      setups[to + SetupField.Link] = setups[from + SetupField.Link];
      setups[to + SetupField.Bytes] = setups[from + SetupField.Bytes];
      setups[to + SetupField.End] = setups[from + SetupField.End];
    }
    this.setupOwners[last] = undefined;
  }
}

/** Index of `owner` among the first `count` slots, or -1. */
function slotOf<T>(owners: readonly (T | undefined)[], count: number, owner: T): number {
  for (let i = 0; i < count; i++) if (owners[i] === owner) return i;
  return -1;
}

/** `a` in an array twice its length. */
function grown(a: Float64Array): Float64Array {
  const bigger = new Float64Array(a.length * 2);
  bigger.set(a);
  return bigger;
}
