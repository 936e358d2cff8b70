/**
 * The floor: the least a JavaScript discrete-event loop can do per event. One binary
 * heap of (time, seq) in typed arrays, events as small integers (no closures, no
 * objects per request), a cheap inline PRNG. What strait's events per second are
 * measured against (scripts/bench-floor.ts).
 */

/** Event kinds of the floor models. */
const ARRIVAL = 0;
const DONE = 1; // M/M/c: service done; mix: one stage (transfer or phase) done

/** A binary min-heap on (time, seq) with an integer payload per entry, in typed arrays. */
export class TypedEventHeap {
  private time: Float64Array;
  private seq: Float64Array;
  private kind: Int32Array;
  private data: Int32Array;
  private size = 0;
  private nextSeq = 0;

  constructor(capacity: number) {
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.kind = new Int32Array(capacity);
    this.data = new Int32Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(time: number, kind: number, data: number): void {
    if (this.size === this.time.length) this.grow();
    const seq = this.nextSeq++;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = this.time[parent];
      if (pt < time || (pt === time && this.seq[parent] < seq)) break;
      this.move(parent, i);
      i = parent;
    }
    this.time[i] = time;
    this.seq[i] = seq;
    this.kind[i] = kind;
    this.data[i] = data;
  }

  /** Removes the first entry; read it with topTime/topKind/topData before. */
  pop(): void {
    const last = --this.size;
    const time = this.time[last];
    const seq = this.seq[last];
    const kind = this.kind[last];
    const data = this.data[last];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      const right = child + 1;
      if (right < last && (this.time[right] < this.time[child] || (this.time[right] === this.time[child] && this.seq[right] < this.seq[child]))) child = right;
      if (time < this.time[child] || (time === this.time[child] && seq < this.seq[child])) break;
      this.move(child, i);
      i = child;
    }
    this.time[i] = time;
    this.seq[i] = seq;
    this.kind[i] = kind;
    this.data[i] = data;
  }

  topTime(): number {
    return this.time[0];
  }
  topKind(): number {
    return this.kind[0];
  }
  topData(): number {
    return this.data[0];
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from];
    this.seq[to] = this.seq[from];
    this.kind[to] = this.kind[from];
    this.data[to] = this.data[from];
  }

  private grow(): void {
    const n = this.time.length * 2;
    const grown = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.time = grown(this.time, (k) => new Float64Array(k));
    this.seq = grown(this.seq, (k) => new Float64Array(k));
    this.kind = grown(this.kind, (k) => new Int32Array(k));
    this.data = grown(this.data, (k) => new Int32Array(k));
  }
}

/** mulberry32: a 32-bit PRNG in a few integer operations (the floor's randomness). */
export function makeUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A FIFO of request indices in a typed ring (capacity: every request of the run). */
export class IndexFifo {
  private readonly items: Int32Array;
  private head = 0;
  private tail = 0;
  constructor(capacity: number) {
    this.items = new Int32Array(capacity);
  }
  get length(): number {
    return this.tail - this.head;
  }
  push(i: number): void {
    this.items[this.tail++] = i;
  }
  shift(): number {
    return this.items[this.head++];
  }
}

export interface FloorResult {
  readonly events: number;
  readonly seconds: number;
  readonly meanLatencyMs: number;
}

export interface MmcOptions {
  readonly requests: number;
  readonly servers: number;
  /** Utilization: arrival rate / (servers * service rate). */
  readonly rho: number;
  /** Share of requests in the high class. */
  readonly highShare: number;
  readonly serviceMs: number;
  readonly seed: number;
}

/**
 * M/M/c with two classes under static priority (high first, FIFO within a class, no
 * preemption): two events per request (arrival, service done). The completion time
 * of every request is recorded, as strait's records are.
 */
export function floorMmc(o: MmcOptions): FloorResult {
  const started = performance.now();
  const uniform = makeUniform(o.seed);
  const exponential = (mean: number) => -mean * Math.log(1 - uniform());
  const arrival = new Float64Array(o.requests);
  const completion = new Float64Array(o.requests);
  const high = new IndexFifo(o.requests);
  const low = new IndexFifo(o.requests);
  const heap = new TypedEventHeap(o.servers + 2);
  const meanGap = o.serviceMs / (o.rho * o.servers);
  let idle = o.servers;
  let arrived = 0;
  let events = 0;
  const isHigh = new Uint8Array(o.requests);
  heap.push(exponential(meanGap), ARRIVAL, 0);
  while (heap.length > 0) {
    const now = heap.topTime();
    const kind = heap.topKind();
    const r = heap.topData();
    heap.pop();
    events++;
    if (kind === ARRIVAL) {
      arrival[r] = now;
      isHigh[r] = uniform() < o.highShare ? 1 : 0;
      if (++arrived < o.requests) heap.push(now + exponential(meanGap), ARRIVAL, r + 1);
      if (idle > 0) {
        idle--;
        heap.push(now + exponential(o.serviceMs), DONE, r);
      } else (isHigh[r] ? high : low).push(r);
    } else {
      completion[r] = now;
      const next = high.length > 0 ? high.shift() : low.length > 0 ? low.shift() : -1;
      if (next >= 0) heap.push(now + exponential(o.serviceMs), DONE, next);
      else idle++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  let latency = 0;
  for (let i = 0; i < o.requests; i++) latency += completion[i] - arrival[i];
  return { events, seconds, meanLatencyMs: latency / o.requests };
}

/** One request class of the mix: its stages' durations at one batch size. */
export interface MixClass {
  readonly weight: number;
  /** Stage durations in order: input transfer, each kernel phase, output transfer. */
  readonly stagesMs: readonly number[];
}

export interface MixOptions {
  readonly requests: number;
  readonly gpus: number;
  readonly slotsPerGpu: number;
  /** Arrivals per ms. */
  readonly rate: number;
  readonly classes: readonly MixClass[];
  readonly seed: number;
}

/**
 * The bench mix as a minimal loop: Poisson arrivals drawn among classes by weight,
 * one central FIFO, late binding to the GPU with the most free slots (lowest index on
 * ties), and each request's stages (input transfer, kernel phases, output transfer)
 * as one event each at its solo duration. Not modelled: sharing (fluid rates, PCIe
 * processor sharing, interference), so no event is ever rescheduled, and no
 * predictor or per-request record beyond the completion time.
 */
export function floorMix(o: MixOptions): FloorResult {
  const started = performance.now();
  const uniform = makeUniform(o.seed);
  const exponential = (mean: number) => -mean * Math.log(1 - uniform());
  const classCount = o.classes.length;
  const totalWeight = o.classes.reduce((s, c) => s + c.weight, 0);
  const cumulative = new Float64Array(classCount);
  let acc = 0;
  for (let c = 0; c < classCount; c++) cumulative[c] = acc += o.classes[c].weight / totalWeight;
  const stageStart = new Int32Array(classCount + 1);
  for (let c = 0; c < classCount; c++) stageStart[c + 1] = stageStart[c] + o.classes[c].stagesMs.length;
  const stageMs = Float64Array.from(o.classes.flatMap((c) => c.stagesMs));

  const arrival = new Float64Array(o.requests);
  const completion = new Float64Array(o.requests);
  const classOf = new Int32Array(o.requests);
  const stage = new Int32Array(o.requests);
  const gpuOf = new Int32Array(o.requests);
  const free = new Int32Array(o.gpus).fill(o.slotsPerGpu);
  let freeTotal = o.gpus * o.slotsPerGpu;
  const waiting = new IndexFifo(o.requests);
  const heap = new TypedEventHeap(o.gpus * o.slotsPerGpu + 2);
  const meanGap = 1 / o.rate;
  let arrived = 0;
  let events = 0;

  const start = (r: number, now: number) => {
    let target = 0;
    for (let g = 1; g < o.gpus; g++) if (free[g] > free[target]) target = g;
    free[target]--;
    freeTotal--;
    gpuOf[r] = target;
    stage[r] = stageStart[classOf[r]];
    heap.push(now + stageMs[stage[r]], DONE, r);
  };

  heap.push(exponential(meanGap), ARRIVAL, 0);
  while (heap.length > 0) {
    const now = heap.topTime();
    const kind = heap.topKind();
    const r = heap.topData();
    heap.pop();
    events++;
    if (kind === ARRIVAL) {
      arrival[r] = now;
      const u = uniform();
      let c = 0;
      while (c < classCount - 1 && u >= cumulative[c]) c++;
      classOf[r] = c;
      if (++arrived < o.requests) heap.push(now + exponential(meanGap), ARRIVAL, r + 1);
      if (freeTotal > 0) start(r, now);
      else waiting.push(r);
    } else {
      const s = ++stage[r];
      if (s < stageStart[classOf[r] + 1]) {
        heap.push(now + stageMs[s], DONE, r);
        continue;
      }
      completion[r] = now;
      free[gpuOf[r]]++;
      freeTotal++;
      if (waiting.length > 0) start(waiting.shift(), now);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  let latency = 0;
  for (let i = 0; i < o.requests; i++) latency += completion[i] - arrival[i];
  return { events, seconds, meanLatencyMs: latency / o.requests };
}
