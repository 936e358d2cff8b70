/**
 * strait's per-request bookkeeping done the least costly way a JavaScript loop can:
 * the floor's side of `bench:floor --bookkeeping true`. strait's recorder keeps a row of
 * 7 integer and 14 float columns per request (sim/metrics/request-records.ts) and a
 * summary computed from those rows a block at a time (sim/metrics/summary.ts): per class
 * the outcome counts, every latency and the slowdown sum; the predictor's execution and
 * transfer errors (mean, and 95th percentiles from log histograms); the execution error
 * over completion time. The minimal loop (scripts/floor-loop.ts) keeps none of it, so
 * its ratio prices strait's bookkeeping as overhead. Here the loop writes each row
 * straight into a staged block of typed columns (no object, no call per value), and each
 * full block is summarised in one loop and copied into batch columns that are dropped
 * when full, as `strait run` hands its batches to the Arrow writer. The histograms are
 * strait's own LogHistogram: the same answer needs the same work.
 */
import { LogHistogram } from '../sim/metrics/log-histogram.ts';
import { STAGED_FLOAT_COLUMNS, STAGED_INT_COLUMNS, STAGED_ROWS } from '../sim/metrics/request-records.ts';

/** Rows staged before a block is summarised and copied, as strait stages them. */
export const BLOCK = STAGED_ROWS;
/** Rows per batch of columns, dropped when full (strait's recorder flushes every 65,536). */
const BATCH = 65536;
const INT_COLUMNS = STAGED_INT_COLUMNS.length;
const FLOAT_COLUMNS = STAGED_FLOAT_COLUMNS.length;

/** Where column `name`'s rows start in a block: strait's staged layout (column c's row r at c * BLOCK + r). */
const intAt = (name: (typeof STAGED_INT_COLUMNS)[number]) => BLOCK * STAGED_INT_COLUMNS.indexOf(name);
const floatAt = (name: (typeof STAGED_FLOAT_COLUMNS)[number]) => BLOCK * STAGED_FLOAT_COLUMNS.indexOf(name);
export const ID_COL = intAt('id');
export const MODEL_COL = intAt('model');
export const BATCH_SIZE_COL = intAt('batch');
export const PRIORITY_COL = intAt('priority');
export const OUTCOME_COL = intAt('outcome');
export const GPU_COL = intAt('gpu');
export const PREEMPTIONS_COL = intAt('preemptions');
export const ARRIVAL_COL = floatAt('arrival');
export const DEADLINE_COL = floatAt('deadline');
export const DISPATCHED_COL = floatAt('dispatched');
export const TRANSFER_IN_START_COL = floatAt('transferInStart');
export const TRANSFER_IN_END_COL = floatAt('transferInEnd');
export const EXECUTION_START_COL = floatAt('executionStart');
export const EXECUTION_END_COL = floatAt('executionEnd');
export const TRANSFER_OUT_START_COL = floatAt('transferOutStart');
export const COMPLETED_COL = floatAt('completed');
export const LATENCY_COL = floatAt('latency');
export const SOLO_LATENCY_COL = floatAt('soloLatency');
export const PREDICTED_TRANSFER_COL = floatAt('predictedTransfer');
export const PREDICTED_EXECUTION_COL = floatAt('predictedExecution');
export const PREDICTED_COMPLETION_COL = floatAt('predictedCompletion');
/** Windows of the execution error over time; past it, neighbours merge (strait's ErrorOverTime). */
const MAX_WINDOWS = 40;

/** Errors of one predicted quantity: mean and two log histograms (strait's ErrorTally). */
class FloorErrors {
  readonly abs = new LogHistogram();
  readonly pct = new LogHistogram();
  pctSum = 0;
  samples = 0;
}

export class FloorBookkeeping {
  /** The block being written: the loop stores row `row` of each column, then calls commit(). */
  readonly ints = new Int32Array(BLOCK * INT_COLUMNS);
  readonly floats = new Float64Array(BLOCK * FLOAT_COLUMNS);
  row = 0;

  private readonly batchInts = Array.from({ length: INT_COLUMNS }, () => new Int32Array(BATCH));
  private readonly batchFloats = Array.from({ length: FLOAT_COLUMNS }, () => new Float64Array(BATCH));
  private batchRows = 0;

  private readonly met = new Float64Array(2);
  private readonly late = new Float64Array(2);
  private readonly unserved = new Float64Array(2);
  private readonly slowdownSum = new Float64Array(2);
  /** Every latency per class (sorted at the end for exact quantiles, as strait's summary). */
  private readonly latencies: Float64Array[];
  private readonly latencyCount = new Int32Array(2);
  private readonly execution = new FloorErrors();
  private readonly transfer = new FloorErrors();
  private readonly errors = new Float64Array(BLOCK);
  private readonly pcts = new Float64Array(BLOCK);
  private windowSums: number[] = [];
  private windowCounts: number[] = [];
  private windowWidth = 100;

  /** `requests`: the run's length, which sizes the latency arrays (strait reserves them the same way). */
  constructor(requests: number) {
    this.latencies = [new Float64Array(requests), new Float64Array(requests)];
  }

  /** The row just written is complete. */
  commit(): void {
    if (++this.row === BLOCK) this.settle();
  }

  /** Summarises the staged rows and moves them into the batch columns. */
  settle(): void {
    const n = this.row;
    if (n === 0) return;
    this.summarise(n);
    if (this.batchRows + n > BATCH) this.batchRows = 0; // the batch went to the writer: dropped
    const base = this.batchRows;
    for (let c = 0; c < INT_COLUMNS; c++) this.batchInts[c].set(this.ints.subarray(c * BLOCK, c * BLOCK + n), base);
    for (let c = 0; c < FLOAT_COLUMNS; c++) this.batchFloats[c].set(this.floats.subarray(c * BLOCK, c * BLOCK + n), base);
    this.batchRows = base + n;
    this.row = 0;
  }

  private summarise(n: number): void {
    const ints = this.ints;
    const floats = this.floats;
    this.tallyClasses(ints, floats, n);
    // Execution errors, and the same errors by completion time. As in strait, only served
    // requests never preempted count, with a prediction and a time observed.
    let m = 0;
    for (let r = 0; r < n; r++) {
      if (ints[OUTCOME_COL + r] > 1 || ints[PREEMPTIONS_COL + r] !== 0) continue;
      const predicted = floats[PREDICTED_EXECUTION_COL + r];
      const observed = floats[EXECUTION_END_COL + r] - floats[EXECUTION_START_COL + r];
      if (!(observed > 0) || predicted !== predicted) continue;
      const error = Math.abs(predicted - observed);
      const pct = (100 * error) / observed;
      this.errors[m] = error;
      this.pcts[m++] = pct;
      this.execution.pctSum += pct;
      const done = floats[COMPLETED_COL + r];
      let bin = Math.floor(done / this.windowWidth);
      if (bin >= this.windowSums.length) bin = this.windowFor(done); // rare: no number crosses a call per row
      this.windowSums[bin] += pct;
      this.windowCounts[bin]++;
    }
    this.execution.samples += m;
    this.execution.abs.addAll(this.errors, m);
    this.execution.pct.addAll(this.pcts, m);
    // Transfer errors: both transfers observed against the one prediction.
    m = 0;
    for (let r = 0; r < n; r++) {
      if (ints[OUTCOME_COL + r] > 1 || ints[PREEMPTIONS_COL + r] !== 0) continue;
      const predicted = floats[PREDICTED_TRANSFER_COL + r];
      const done = floats[COMPLETED_COL + r];
      const observed = floats[TRANSFER_IN_END_COL + r] - floats[TRANSFER_IN_START_COL + r] + (done - floats[TRANSFER_OUT_START_COL + r]);
      if (!(observed > 0) || predicted !== predicted) continue;
      const error = Math.abs(predicted - observed);
      const pct = (100 * error) / observed;
      this.errors[m] = error;
      this.pcts[m++] = pct;
      this.transfer.pctSum += pct;
    }
    this.transfer.samples += m;
    this.transfer.abs.addAll(this.errors, m);
    this.transfer.pct.addAll(this.pcts, m);
  }

  private tallyClasses(ints: Int32Array, floats: Float64Array, n: number): void {
    for (let r = 0; r < n; r++) {
      const cls = ints[PRIORITY_COL + r];
      const outcome = ints[OUTCOME_COL + r];
      if (outcome === 0) this.met[cls]++;
      else if (outcome === 1) this.late[cls]++;
      else {
        this.unserved[cls]++; // dropped, rejected or unserved: no latency (the floor has none)
        continue;
      }
      const latency = floats[LATENCY_COL + r];
      this.latencies[cls][this.latencyCount[cls]++] = latency;
      this.slowdownSum[cls] += latency / floats[SOLO_LATENCY_COL + r];
    }
  }

  /** The window of a completion time past the last one: merges windows while there would be too many, then adds empty ones. */
  private windowFor(timeMs: number): number {
    let bin = Math.floor(timeMs / this.windowWidth);
    while (bin >= MAX_WINDOWS) {
      const sums: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < this.windowSums.length; i += 2) {
        sums.push(this.windowSums[i] + (this.windowSums[i + 1] ?? 0));
        counts.push(this.windowCounts[i] + (this.windowCounts[i + 1] ?? 0));
      }
      this.windowSums = sums;
      this.windowCounts = counts;
      this.windowWidth *= 2;
      bin = Math.floor(timeMs / this.windowWidth);
    }
    while (this.windowSums.length <= bin) {
      this.windowSums.push(0);
      this.windowCounts.push(0);
    }
    return bin;
  }

  /** Settles what is staged and returns the summary's figures (outside the timed loop, as strait's summary is). */
  finish(): FloorSummary {
    this.settle();
    const errors = (e: FloorErrors): FloorErrorStats => ({
      samples: e.samples,
      mape: e.samples > 0 ? e.pctSum / e.samples : NaN,
      p95AbsPctError: e.pct.quantile(0.95),
      p95AbsErrorMs: e.abs.quantile(0.95),
    });
    return {
      met: [this.met[0], this.met[1]],
      late: [this.late[0], this.late[1]],
      notServed: [this.unserved[0], this.unserved[1]],
      meanSlowdown: [0, 1].map((c) => (this.latencyCount[c] > 0 ? this.slowdownSum[c] / this.latencyCount[c] : NaN)),
      execution: errors(this.execution),
      transfer: errors(this.transfer),
      executionOverTime: this.windowSums.map((sum, i) => (this.windowCounts[i] > 0 ? sum / this.windowCounts[i] : NaN)),
    };
  }
}

export interface FloorErrorStats {
  readonly samples: number;
  readonly mape: number;
  readonly p95AbsPctError: number;
  readonly p95AbsErrorMs: number;
}

/** The figures strait's summary gives for the same rows (per class: index 0 high, 1 low). */
export interface FloorSummary {
  readonly met: readonly number[];
  readonly late: readonly number[];
  /** Dropped, rejected or unserved. */
  readonly notServed: readonly number[];
  readonly meanSlowdown: readonly number[];
  readonly execution: FloorErrorStats;
  readonly transfer: FloorErrorStats;
  /** Mean absolute percentage error per window of completion time (NaN for an empty window). */
  readonly executionOverTime: readonly number[];
}
