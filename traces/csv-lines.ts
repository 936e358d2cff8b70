/**
 * Splits a CSV file into lines in one pass with flat memory; every CSV reader of
 * strait reads through it (traces/csv-records.ts on top).
 *
 * Each byte is looked at a fixed number of times: the file is read in chunks of
 * bytes, line ends are found in the bytes (a UTF-8 multi-byte character never holds
 * the byte 0x0A), and only whole lines are decoded. The part of a line not yet ended
 * is kept as bytes and never scanned again, so a line that never ends costs linear
 * time; it is refused once it passes maxLineBytes, so memory stays within one chunk
 * plus one line. A NUL byte is refused where it is found: CSV is text, and a file
 * cut or padded with zeros (a sparse file made by truncate) is the usual source.
 *
 * Line ends: LF or CRLF, one kind per file. The first non-blank line sets the kind;
 * a later non-blank line ending the other way is an error that says so (a CRLF
 * mixed into an LF file otherwise surfaces as a wrong field count). Blank lines are
 * skipped by the readers, so their ends do not count.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../sim/core/errors.ts';

/** Longest line accepted, in bytes: CSV rows strait reads are at most some KiB (a Functions 2019 day row, 1444 cells). */
export const MAX_LINE_BYTES = 1 << 20;
const CHUNK_BYTES = 1 << 20;
const LF = 0x0a;
const CR = 0x0d;

export interface LineSplitOptions {
  /** Longest line accepted, in bytes, its line end left out. @default MAX_LINE_BYTES (1 MiB) */
  readonly maxLineBytes?: number;
  /** Bytes read at a time; at most maxLineBytes. @default 1 MiB */
  readonly chunkBytes?: number;
  /**
   * Told the number of bytes (or, once decoded, characters) each search for a NUL or
   * a line end looks at; lets a test show that the work is linear in the file size.
   */
  readonly onScan?: (count: number) => void;
}

export interface LineBatch {
  /** Whole lines, without their line ends. */
  readonly lines: string[];
  /** The number (1-based) of lines[0]. */
  readonly firstLine: number;
  /** Whether some line of the batch holds a double quote (else no line needs a CSV quote parse). */
  readonly hasQuote: boolean;
}

/** Lines of a text file in batches (one per chunk read that ends a line). Errors are InputErrors naming the file, line and byte offset. */
export async function* splitLines(path: string, options: LineSplitOptions = {}): AsyncGenerator<LineBatch> {
  const maxLine = options.maxLineBytes ?? MAX_LINE_BYTES;
  // No chunk longer than the cap: then a line that starts and ends inside one chunk is
  // within the cap, and only the line carried over from earlier chunks needs a check.
  const chunkBytes = Math.max(1, Math.min(options.chunkBytes ?? CHUNK_BYTES, maxLine));
  const scanned = options.onScan ?? (() => {});
  const endings = new LineEndings(path);
  const handle = await openFile(path);
  const buffer = Buffer.allocUnsafe(chunkBytes);
  // The line not yet ended, as copies of its bytes.
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  let offset = 0; // bytes of the file before `buffer`
  let line = 1; // number of the next line to end
  try {
    for (;;) {
      const read = await readChunk(handle, path, buffer);
      if (read === 0) break;
      const chunk = read === chunkBytes ? buffer : buffer.subarray(0, read);
      const nul = chunk.indexOf(0);
      scanned(read);
      if (nul >= 0) throw nulError(path, chunk, nul, line, offset);
      const first = chunk.indexOf(LF);
      scanned(first < 0 ? read : first + 1);
      if (pendingBytes + (first < 0 ? read : first) > maxLine) throw tooLong(path, [...pending, chunk], line, offset - pendingBytes, maxLine);
      if (first < 0) {
        pending.push(Buffer.from(chunk));
        pendingBytes += read;
        offset += read;
        continue;
      }
      const firstLine = line;
      const lines: string[] = [];
      const head = pendingBytes === 0 ? chunk.toString('utf8', 0, first) : Buffer.concat([...pending, chunk.subarray(0, first)]).toString('utf8');
      pending.length = 0;
      pendingBytes = 0;
      scanned(head.length); // the carried bytes, decoded and searched for a quote once
      lines.push(endings.strip(head, line++));
      let hasQuote = head.includes('"');
      const last = chunk.lastIndexOf(LF);
      scanned(read - last);
      if (last > first) {
        const text = chunk.toString('utf8', first + 1, last + 1);
        scanned(2 * text.length); // one search for quotes, one for line ends
        hasQuote ||= text.includes('"');
        let start = 0;
        for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
          lines.push(endings.strip(text.slice(start, end), line++));
          start = end + 1;
        }
      }
      if (last + 1 < read) {
        pending.push(Buffer.from(chunk.subarray(last + 1)));
        pendingBytes = read - last - 1;
      }
      offset += read;
      yield { lines, firstLine, hasQuote };
    }
    if (pendingBytes > 0) {
      const text = Buffer.concat(pending).toString('utf8');
      yield { lines: [endings.strip(text, line, false)], firstLine: line, hasQuote: text.includes('"') };
    }
  } finally {
    await handle.close();
  }
}

/** Strips CR from CRLF line ends and holds the file to one kind of line end. */
class LineEndings {
  /** true: CRLF, false: LF, undefined: not known yet (no non-blank line seen). */
  private crlf: boolean | undefined;
  private setBy = 0;

  constructor(private readonly path: string) {}

  /** `ended`: false for a last line that has no line end (nothing to compare; a CR there is kept unless the file is CRLF). */
  strip(text: string, line: number, ended = true): string {
    const cr = text.charCodeAt(text.length - 1) === CR;
    // Only the first line is searched: a file with CR-only line ends is one long line.
    if (line === 1 && text.indexOf('\r') >= 0 && text.indexOf('\r') < text.length - 1) {
      throw new InputError(`${this.path}: line 1: holds a carriage return (CR) inside it: CR-only line ends (old Mac) are not read; use LF or CRLF`);
    }
    if (!ended) return cr && this.crlf === true ? text.slice(0, -1) : text;
    if (cr !== this.crlf && !isBlank(text)) {
      if (this.crlf !== undefined) {
        const kind = (crlf: boolean) => (crlf ? 'CRLF (\\r\\n)' : 'LF (\\n)');
        throw new InputError(
          `${this.path}: line ${line}: ends with ${kind(cr)} but line ${this.setBy} ends with ${kind(this.crlf)}: mixed line endings; save the file with one kind (e.g. dos2unix or unix2dos)`,
        );
      }
      this.crlf = cr;
      this.setBy = line;
    }
    return cr ? text.slice(0, -1) : text;
  }
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw fileError(path, error);
  }
}

async function readChunk(handle: FileHandle, path: string, buffer: Buffer): Promise<number> {
  try {
    return (await handle.read(buffer, 0, buffer.length, null)).bytesRead;
  } catch (error) {
    throw fileError(path, error);
  }
}

function fileError(path: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(`${path}: no such file`);
  if (code === 'EISDIR') return new InputError(`${path}: is a directory, expected a CSV file`);
  return new InputError(`${path}: cannot read: ${(error as Error).message}`);
}

function nulError(path: string, chunk: Buffer, at: number, line: number, offset: number): InputError {
  let nulLine = line;
  for (let i = chunk.indexOf(LF); i >= 0 && i < at; i = chunk.indexOf(LF, i + 1)) nulLine++;
  return new InputError(
    `${path}: line ${nulLine} (byte offset ${offset + at}): a NUL byte; expected CSV text (a binary file, or one padded with zeros: cut short, or a sparse file made by truncate?)`,
  );
}

function tooLong(path: string, pieces: readonly Buffer[], line: number, start: number, maxLine: number): InputError {
  const hasCr = pieces.some((piece) => piece.includes(CR));
  return new InputError(
    `${path}: line ${line} (from byte offset ${start}): longer than ${formatBytes(maxLine)} without a line end; expected CSV rows of a few KiB at most` +
      (hasCr ? ' (it holds carriage returns: CR-only line ends are not read; use LF or CRLF)' : ' (is the file cut short, or not CSV?)'),
  );
}

function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10 && bytes % (1 << 10) === 0) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} bytes`;
}
