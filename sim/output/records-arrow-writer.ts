import { Field, Float64, Int32, Schema, Utf8, makeData, vectorFromArray, type Data } from 'apache-arrow';
import { OUTCOMES, PRIORITY_CODES, type RequestRecords } from '../metrics/request-records.ts';
import { ArrowFileSink, GrowingDictionary, dictionaryType } from './arrow-file-sink.ts';
import { bug } from '../core/errors.ts';

const MODEL = dictionaryType(0);
const PRIORITY = dictionaryType(1);
const OUTCOME = dictionaryType(2);

type FloatKey =
  | 'arrival' | 'deadline' | 'dispatched' | 'transferInStart' | 'transferInEnd' | 'executionStart' | 'executionEnd'
  | 'transferOutStart' | 'completed' | 'latency' | 'soloLatency' | 'predictedTransfer' | 'predictedExecution' | 'predictedCompletion';
type IntKey = 'id' | 'batch' | 'gpu' | 'preemptions';

/**
 * Columns of requests.arrow, in order, and where each comes from in the recorder.
 * Times are ms; NaN marks a stage never reached.
 */
const COLUMNS: readonly (
  | { name: string; float: FloatKey }
  | { name: string; int: IntKey }
  | { name: string; dictionary: 'model' | 'priority' | 'outcome' }
)[] = [
  { name: 'id', int: 'id' },
  { name: 'arrival_ms', float: 'arrival' },
  { name: 'model', dictionary: 'model' },
  { name: 'batch', int: 'batch' },
  { name: 'priority', dictionary: 'priority' },
  { name: 'deadline_ms', float: 'deadline' },
  { name: 'outcome', dictionary: 'outcome' },
  { name: 'gpu', int: 'gpu' },
  { name: 'preemptions', int: 'preemptions' },
  { name: 'dispatched_ms', float: 'dispatched' },
  { name: 'transfer_in_start_ms', float: 'transferInStart' },
  { name: 'transfer_in_end_ms', float: 'transferInEnd' },
  { name: 'execution_start_ms', float: 'executionStart' },
  { name: 'execution_end_ms', float: 'executionEnd' },
  { name: 'transfer_out_start_ms', float: 'transferOutStart' },
  { name: 'completed_ms', float: 'completed' },
  { name: 'latency_ms', float: 'latency' },
  { name: 'solo_latency_ms', float: 'soloLatency' },
  { name: 'predicted_transfer_ms', float: 'predictedTransfer' },
  { name: 'predicted_execution_ms', float: 'predictedExecution' },
  { name: 'predicted_completion_ms', float: 'predictedCompletion' },
];

const DICTIONARY_TYPES = { model: MODEL, priority: PRIORITY, outcome: OUTCOME };

const FIELDS = COLUMNS.map((c) => new Field(c.name, 'float' in c ? new Float64() : 'int' in c ? new Int32() : DICTIONARY_TYPES[c.dictionary], false));

export const REQUEST_COLUMNS: readonly string[] = FIELDS.map((f) => f.name);

/** A column appended after the standard ones (the replay's co-location columns). */
export interface ExtraColumn {
  readonly name: string;
  readonly kind: 'float' | 'int' | 'utf8';
}

/** Values of one extra column for one batch, one per record. */
export type ExtraValues = Float64Array | Int32Array | readonly string[];

function extraField(column: ExtraColumn): Field {
  return new Field(column.name, column.kind === 'float' ? new Float64() : column.kind === 'int' ? new Int32() : new Utf8(), false);
}

function extraData(column: ExtraColumn, values: ExtraValues, n: number): Data {
  if (values.length !== n) bug(`extra column ${column.name}: expected ${n} values (one per record), got ${values.length}`);
  if (column.kind === 'utf8') return vectorFromArray(values as string[], new Utf8()).data[0];
  const type = column.kind === 'float' ? new Float64() : new Int32();
  return makeData({ type, length: n, data: (values as Float64Array | Int32Array).slice() } as Parameters<typeof makeData>[0]) as Data;
}

/**
 * Streams per-request records into requests.arrow, one record batch per flush of
 * the recorder, in the order requests left the system.
 */
export class RecordsArrowWriter {
  private readonly sink: ArrowFileSink;
  private readonly models = new GrowingDictionary();
  private readonly priorities = new GrowingDictionary(PRIORITY_CODES);
  private readonly outcomes = new GrowingDictionary(OUTCOMES);

  /** `extras`: columns after the standard ones; write() then takes their values. */
  constructor(
    path: string,
    private readonly extras: readonly ExtraColumn[] = [],
  ) {
    this.sink = new ArrowFileSink(path, new Schema([...FIELDS, ...extras.map(extraField)]));
  }

  write(records: RequestRecords, extraValues: readonly ExtraValues[] = []): void {
    const n = records.length;
    if (n === 0) return;
    // Record codes index the recorder's own model list; map them to this file's.
    const recordCodes = records.model.view();
    const modelCodes = new Int32Array(n);
    for (let i = 0; i < n; i++) modelCodes[i] = this.models.codeOf(records.models[recordCodes[i]]);
    const dictionaries = {
      model: () => this.models.column(MODEL, modelCodes),
      priority: () => this.priorities.column(PRIORITY, records.priority.view().slice()),
      outcome: () => this.outcomes.column(OUTCOME, records.outcome.view().slice()),
    };
    // Copies: the recorder reuses its buffers, and the writer keeps views until flushed.
    const columns: Data[] = COLUMNS.map((c) =>
      'float' in c
        ? makeData({ type: new Float64(), length: n, data: records[c.float].view().slice() })
        : 'int' in c
          ? makeData({ type: new Int32(), length: n, data: records[c.int].view().slice() })
          : dictionaries[c.dictionary](),
    );
    if (extraValues.length !== this.extras.length) bug(`extra columns of a record batch: expected ${this.extras.length}, got ${extraValues.length}`);
    this.extras.forEach((column, k) => columns.push(extraData(column, extraValues[k], n)));
    this.sink.writeColumns(n, columns);
  }

  drain(): Promise<void> {
    return this.sink.drain();
  }

  close(): Promise<void> {
    return this.sink.close();
  }

  abort(): void {
    this.sink.abort();
  }
}
