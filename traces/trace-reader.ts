import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { RecordBatch, Vector } from 'apache-arrow';
import { InputError } from '../sim/core/errors.ts';
import { CsvReader } from './csv-records.ts';
import { REQUIRED_TRACE_COLUMNS, TRACE_COLUMNS, TraceRowChecker, traceFormatOf, type TraceRecord } from './trace-schema.ts';

/** Rows per chunk handed to the simulator from a CSV trace. */
const CSV_CHUNK_ROWS = 65536;

export interface TraceReadOptions {
  /** When given, a row naming another model is an error at that row. */
  readonly knownModels?: ReadonlySet<string>;
}

/**
 * Reads a trace file as a stream of chunks of rows (CSV or Arrow by extension),
 * checking every row; the first bad row stops the read with an InputError naming
 * the file and the line (CSV) or record batch and row (Arrow).
 */
export function readTrace(path: string, options: TraceReadOptions = {}): AsyncGenerator<TraceRecord[]> {
  const format = traceFormatOf(path);
  checkReadable(path);
  return format === 'csv' ? readCsvTrace(path, options) : readArrowTrace(path, options);
}

function checkReadable(path: string): void {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new InputError(`${path}: is a directory; expected a trace file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  if (size === 0) throw new InputError(`${path}: the file is empty; expected a trace with a header row (${REQUIRED_TRACE_COLUMNS.join(',')})`);
}

/** CSV, streamed through the shared CSV reader (traces/csv-records.ts). */
async function* readCsvTrace(path: string, options: TraceReadOptions): AsyncGenerator<TraceRecord[]> {
  const checker = new TraceRowChecker(path, options.knownModels);
  const reader = new CsvReader(path);
  try {
    const header = await reader.next();
    if (header === undefined) throw new InputError(`${path}: no header row; expected ${REQUIRED_TRACE_COLUMNS.join(',')}`);
    const index = headerIndex(path, header, reader.line);
    const arrival = index.arrival_ms;
    const model = index.model;
    const batch = index.batch;
    const priority = index.priority;
    const deadline = index.deadline_ms;
    const input = index.input_bytes ?? -1;
    const output = index.output_bytes ?? -1;
    const inputTokens = index.input_tokens ?? -1;
    const outputTokens = index.output_tokens ?? -1;
    const duration = index.duration_ms ?? -1;
    const location = { line: 0, toString: () => `line ${location.line}` };
    let chunk: TraceRecord[] = [];
    while (await reader.fill()) {
      let cells: string[] | undefined;
      while ((cells = reader.take()) !== undefined) {
        location.line = reader.line;
        chunk.push(
          checker.check(
            location,
            number(cells[arrival]),
            cells[model],
            number(cells[batch]),
            cells[priority],
            number(cells[deadline]),
            input < 0 ? undefined : optionalNumber(cells[input]),
            output < 0 ? undefined : optionalNumber(cells[output]),
            inputTokens < 0 ? undefined : optionalNumber(cells[inputTokens]),
            outputTokens < 0 ? undefined : optionalNumber(cells[outputTokens]),
            duration < 0 ? undefined : optionalNumber(cells[duration]),
          ),
        );
        if (chunk.length >= CSV_CHUNK_ROWS) {
          yield chunk;
          chunk = [];
        }
      }
    }
    if (checker.count === 0) throw new InputError(`${path}: the trace has a header but no requests`);
    if (chunk.length > 0) yield chunk;
  } finally {
    reader.close();
  }
}

function headerIndex(path: string, header: string[], line: number): Record<string, number> {
  const index: Record<string, number> = {};
  header.forEach((name, i) => {
    const column = name.trim();
    if ((TRACE_COLUMNS as readonly string[]).includes(column)) index[column] = i;
  });
  const missing = REQUIRED_TRACE_COLUMNS.filter((c) => index[c] === undefined);
  if (missing.length > 0) {
    throw new InputError(
      `${path}: line ${line}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the header must name ${REQUIRED_TRACE_COLUMNS.join(', ')} (optional: input_bytes, output_bytes, input_tokens, output_tokens, duration_ms)`,
    );
  }
  return index;
}

/** A cell as a number; anything unparsable becomes NaN, which the checker rejects by name. */
function number(text: string): number {
  // Number() ignores surrounding blanks but reads an empty cell as 0; only a 0
  // needs the second look.
  const value = Number(text);
  return value === 0 && text.trim() === '' ? NaN : value;
}

function optionalNumber(text: string): number | undefined {
  if (text === '') return undefined;
  const trimmed = text.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}

// ---- Arrow ---------------------------------------------------------------------

const ARROW_MAGIC = 'ARROW1';

/**
 * An IPC file starts and ends with ARROW1; a file that starts with it but does not
 * end with it was cut short (its footer is missing). The stream format has no magic.
 */
function checkArrowFraming(path: string): void {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(6);
    readSync(fd, head, 0, 6, 0);
    if (head.toString('latin1') !== ARROW_MAGIC) return;
    const tail = Buffer.alloc(6);
    readSync(fd, tail, 0, 6, Math.max(0, size - 6));
    if (size < 12 || tail.toString('latin1') !== ARROW_MAGIC) {
      throw new InputError(`${path}: truncated Arrow file: it ends without the Arrow footer (was the write interrupted?)`);
    }
  } finally {
    closeSync(fd);
  }
}

interface ArrowFooter {
  readonly numRecordBatches: number;
  getRecordBatch(index: number): { readonly offset: number; readonly metaDataLength: number } | null;
}

/**
 * apache-arrow's file reader loops forever when a footer entry for a record batch
 * points at a message of another kind (a file whose body is corrupt but whose
 * footer is intact), so every entry is checked first: it must hold a record batch.
 */
function checkRecordBatchBlocks(path: string, footer: ArrowFooter, MessageReader: typeof import('apache-arrow').MessageReader): void {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    for (let i = 0; i < footer.numRecordBatches; i++) {
      const block = footer.getRecordBatch(i);
      let isRecordBatch = false;
      if (block !== null && block.offset >= 0 && block.metaDataLength > 0 && block.offset + block.metaDataLength <= size) {
        const metadata = Buffer.alloc(block.metaDataLength);
        readSync(fd, metadata, 0, metadata.length, block.offset);
        try {
          isRecordBatch = new MessageReader(metadata).readMessage()?.isRecordBatch() === true;
        } catch {
          // undecodable metadata: corrupt
        }
      }
      if (!isRecordBatch) {
        throw new InputError(`${path}: record batch ${i}: truncated or corrupt Arrow data (its footer entry does not point at a record batch)`);
      }
    }
  } finally {
    closeSync(fd);
  }
}

async function* readArrowTrace(path: string, options: TraceReadOptions): AsyncGenerator<TraceRecord[]> {
  checkArrowFraming(path);
  // Loaded here, not with this module: reading a CSV trace (trace inspect, convert) never needs apache-arrow.
  const { MessageReader, RecordBatchReader } = await import('apache-arrow');
  const checker = new TraceRowChecker(path, options.knownModels);
  let batchIndex = 0;
  let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>;
  // A file handle (not a read stream): the reader then fetches one record batch at
  // a time through the footer, so memory stays flat however large the file. A read
  // stream would be drained into memory as fast as the disk delivers it.
  const handle = await open(path, 'r');
  try {
    try {
      reader = await RecordBatchReader.from(handle);
      await reader.open();
    } catch (error) {
      throw new InputError(`${path}: not a readable Arrow IPC file (${(error as Error).message})`);
    }
    if (reader.footer !== null) checkRecordBatchBlocks(path, reader.footer, MessageReader);
    const batches = reader[Symbol.asyncIterator]();
    for (;;) {
      let step: IteratorResult<RecordBatch>;
      try {
        step = await batches.next();
      } catch (error) {
        throw new InputError(`${path}: record batch ${batchIndex}: truncated or corrupt Arrow data (${(error as Error).message})`);
      }
      if (step.done) break;
      yield arrowRows(path, step.value, batchIndex++, checker);
    }
  } finally {
    await handle.close();
  }
  if (batchIndex === 0 || checker.count === 0) throw new InputError(`${path}: the Arrow file holds no requests`);
}

function arrowRows(path: string, batch: RecordBatch, batchIndex: number, checker: TraceRowChecker): TraceRecord[] {
  const column = (name: string, required: boolean): Vector | null => {
    const child = batch.getChild(name);
    if (child === null && required) {
      throw new InputError(`${path}: record batch ${batchIndex}: missing column ${name}; expected ${REQUIRED_TRACE_COLUMNS.join(', ')}`);
    }
    return child;
  };
  const arrival = column('arrival_ms', true)!;
  const model = column('model', true)!;
  const batchSize = column('batch', true)!;
  const priority = column('priority', true)!;
  const deadline = column('deadline_ms', true)!;
  const input = column('input_bytes', false);
  const output = column('output_bytes', false);
  const inputTokenColumn = column('input_tokens', false);
  const outputTokenColumn = column('output_tokens', false);
  const durationColumn = column('duration_ms', false);
  const models = stringsOf(model);
  const priorities = stringsOf(priority);
  const arrivals = numbersOf(arrival);
  const batches = numbersOf(batchSize);
  const deadlines = numbersOf(deadline);
  const inputs = optionalNumbers(input);
  const outputs = optionalNumbers(output);
  const inputTokens = optionalNumbers(inputTokenColumn);
  const outputTokens = optionalNumbers(outputTokenColumn);
  const durations = optionalNumbers(durationColumn);
  const rows: TraceRecord[] = new Array(batch.numRows);
  const location = { row: 0, toString: () => `record batch ${batchIndex}, row ${location.row}` };
  for (let i = 0; i < batch.numRows; i++) {
    location.row = i;
    rows[i] = checker.check(
      location,
      arrivals[i],
      models(i),
      batches[i],
      priorities(i),
      deadlines[i],
      inputs(i),
      outputs(i),
      inputTokens(i),
      outputTokens(i),
      durations(i),
    );
  }
  return rows;
}

/** Numeric column values as numbers (nulls become NaN and fail the row check). */
function numbersOf(vector: Vector): ArrayLike<number> {
  if (vector.nullCount === 0) {
    const values = vector.toArray() as ArrayLike<number | bigint>;
    if (values.length === 0 || typeof values[0] === 'number') return values as ArrayLike<number>;
    return Array.from(values as ArrayLike<bigint>, Number);
  }
  return Array.from({ length: vector.length }, (_, i) => (vector.isValid(i) ? Number(vector.get(i)) : NaN));
}

/** String column access; dictionary columns decode their dictionary once per batch. */
function stringsOf(vector: Vector): (i: number) => string {
  const data = vector.data[0];
  if (data.dictionary !== undefined && vector.data.length === 1 && vector.nullCount === 0) {
    const dictionary = data.dictionary.toArray() as string[];
    const codes = data.values as ArrayLike<number>;
    return (i) => dictionary[codes[i]] ?? '';
  }
  return (i) => String(vector.get(i) ?? '');
}

/** Optional numeric column: undefined where null or where the column is absent. */
function optionalNumbers(vector: Vector | null): (i: number) => number | undefined {
  if (vector === null || vector.nullCount === vector.length) return () => undefined;
  const values = numbersOf(vector);
  if (vector.nullCount === 0) return (i) => values[i];
  return (i) => (vector.isValid(i) ? values[i] : undefined);
}
