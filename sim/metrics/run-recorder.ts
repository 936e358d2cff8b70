import type { ClusterSpec } from '../cluster/cluster-spec.ts';
import type { Request } from '../model/request.ts';
import { SoloEstimates } from '../predictor/solo-estimates.ts';
import type { RequestSink } from '../simulator.ts';
import { RequestRecords } from './request-records.ts';

/**
 * Receives each request as it leaves the simulator and keeps its record. The solo
 * latency it stores (uncontended transfers plus solo execution on the GPU that
 * served it, or on GPU 0's link when never served) is the slowdown's denominator.
 */
export class RunRecorder implements RequestSink {
  readonly records = new RequestRecords();
  private readonly solo: SoloEstimates;

  /** `expectedRequests` pre-sizes the record columns when the run length is known. */
  constructor(cluster: ClusterSpec, expectedRequests = 0) {
    this.solo = new SoloEstimates(cluster);
    if (expectedRequests > 0) this.records.reserve(expectedRequests);
  }

  record(request: Request): void {
    const gpu = request.gpu >= 0 ? request.gpu : 0;
    this.records.add(request, this.solo.totalMs(request, gpu));
  }
}
