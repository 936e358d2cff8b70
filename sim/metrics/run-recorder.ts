import type { ClusterSpec } from '../cluster/cluster-spec.ts';
import { outcomeOf, type Request } from '../model/request.ts';
import { SoloEstimates } from '../predictor/solo-estimates.ts';
import type { RequestSink, SimulationResult } from '../simulator.ts';
import { RequestRecords } from './request-records.ts';
import { SummaryAccumulator, type Summary } from './summary.ts';

/**
 * The most requests records and summary are sized for up front; past it they grow. The
 * expected count can be a trace scenario's `requests`, far above what the trace holds,
 * and past 2^32 no typed array can be made at all.
 */
const RESERVE_MAX = 1 << 26;

export interface RecorderOptions {
  /** Pre-sizes the in-memory record columns when the run length is known. */
  readonly expectedRequests?: number;
  /**
   * Streams records out: called with the buffered records every `flushEvery`
   * requests (and once more by flush()); the buffer is then cleared. Without it,
   * every record stays in memory.
   */
  readonly onRecords?: (records: RequestRecords) => void;
  readonly flushEvery?: number;
  /** Names of the evaluated predictors: the policy's own first, then shadows. */
  readonly predictorNames?: readonly string[];
}

/**
 * Receives each request as it leaves the simulator: keeps its record (in memory, or
 * in batches handed to a writer); the summary is computed from the records, a staged
 * block at a time as it settles (shadow predictors' errors per request). The solo latency it stores
 * (uncontended transfers plus solo execution on the GPU that served it, or on GPU
 * 0's link when never served) is the slowdown's denominator.
 */
export class RunRecorder implements RequestSink {
  readonly records = new RequestRecords();
  private readonly summary: SummaryAccumulator;
  private readonly solo: SoloEstimates;
  private readonly flushEvery: number;

  constructor(
    cluster: ClusterSpec,
    private readonly options: RecorderOptions = {},
  ) {
    this.solo = new SoloEstimates(cluster);
    this.summary = new SummaryAccumulator(options.predictorNames);
    this.flushEvery = options.onRecords !== undefined ? (options.flushEvery ?? 65536) : Infinity;
    // Streaming holds at most one batch; a run known to be shorter needs only its length.
    const known = Math.min(options.expectedRequests ?? 0, RESERVE_MAX);
    const expected = options.onRecords !== undefined ? (known > 0 ? Math.min(known, this.flushEvery) : this.flushEvery) : known;
    if (expected > 0) this.records.reserve(expected);
    if (known > 0) this.summary.reserve(known);
    const summary = this.summary;
    this.records.onSettle((rows) => summary.addRows(rows));
  }

  record(request: Request): void {
    const gpu = request.gpu >= 0 ? request.gpu : 0;
    const solo = this.solo.totalMs(request, gpu);
    const outcome = outcomeOf(request);
    this.records.add(request, solo, outcome);
    this.summary.addShadows(request, outcome);
    if (this.records.length >= this.flushEvery) this.flush();
  }

  /** Hands buffered records to the writer (no-op when records stay in memory). */
  flush(): void {
    if (this.options.onRecords === undefined || this.records.length === 0) return;
    this.records.settle(); // the summary is fed as rows settle, whether or not the writer views them
    this.options.onRecords(this.records);
    this.records.clear();
  }

  summarize(result: SimulationResult): Summary {
    this.records.settle(); // rows still staged reach the summary
    return this.summary.finish(result);
  }
}
