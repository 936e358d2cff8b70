/**
 * CSV records from the lines of traces/csv-lines.ts: the one CSV reader behind the
 * trace reader and every converter.
 *
 * Unquoted lines (all that strait writes and the public datasets hold) are split on
 * commas directly; a record with a quote character, which may go on over several
 * lines, is parsed by csv-parse. csv-parse alone reads about 300k rows/s here, the
 * direct split several times that, and both give the same cells. A byte-order mark
 * on line 1 and blank lines are skipped; every record must have as many fields as
 * the first (the header). csv-parse is loaded by the first batch of lines that holds a
 * quote: a run of an Arrow trace, or of a CSV trace without quotes, never loads it.
 */
import { bug, InputError } from '../sim/core/errors.ts';
import { MAX_LINE_BYTES, splitLines, type LineBatch, type LineSplitOptions } from './csv-lines.ts';

/**
 * A CSV file read as a stream, record by record without a promise per record:
 * take() hands out buffered records synchronously; when it returns undefined, await
 * fill() (false at the end of the file; true means take() has a record). `line` is
 * the line on which the last record taken starts. Bad input is an InputError naming
 * the file and the line. close() releases the file early.
 */
export class CsvReader {
  /** Line (1-based) on which the record last taken starts. */
  line = 0;
  private readonly batches: AsyncGenerator<LineBatch>;
  private readonly maxRecordChars: number;
  private lines: string[] = [];
  private at = 0;
  private firstLine = 1;
  private hasQuote = false;
  private ended = false;
  private width = -1;
  private ready: string[] | undefined;
  private readyLine = 0;
  // A quoted record still open at the end of the lines read so far.
  private quoted = '';
  private quotedLine = 0;
  private quotedQuotes = 0;

  constructor(
    readonly file: string,
    options: LineSplitOptions = {},
  ) {
    this.batches = splitLines(file, options);
    this.maxRecordChars = options.maxLineBytes ?? MAX_LINE_BYTES;
  }

  /** The next buffered record, or undefined when none is buffered (then fill()). */
  take(): string[] | undefined {
    if (this.ready === undefined && !this.parseNext()) return undefined;
    const record = this.ready;
    this.ready = undefined;
    this.line = this.readyLine;
    return record;
  }

  /** Makes sure a record is buffered (reading on if need be); false at the end of the file. */
  async fill(): Promise<boolean> {
    for (;;) {
      if (this.ready !== undefined || this.parseNext()) return true;
      if (this.ended) return false;
      const step = await this.batches.next();
      if (step.done) {
        this.ended = true;
        if (this.quoted !== '') throw new InputError(`${this.file}: line ${this.quotedLine}: a quoted field is never closed`);
        return false;
      }
      ({ lines: this.lines, firstLine: this.firstLine, hasQuote: this.hasQuote } = step.value);
      this.at = 0;
      if (this.hasQuote && parseCsvSync === undefined) ({ parse: parseCsvSync } = await import('csv-parse/sync'));
    }
  }

  /** The next record, waiting for it if need be; undefined at the end. */
  async next(): Promise<string[] | undefined> {
    return (await this.fill()) ? this.take() : undefined;
  }

  close(): void {
    this.ended = true;
    this.lines = [];
    this.batches.return(undefined).catch(() => {});
  }

  /** Parses buffered lines up to the next record (into `ready`); false when they run out first. */
  private parseNext(): boolean {
    while (this.at < this.lines.length) {
      const line = this.firstLine + this.at;
      let text = this.lines[this.at++];
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark
      let cells: string[];
      let recordLine = line;
      if (this.quoted !== '' || (this.hasQuote && text.includes('"'))) {
        if (!this.addQuotedLine(text, line)) continue;
        cells = parseQuoted(this.file, this.quoted, this.quotedLine);
        recordLine = this.quotedLine;
        this.quoted = '';
      } else {
        cells = text.split(',');
        if (cells.length === 1 && cells[0].trim() === '') continue; // blank line
      }
      if (this.width < 0) this.width = cells.length;
      else if (cells.length !== this.width) throw this.widthError(cells.length, text, recordLine);
      this.ready = cells;
      this.readyLine = recordLine;
      return true;
    }
    return false;
  }

  /** Adds a line to the open quoted record; true when that closes it. Quotes are counted once per line. */
  private addQuotedLine(text: string, line: number): boolean {
    if (this.quoted === '') {
      this.quoted = text;
      this.quotedLine = line;
      this.quotedQuotes = 0;
    } else {
      this.quoted += `\n${text}`;
    }
    this.quotedQuotes += quoteCount(text);
    if (this.quoted.length > this.maxRecordChars) {
      throw new InputError(
        `${this.file}: line ${this.quotedLine}: a quoted field goes on for more than ${this.maxRecordChars} characters (to line ${line}); is a closing quote missing?`,
      );
    }
    return this.quotedQuotes % 2 === 0;
  }

  private widthError(got: number, text: string, line: number): InputError {
    const cr = text.includes('\r') ? '; the line holds a carriage return (CR) inside it: CR-only line ends are not read, use LF or CRLF' : '';
    return new InputError(`${this.file}: line ${line}: expected ${this.width} fields as in the header, got ${got}${cr}`);
  }
}

function quoteCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/** csv-parse's parser, once a batch of lines with a quote has needed it. */
let parseCsvSync: typeof import('csv-parse/sync').parse | undefined;

/** One CSV record that holds quotes, parsed by csv-parse. */
function parseQuoted(path: string, text: string, line: number): string[] {
  if (parseCsvSync === undefined) bug('parseQuoted: csv-parse is loaded by fill() before a line with a quote is parsed');
  try {
    const rows = parseCsvSync(text, { relax_column_count: true }) as string[][];
    return rows[0] ?? [];
  } catch (error) {
    throw new InputError(`${path}: line ${line}: malformed CSV: ${(error as Error).message.replace(/\s+/g, ' ')}`);
  }
}
