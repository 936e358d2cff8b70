/**
 * strait's per-request bookkeeping with the least a JavaScript loop adds to it: the
 * floor's side of `bench:floor --bookkeeping true`. strait's recorder keeps a row of 7
 * integer and 14 float columns per request (sim/metrics/request-records.ts) and computes
 * the run summary from those rows a staged block at a time (SummaryAccumulator.addRows).
 * The minimal loop (scripts/floor-loop.ts) keeps none of it, so its ratio prices
 * strait's bookkeeping as overhead. Here the loop writes each row straight into strait's
 * own RequestRecords' staged block (no Request, no call per value: RequestRecords.stageRow
 * and the views), and each full block goes to strait's own SummaryAccumulator as it
 * settles into the record columns, which are dropped when a batch is full, as `strait
 * run` hands its batches to the Arrow writer. The records and summary are strait's code,
 * not copies: a hand-written summary (fused loops, no staging copies) cost the floor
 * more, 203-205 ns per request against 151-166 on M/M/8 (alternated, 8 pairs, twice).
 */
import { RequestRecords, type StagedRows } from '../sim/metrics/request-records.ts';
import { SummaryAccumulator, type Summary } from '../sim/metrics/summary.ts';
import type { SimulationResult } from '../sim/simulator.ts';

/** Rows per batch of columns, dropped when full (strait's recorder flushes every 65,536). */
const BATCH = 65536;

export class FloorBookkeeping {
  /** strait's own records: staged a block at a time, each block summarised as it settles. */
  private readonly records = new RequestRecords();
  private readonly summary = new SummaryAccumulator();

  /** `requests`: the run's length, which sizes the summary's latencies (as strait's recorder does). */
  constructor(requests: number) {
    this.summary.reserve(requests);
    this.records.reserve(BATCH);
    const summary = this.summary;
    this.records.onSettle((rows) => summary.addRows(rows));
  }

  /** The staged block, in strait's layout: the loop writes row row() of each view. */
  get rows(): StagedRows {
    return this.records.stagedRows;
  }

  /**
   * The index of the next row to write in `rows`. A full batch is dropped first, as
   * RunRecorder.flush hands it to the writer and clears it.
   */
  row(): number {
    if (this.records.length >= BATCH) this.records.clear();
    return this.records.stageRow();
  }

  /** Settles what is staged and returns the run summary (outside the timed loop, as strait's is). */
  finish(result: SimulationResult): Summary {
    this.records.settle();
    return this.summary.finish(result);
  }
}
