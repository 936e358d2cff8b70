/**
 * strait's per-request bookkeeping with the least a JavaScript loop adds to it: the
 * floor's side of `bench:floor --bookkeeping true`. strait's recorder keeps a row of 7
 * integer and 14 float columns per request (sim/metrics/request-records.ts) and computes
 * the run summary from those rows a staged block at a time (SummaryAccumulator.addRows).
 * The minimal loop (scripts/floor-loop.ts) keeps none of it, so its ratio prices
 * strait's bookkeeping as overhead. Here the loop writes each row straight into a staged
 * block in strait's layout (no Request, no call per value), and each full block goes to
 * strait's own SummaryAccumulator and is copied into batch columns that are dropped when
 * full, as `strait run` hands its batches to the Arrow writer. The summary is strait's
 * code, not a copy: a hand-written one (fused loops, no staging copies) cost the floor
 * more, 203-205 ns per request against 151-166 on M/M/8 (alternated, 8 pairs, twice).
 */
import { STAGED_FLOAT_COLUMNS, STAGED_INT_COLUMNS, STAGED_ROWS } from '../sim/metrics/request-records.ts';
import { SummaryAccumulator, type Summary } from '../sim/metrics/summary.ts';
import type { SimulationResult } from '../sim/simulator.ts';

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

export class FloorBookkeeping {
  /** The block being written: the loop stores row `row` of each column, then calls commit(). */
  readonly ints = new Int32Array(BLOCK * INT_COLUMNS);
  readonly floats = new Float64Array(BLOCK * FLOAT_COLUMNS);
  row = 0;

  private readonly batchInts = Array.from({ length: INT_COLUMNS }, () => new Int32Array(BATCH));
  private readonly batchFloats = Array.from({ length: FLOAT_COLUMNS }, () => new Float64Array(BATCH));
  private batchRows = 0;
  private readonly summary = new SummaryAccumulator();
  /** What addRows is handed: the staged block and its row count. */
  private readonly staged = { ints: this.ints, floats: this.floats, count: 0 };

  /** `requests`: the run's length, which sizes the summary's latencies (as strait's recorder does). */
  constructor(requests: number) {
    this.summary.reserve(requests);
  }

  /** The row just written is complete. */
  commit(): void {
    if (++this.row === BLOCK) this.settle();
  }

  /** Summarises the staged rows and moves them into the batch columns. */
  settle(): void {
    const n = this.row;
    if (n === 0) return;
    this.staged.count = n;
    this.summary.addRows(this.staged);
    if (this.batchRows + n > BATCH) this.batchRows = 0; // the batch went to the writer: dropped
    const base = this.batchRows;
    for (let c = 0; c < INT_COLUMNS; c++) this.batchInts[c].set(this.ints.subarray(c * BLOCK, c * BLOCK + n), base);
    for (let c = 0; c < FLOAT_COLUMNS; c++) this.batchFloats[c].set(this.floats.subarray(c * BLOCK, c * BLOCK + n), base);
    this.batchRows = base + n;
    this.row = 0;
  }

  /** Settles what is staged and returns the run summary (outside the timed loop, as strait's is). */
  finish(result: SimulationResult): Summary {
    this.settle();
    return this.summary.finish(result);
  }
}
