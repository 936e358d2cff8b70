import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Field, Float64, Int32, Schema, makeData, vectorFromArray } from 'apache-arrow';
import { ArrowFileSink, GrowingDictionary, dictionaryType } from '../sim/output/arrow-file-sink.ts';
import { writingTo } from '../sim/core/output-errors.ts';
import { removeStaleTemporariesOf, temporaryPathOf } from '../sim/core/stale-temporaries.ts';
import { trackTemporary, untrackTemporary } from '../sim/core/temporary-paths.ts';
import { traceFormatOf, type TraceRecord, type TraceShapeColumns } from './trace-schema.ts';

/** Rows per Arrow record batch (and per flush of buffered CSV text). */
export const TRACE_BATCH_ROWS = 65536;

/**
 * Writes a trace to a temporary sibling and renames it into place on close(), so a
 * failed or interrupted write never leaves a file that looks complete.
 */
export interface TraceWriter {
  /** Buffers one row. Call drain() every so often to bound memory (writeTrace does). */
  write(record: TraceRecord): void;
  /** Waits until buffered rows have reached the file. */
  drain(): Promise<void>;
  close(): Promise<void>;
  /** Discards everything written; the target path is left as it was. */
  abort(): void;
}

/** `shape`: which optional solo-time columns to write (the seven standard ones always are). */
export function openTraceWriter(path: string, shape: TraceShapeColumns = {}): TraceWriter {
  return traceFormatOf(path) === 'csv' ? new CsvTraceWriter(path, shape) : new ArrowTraceWriter(path, shape);
}

/** Writes every record of a (sync or async) iterable, then closes; aborts on error. */
export async function writeTrace(
  path: string,
  records: Iterable<TraceRecord> | AsyncIterable<TraceRecord>,
  shape: TraceShapeColumns = {},
): Promise<number> {
  const writer = openTraceWriter(path, shape);
  let count = 0;
  try {
    for await (const record of records) {
      writer.write(record);
      if (++count % TRACE_BATCH_ROWS === 0) await writer.drain();
    }
    await writer.close();
    return count;
  } catch (error) {
    writer.abort();
    throw error;
  }
}

function formatNumber(x: number): string {
  // Shortest round-trip representation: reading the CSV back gives the same double.
  return String(x);
}

function optionalCell(x: number | undefined): string {
  return x === undefined ? '' : formatNumber(x);
}

/** The optional solo-time columns a shape asks for, in file order, and how each reads a record. */
function shapeColumns(shape: TraceShapeColumns): { name: string; int: boolean; of: (r: TraceRecord) => number | undefined }[] {
  return [
    ...(shape.tokens === true
      ? [
          { name: 'input_tokens', int: true, of: (r: TraceRecord) => r.inputTokens },
          { name: 'output_tokens', int: true, of: (r: TraceRecord) => r.outputTokens },
        ]
      : []),
    ...(shape.duration === true ? [{ name: 'duration_ms', int: false, of: (r: TraceRecord) => r.durationMs }] : []),
  ];
}

class CsvTraceWriter implements TraceWriter {
  private readonly temporary: string;
  private readonly fd: number;
  private buffer: string[] = [];
  private readonly extra: ReturnType<typeof shapeColumns>;

  constructor(
    private readonly path: string,
    shape: TraceShapeColumns,
  ) {
    this.extra = shapeColumns(shape);
    removeStaleTemporariesOf(path);
    this.temporary = temporaryPathOf(path);
    trackTemporary(this.temporary);
    this.fd = writingTo(path, () => openSync(this.temporary, 'w'));
    this.buffer.push(`arrival_ms,model,batch,priority,deadline_ms,input_bytes,output_bytes${this.extra.map((c) => `,${c.name}`).join('')}\n`);
  }

  write(r: TraceRecord): void {
    let extra = '';
    for (const column of this.extra) extra += `,${optionalCell(column.of(r))}`;
    this.buffer.push(
      `${formatNumber(r.arrival)},${csvField(r.model)},${r.batch},${r.priority},${formatNumber(r.relativeDeadline)},${optionalCell(r.inputBytes)},${optionalCell(r.outputBytes)}${extra}\n`,
    );
    if (this.buffer.length >= 4096) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writingTo(this.path, () => writeSync(this.fd, this.buffer.join('')));
    this.buffer = [];
  }

  async drain(): Promise<void> {
    this.flush();
  }

  async close(): Promise<void> {
    this.flush();
    writingTo(this.path, () => {
      fsyncSync(this.fd);
      closeSync(this.fd);
      renameSync(this.temporary, this.path);
    });
    untrackTemporary(this.temporary);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.temporary, { force: true });
    untrackTemporary(this.temporary);
  }
}

/** Quotes a CSV field when it holds a comma, quote or newline. */
function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

class ArrowTraceWriter implements TraceWriter {
  private readonly sink: ArrowFileSink;
  private rows: TraceRecord[] = [];
  private readonly models = new GrowingDictionary();
  private readonly priorities = new GrowingDictionary(['high', 'low']);
  private readonly extra: ReturnType<typeof shapeColumns>;

  constructor(path: string, shape: TraceShapeColumns) {
    this.extra = shapeColumns(shape);
    // One schema object for every batch: the IPC writer starts a new file when the
    // schema (dictionary ids included) changes between batches.
    const fields = this.extra.map((c) => new Field(c.name, c.int ? new Int32() : new Float64(), true));
    this.sink = new ArrowFileSink(path, fields.length === 0 ? TRACE_SCHEMA : new Schema([...TRACE_SCHEMA.fields, ...fields]));
  }

  write(record: TraceRecord): void {
    this.rows.push(record);
    if (this.rows.length >= TRACE_BATCH_ROWS) this.writeBatch();
  }

  private writeBatch(): void {
    const rows = this.rows;
    const n = rows.length;
    if (n === 0) return;
    this.rows = [];
    const arrival = new Float64Array(n);
    const batch = new Int32Array(n);
    const priority = new Int32Array(n);
    const deadline = new Float64Array(n);
    const model = new Int32Array(n);
    const input: (number | null)[] = new Array(n);
    const output: (number | null)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      arrival[i] = r.arrival;
      batch[i] = r.batch;
      priority[i] = this.priorities.codeOf(r.priority);
      deadline[i] = r.relativeDeadline;
      model[i] = this.models.codeOf(r.model);
      input[i] = r.inputBytes ?? null;
      output[i] = r.outputBytes ?? null;
    }
    this.sink.writeColumns(n, [
      makeData({ type: new Float64(), length: n, data: arrival }),
      this.models.column(MODEL_TYPE, model),
      makeData({ type: new Int32(), length: n, data: batch }),
      this.priorities.column(PRIORITY_TYPE, priority),
      makeData({ type: new Float64(), length: n, data: deadline }),
      vectorFromArray(input, new Float64()).data[0],
      vectorFromArray(output, new Float64()).data[0],
      ...this.extra.map((c) => vectorFromArray(rows.map((r) => c.of(r) ?? null), c.int ? new Int32() : new Float64()).data[0]),
    ]);
  }

  async drain(): Promise<void> {
    this.writeBatch();
    await this.sink.drain();
  }

  async close(): Promise<void> {
    this.writeBatch();
    await this.sink.close();
  }

  abort(): void {
    this.sink.abort();
  }
}

// The standard schema, shared by every writer without extra columns.
const MODEL_TYPE = dictionaryType(0);
const PRIORITY_TYPE = dictionaryType(1);
const TRACE_SCHEMA = new Schema([
  new Field('arrival_ms', new Float64(), false),
  new Field('model', MODEL_TYPE, false),
  new Field('batch', new Int32(), false),
  new Field('priority', PRIORITY_TYPE, false),
  new Field('deadline_ms', new Float64(), false),
  new Field('input_bytes', new Float64(), true),
  new Field('output_bytes', new Float64(), true),
]);
