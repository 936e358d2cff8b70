import { open } from 'node:fs/promises';
import { RecordBatchReader, type RecordBatch, type Vector } from 'apache-arrow';
import { InputError } from '../../sim/core/errors.ts';

/** The columns of requests.arrow that the reports use, for one record batch. */
export interface RequestBatch {
  readonly length: number;
  /** 0 = high, 1 = low, 2 = anything else. */
  readonly priority: Uint8Array;
  /** 1 when the request completed (outcome met or late). */
  readonly completed: Uint8Array;
  readonly latencyMs: Float64Array;
  readonly gpu: Int32Array;
  readonly executionStartMs: Float64Array;
  readonly executionEndMs: Float64Array;
  readonly predictedExecutionMs: Float64Array;
  readonly preemptions: Int32Array;
}

export const HIGH = 0;
export const LOW = 1;

function column(file: string, batch: RecordBatch, index: number, name: string): Vector {
  const child = batch.getChild(name);
  if (child === null) throw new InputError(`${file}: record batch ${index}: missing column ${name} (is this a strait run's requests.arrow?)`);
  return child;
}

function floats(vector: Vector): Float64Array {
  const values = vector.toArray() as unknown;
  return values instanceof Float64Array ? values : Float64Array.from(values as ArrayLike<number>);
}

function ints(vector: Vector): Int32Array {
  const values = vector.toArray() as unknown;
  return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
}

/** Per row, the code of its label in `labels` (or labels.length when absent), via the dictionary. */
function codes(vector: Vector, labels: readonly string[]): Uint8Array {
  const out = new Uint8Array(vector.length);
  let offset = 0;
  for (const data of vector.data) {
    const dictionary = data.dictionary;
    if (dictionary === undefined) {
      for (let i = 0; i < data.length; i++) {
        const index = labels.indexOf(String(vector.get(offset + i)));
        out[offset + i] = index < 0 ? labels.length : index;
      }
    } else {
      const map = [...dictionary].map((label) => {
        const index = labels.indexOf(String(label));
        return index < 0 ? labels.length : index;
      });
      const indices = data.values as ArrayLike<number>;
      for (let i = 0; i < data.length; i++) out[offset + i] = map[indices[i]] ?? labels.length;
    }
    offset += data.length;
  }
  return out;
}

const COMPLETED = ['met', 'late'];

/**
 * Reads requests.arrow one record batch at a time (through a file handle, so memory
 * stays flat however long the run) and hands each batch's columns to `visit`.
 * Returns the number of rows. A missing column or an unreadable file is an InputError.
 */
export async function scanRequests(file: string, visit: (batch: RequestBatch) => void): Promise<number> {
  const handle = await open(file, 'r');
  let rows = 0;
  let index = 0;
  try {
    let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>;
    try {
      reader = await RecordBatchReader.from(handle);
      await reader.open();
    } catch (error) {
      throw new InputError(`${file}: not a readable Arrow IPC file (${(error as Error).message})`);
    }
    const batches = reader[Symbol.asyncIterator]();
    for (;;) {
      let step: IteratorResult<RecordBatch>;
      try {
        step = await batches.next();
      } catch (error) {
        throw new InputError(`${file}: record batch ${index}: truncated or corrupt Arrow data (${(error as Error).message})`);
      }
      if (step.done) break;
      const batch = step.value;
      const outcome = codes(column(file, batch, index, 'outcome'), COMPLETED);
      const completed = new Uint8Array(batch.numRows);
      for (let i = 0; i < completed.length; i++) completed[i] = outcome[i] < COMPLETED.length ? 1 : 0;
      visit({
        length: batch.numRows,
        priority: codes(column(file, batch, index, 'priority'), ['high', 'low']),
        completed,
        latencyMs: floats(column(file, batch, index, 'latency_ms')),
        gpu: ints(column(file, batch, index, 'gpu')),
        executionStartMs: floats(column(file, batch, index, 'execution_start_ms')),
        executionEndMs: floats(column(file, batch, index, 'execution_end_ms')),
        predictedExecutionMs: floats(column(file, batch, index, 'predicted_execution_ms')),
        preemptions: ints(column(file, batch, index, 'preemptions')),
      });
      rows += batch.numRows;
      index++;
    }
  } finally {
    await handle.close();
  }
  return rows;
}
