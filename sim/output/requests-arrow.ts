import { Dictionary, Int32, Utf8, makeData, makeTable, makeVector, tableToIPC, vectorFromArray, type Table } from 'apache-arrow';
import { OUTCOMES, PRIORITY_CODES, type RequestRecords } from '../metrics/request-records.ts';

function dictionaryColumn(codes: Int32Array, values: readonly string[]) {
  const type = new Dictionary(new Utf8(), new Int32());
  return makeVector(makeData({ type, length: codes.length, data: codes, dictionary: vectorFromArray([...values], new Utf8()) }));
}

/**
 * Per-request records as an Arrow table, one row per request in the order requests
 * left the system. Times are ms of simulated time; NaN marks a stage never reached
 * (a dropped request has no transfer times).
 */
export function recordsToTable(records: RequestRecords): Table {
  const columns = {
    id: records.id.view(),
    arrival_ms: records.arrival.view(),
    model: dictionaryColumn(records.model.view(), records.models),
    batch: records.batch.view(),
    priority: dictionaryColumn(records.priority.view(), PRIORITY_CODES),
    deadline_ms: records.deadline.view(),
    outcome: dictionaryColumn(records.outcome.view(), OUTCOMES),
    gpu: records.gpu.view(),
    preemptions: records.preemptions.view(),
    dispatched_ms: records.dispatched.view(),
    transfer_in_start_ms: records.transferInStart.view(),
    transfer_in_end_ms: records.transferInEnd.view(),
    execution_start_ms: records.executionStart.view(),
    execution_end_ms: records.executionEnd.view(),
    transfer_out_start_ms: records.transferOutStart.view(),
    completed_ms: records.completed.view(),
    latency_ms: records.latency.view(),
    solo_latency_ms: records.soloLatency.view(),
    predicted_transfer_ms: records.predictedTransfer.view(),
    predicted_execution_ms: records.predictedExecution.view(),
    predicted_completion_ms: records.predictedCompletion.view(),
  };
  // makeTable's typings cannot express a mix of typed arrays and vectors.
  return makeTable(columns as unknown as Parameters<typeof makeTable>[0]) as unknown as Table;
}

export function recordsToArrowFile(records: RequestRecords): Uint8Array {
  return tableToIPC(recordsToTable(records), 'file');
}
