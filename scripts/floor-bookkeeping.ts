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
import { STAGED_FLOAT_COLUMNS, STAGED_INT_COLUMNS, STAGED_ROWS, StagedRows } from '../sim/metrics/request-records.ts';
import { SummaryAccumulator, type Summary } from '../sim/metrics/summary.ts';
import type { SimulationResult } from '../sim/simulator.ts';

/** Rows staged before a block is summarised and copied, as strait stages them. */
export const BLOCK = STAGED_ROWS;
/** Rows per batch of columns, dropped when full (strait's recorder flushes every 65,536). */
const BATCH = 65536;
const INT_COLUMNS = STAGED_INT_COLUMNS.length;
const FLOAT_COLUMNS = STAGED_FLOAT_COLUMNS.length;

export class FloorBookkeeping {
  /** The block being written, in strait's staged layout: the loop stores row `rows.count` of each column, then calls commit(). */
  readonly rows = new StagedRows();

  private readonly batchInts = Array.from({ length: INT_COLUMNS }, () => new Int32Array(BATCH));
  private readonly batchFloats = Array.from({ length: FLOAT_COLUMNS }, () => new Float64Array(BATCH));
  private batchRows = 0;
  private readonly summary = new SummaryAccumulator();

  /** `requests`: the run's length, which sizes the summary's latencies (as strait's recorder does). */
  constructor(requests: number) {
    this.summary.reserve(requests);
  }

  /** The row just written is complete. */
  commit(): void {
    if (++this.rows.count === BLOCK) this.settle();
  }

  /** Summarises the staged rows and moves them into the batch columns. */
  settle(): void {
    const rows = this.rows;
    const n = rows.count;
    if (n === 0) return;
    this.summary.addRows(rows);
    if (this.batchRows + n > BATCH) this.batchRows = 0; // the batch went to the writer: dropped
    const base = this.batchRows;
    for (let c = 0; c < INT_COLUMNS; c++) this.batchInts[c].set(rows.intViews[c].subarray(0, n), base);
    for (let c = 0; c < FLOAT_COLUMNS; c++) this.batchFloats[c].set(rows.floatViews[c].subarray(0, n), base);
    this.batchRows = base + n;
    rows.count = 0;
  }

  /** Settles what is staged and returns the run summary (outside the timed loop, as strait's is). */
  finish(result: SimulationResult): Summary {
    this.settle();
    return this.summary.finish(result);
  }
}
