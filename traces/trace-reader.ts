import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { MessageReader, RecordBatchReader, type RecordBatch, type Vector } from 'apache-arrow';
import { InputError } from '../sim/core/errors.ts';
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

/**
 * CSV, streamed in file chunks. Unquoted lines (all that strait writes) are split
 * on commas directly; a record with a quote character, which may continue over
 * several lines, is parsed by csv-parse. csv-parse alone reads about 300k rows/s
 * here, the direct split several times that, and both give the same cells.
 */
async function* readCsvTrace(path: string, options: TraceReadOptions): AsyncGenerator<TraceRecord[]> {
  const checker = new TraceRowChecker(path, options.knownModels);
  let index: Record<string, number> | undefined;
  let width = 0;
  let columns = { arrival: 0, model: 0, batch: 0, priority: 0, deadline: 0, input: -1, output: -1 };
  const location = { line: 0, toString: () => `line ${location.line}` };
  let chunk: TraceRecord[] = [];
  let carry = '';
  let line = 0; // number of the line being read (1-based once started)
  let pendingQuoted = '';
  let pendingQuotedLine = 0;

  const handleRecord = (cells: string[], recordLine: number): void => {
    if (index === undefined) {
      index = headerIndex(path, cells);
      width = cells.length;
      columns = {
        arrival: index.arrival_ms,
        model: index.model,
        batch: index.batch,
        priority: index.priority,
        deadline: index.deadline_ms,
        input: index.input_bytes ?? -1,
        output: index.output_bytes ?? -1,
      };
      return;
    }
    if (cells.length === 1 && cells[0].trim() === '') return; // blank line
    if (cells.length !== width) {
      throw new InputError(`${path}: line ${recordLine}: expected ${width} fields as in the header, got ${cells.length}`);
    }
    location.line = recordLine;
    chunk.push(
      checker.check(
        location,
        number(cells[columns.arrival]),
        cells[columns.model],
        number(cells[columns.batch]),
        cells[columns.priority],
        number(cells[columns.deadline]),
        columns.input < 0 ? undefined : optionalNumber(cells[columns.input]),
        columns.output < 0 ? undefined : optionalNumber(cells[columns.output]),
      ),
    );
  };

  // `mayQuote` is false when the whole chunk holds no quote: skip the per-line scan.
  const handleLine = (text: string, mayQuote: boolean): void => {
    line++;
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1); // CRLF
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark
    if (pendingQuoted !== '' || (mayQuote && text.includes('"'))) {
      if (pendingQuoted === '') pendingQuotedLine = line;
      pendingQuoted += pendingQuoted === '' ? text : `\n${text}`;
      if (quoteCount(pendingQuoted) % 2 === 1) return; // a quoted field goes on
      const record = parseQuoted(path, pendingQuoted, pendingQuotedLine);
      pendingQuoted = '';
      handleRecord(record, pendingQuotedLine);
      return;
    }
    handleRecord(text.split(','), line);
  };

  for await (const data of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = carry + (data as string);
    const mayQuote = text.includes('"');
    let start = 0;
    for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
      handleLine(text.slice(start, end), mayQuote);
      start = end + 1;
      if (chunk.length >= CSV_CHUNK_ROWS) {
        carry = text.slice(start);
        yield chunk;
        chunk = [];
      }
    }
    carry = text.slice(start);
  }
  if (carry !== '') handleLine(carry, true);
  if (pendingQuoted !== '') throw new InputError(`${path}: line ${pendingQuotedLine}: a quoted field is never closed`);
  if (index === undefined) throw new InputError(`${path}: no header row; expected ${REQUIRED_TRACE_COLUMNS.join(',')}`);
  if (checker.count === 0 && chunk.length === 0) throw new InputError(`${path}: the trace has a header but no requests`);
  if (chunk.length > 0) yield chunk;
}

function quoteCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/** One CSV record that holds quotes, parsed by csv-parse. */
function parseQuoted(path: string, text: string, line: number): string[] {
  try {
    const rows = parseCsvSync(text, { relax_column_count: true }) as string[][];
    return rows[0] ?? [];
  } catch (error) {
    throw new InputError(`${path}: line ${line}: malformed CSV: ${(error as Error).message.replace(/\s+/g, ' ')}`);
  }
}

function headerIndex(path: string, header: string[]): Record<string, number> {
  const index: Record<string, number> = {};
  header.forEach((name, i) => {
    const column = name.trim();
    if ((TRACE_COLUMNS as readonly string[]).includes(column)) index[column] = i;
  });
  const missing = REQUIRED_TRACE_COLUMNS.filter((c) => index[c] === undefined);
  if (missing.length > 0) {
    throw new InputError(
      `${path}: line 1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the header must name ${REQUIRED_TRACE_COLUMNS.join(', ')} (optional: input_bytes, output_bytes)`,
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
function checkRecordBatchBlocks(path: string, footer: ArrowFooter): void {
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
    if (reader.footer !== null) checkRecordBatchBlocks(path, reader.footer);
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
  const models = stringsOf(model);
  const priorities = stringsOf(priority);
  const arrivals = numbersOf(arrival);
  const batches = numbersOf(batchSize);
  const deadlines = numbersOf(deadline);
  const inputs = optionalNumbers(input);
  const outputs = optionalNumbers(output);
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
