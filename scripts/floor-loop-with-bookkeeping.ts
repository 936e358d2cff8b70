/**
 * The floor loops of scripts/floor-loop.ts with strait's bookkeeping added: each request
 * leaves a record row and feeds the run summary (scripts/floor-bookkeeping.ts), as
 * strait's recorder does. `bench:floor --bookkeeping true` runs these. They are copies
 * of the two loops, not an option of them, so that the floor every earlier ratio was
 * measured against stays the same code (tried as an option, the never-taken branches
 * counted 2,045 instructions per request against 2,020: within the count's noise, but
 * the reference should not move at all).
 */
import type { FloorBookkeeping } from './floor-bookkeeping.ts';
import { IndexFifo, makeUniform, TypedEventHeap, type FloorResult, type MixClass, type MixOptions, type MmcOptions } from './floor-loop.ts';

/** Event kinds, as in floor-loop.ts (its own stay unexported, so that its code stays as it was). */
const ARRIVAL = 0;
const DONE = 1;

/** strait's M/M/c bench gives every request this relative deadline: all are met. */
const MMC_RELATIVE_DEADLINE_MS = 1e9;

/** floorMmc, each request recorded and summarised into `book` as it completes. */
export function floorMmcWithBookkeeping(o: MmcOptions, book: FloorBookkeeping): FloorResult {
  const started = performance.now();
  const uniform = makeUniform(o.seed);
  const exponential = (mean: number) => -mean * Math.log(1 - uniform());
  const arrival = new Float64Array(o.requests);
  const completion = new Float64Array(o.requests);
  const startedAt = new Float64Array(o.requests);
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
        startedAt[r] = now;
        heap.push(now + exponential(o.serviceMs), DONE, r);
      } else (isHigh[r] ? high : low).push(r);
    } else {
      completion[r] = now;
      recordMmc(book, r, now, arrival[r], startedAt[r], isHigh[r] === 1, o.serviceMs);
      const next = high.length > 0 ? high.shift() : low.length > 0 ? low.shift() : -1;
      if (next >= 0) {
        startedAt[next] = now;
        heap.push(now + exponential(o.serviceMs), DONE, next);
      } else idle++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  let latency = 0;
  for (let i = 0; i < o.requests; i++) latency += completion[i] - arrival[i];
  return { events, seconds, meanLatencyMs: latency / o.requests };
}

/**
 * One M/M/c request's row, as strait's records hold it: no transfers (zero bytes), the
 * solo predictor's answers (the mean service time), GPU 0 (the floor counts idle
 * servers, not which one; the store costs the same).
 */
function recordMmc(book: FloorBookkeeping, r: number, now: number, arrival: number, started: number, high: boolean, serviceMs: number): void {
  const row = book.row();
  const rows = book.rows;
  const deadline = arrival + MMC_RELATIVE_DEADLINE_MS;
  rows.id[row] = r;
  rows.model[row] = 0;
  rows.batch[row] = 1;
  rows.priority[row] = high ? 0 : 1;
  rows.outcome[row] = now <= deadline ? 0 : 1;
  rows.gpu[row] = 0;
  rows.preemptions[row] = 0;
  rows.arrival[row] = arrival;
  rows.deadline[row] = deadline;
  rows.dispatched[row] = started;
  rows.transferInStart[row] = started; // zero bytes: no time
  rows.transferInEnd[row] = started;
  rows.executionStart[row] = started;
  rows.executionEnd[row] = now;
  rows.transferOutStart[row] = now;
  rows.completed[row] = now;
  rows.latency[row] = now - arrival;
  rows.soloLatency[row] = serviceMs;
  rows.predictedTransfer[row] = 0;
  rows.predictedExecution[row] = serviceMs;
  rows.predictedCompletion[row] = started + serviceMs;
}

/** A mix class with what its records hold: its model's code, batch, class and deadline after arrival. */
export interface RecordedMixClass extends MixClass {
  readonly model: number;
  readonly batch: number;
  readonly high: boolean;
  readonly relativeDeadlineMs: number;
}

/**
 * floorMix, each request recorded and summarised into `book` as it completes, with the
 * solo predictor's answers (exact here but for the rounding of times).
 */
export function floorMixWithBookkeeping(o: MixOptions & { readonly classes: readonly RecordedMixClass[] }, book: FloorBookkeeping): FloorResult {
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
  const facts = mixFacts(o.classes);

  const arrival = new Float64Array(o.requests);
  const completion = new Float64Array(o.requests);
  const startedAt = new Float64Array(o.requests);
  const inputDoneAt = new Float64Array(o.requests);
  const executionDoneAt = new Float64Array(o.requests);
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
    startedAt[r] = now;
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
      const end = stageStart[classOf[r] + 1];
      if (s < end) {
        if (s === stageStart[classOf[r]] + 1) inputDoneAt[r] = now; // the input transfer ended
        if (s === end - 1) executionDoneAt[r] = now; // the last phase ended
        heap.push(now + stageMs[s], DONE, r);
        continue;
      }
      completion[r] = now;
      recordMix(book, facts, r, classOf[r], gpuOf[r], now, arrival[r], startedAt[r], inputDoneAt[r], executionDoneAt[r]);
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

/** Per mix class, what its records hold, in typed arrays (read per request). */
interface MixFacts {
  readonly model: Int32Array;
  readonly batch: Int32Array;
  readonly priority: Int32Array;
  readonly relativeDeadlineMs: Float64Array;
  /** The solo predictor's answers: input plus output transfer, and the phases. */
  readonly transferMs: Float64Array;
  readonly executionMs: Float64Array;
}

function mixFacts(classes: readonly RecordedMixClass[]): MixFacts {
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    model: Int32Array.from(classes, (c) => c.model),
    batch: Int32Array.from(classes, (c) => c.batch),
    priority: Int32Array.from(classes, (c) => (c.high ? 0 : 1)),
    relativeDeadlineMs: Float64Array.from(classes, (c) => c.relativeDeadlineMs),
    transferMs: Float64Array.from(classes, (c) => c.stagesMs[0] + c.stagesMs[c.stagesMs.length - 1]),
    executionMs: Float64Array.from(classes, (c) => sum(c.stagesMs.slice(1, -1))),
  };
}

/** One mix request's row, as strait's records hold it (no preemption in the floor). */
function recordMix(book: FloorBookkeeping, facts: MixFacts, r: number, c: number, gpu: number, now: number, arrival: number, started: number, inputDone: number, executionDone: number): void {
  const row = book.row();
  const rows = book.rows;
  const deadline = arrival + facts.relativeDeadlineMs[c];
  const transferMs = facts.transferMs[c];
  const executionMs = facts.executionMs[c];
  rows.id[row] = r;
  rows.model[row] = facts.model[c];
  rows.batch[row] = facts.batch[c];
  rows.priority[row] = facts.priority[c];
  rows.outcome[row] = now <= deadline ? 0 : 1;
  rows.gpu[row] = gpu;
  rows.preemptions[row] = 0;
  rows.arrival[row] = arrival;
  rows.deadline[row] = deadline;
  rows.dispatched[row] = started;
  rows.transferInStart[row] = started;
  rows.transferInEnd[row] = inputDone;
  rows.executionStart[row] = inputDone;
  rows.executionEnd[row] = executionDone;
  rows.transferOutStart[row] = executionDone;
  rows.completed[row] = now;
  rows.latency[row] = now - arrival;
  rows.soloLatency[row] = transferMs + executionMs;
  rows.predictedTransfer[row] = transferMs;
  rows.predictedExecution[row] = executionMs;
  rows.predictedCompletion[row] = started + transferMs + executionMs;
}
