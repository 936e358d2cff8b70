import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { writingTo } from '../core/output-errors.ts';
import { removeStaleTemporariesOf, temporaryPathOf } from '../core/stale-temporaries.ts';
import { trackTemporary, untrackTemporary } from '../core/temporary-paths.ts';
import {
  AsyncByteQueue,
  Dictionary,
  Int32,
  RecordBatch,
  RecordBatchFileWriter,
  Struct,
  Utf8,
  Vector,
  makeData,
  vectorFromArray,
  type Data,
  type Schema,
} from 'apache-arrow';

type ArrayBufferViewInput = Parameters<AsyncByteQueue['write']>[0];

/** Chunks at least this large skip the coalescing buffer. */
const DIRECT_WRITE_BYTES = 1 << 16;

/**
 * The byte sink the IPC writer writes into, made synchronous: bytes go straight to
 * the file descriptor (coalesced into ~1 MiB writes) instead of queueing for an
 * async reader, so memory stays bounded however long the run, with no awaiting.
 */
class FileByteSink extends AsyncByteQueue {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly fd: number,
    /** The file as named to the user, for a failed write (a full disk). */
    private readonly place: string,
  ) {
    super();
  }

  override write(value: ArrayBufferViewInput | Uint8Array): void {
    const bytes = value instanceof Uint8Array ? value : new Uint8Array((value as ArrayBufferView).buffer, (value as ArrayBufferView).byteOffset, (value as ArrayBufferView).byteLength);
    if (bytes.byteLength === 0) return;
    if (bytes.byteLength >= DIRECT_WRITE_BYTES) {
      // A column body: written at once, in order after what is pending, with no copy
      // (the write completes before the buffer could be reused).
      this.flush();
      writingTo(this.place, () => writeSync(this.fd, bytes));
      return;
    }
    // Copy: the writer may hand out views of buffers the caller reuses.
    this.pending.push(bytes.slice());
    this.pendingBytes += bytes.byteLength;
    if (this.pendingBytes >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.pendingBytes === 0) return;
    writingTo(this.place, () => writeSync(this.fd, Buffer.concat(this.pending, this.pendingBytes)));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/**
 * An Arrow IPC file written record batch by record batch to a temporary sibling,
 * renamed into place by close(): memory stays bounded by one batch and an
 * interrupted write leaves nothing that looks complete. Every batch must use the
 * one schema given here.
 */
export class ArrowFileSink {
  private readonly temporary: string;
  private readonly fd: number;
  private readonly bytes: FileByteSink;
  private readonly writer = new RecordBatchFileWriter({ autoDestroy: false });
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly schema: Schema,
  ) {
    removeStaleTemporariesOf(path);
    this.temporary = temporaryPathOf(path);
    trackTemporary(this.temporary);
    this.fd = writingTo(path, () => openSync(this.temporary, 'w'));
    this.bytes = new FileByteSink(this.fd, path);
    // The writer takes any AsyncByteQueue as its sink (its typings list only streams).
    this.writer.reset(this.bytes as unknown as Parameters<RecordBatchFileWriter['reset']>[0]);
  }

  /** Appends one batch whose columns follow the schema's fields in order. */
  writeColumns(length: number, columns: readonly Data[]): void {
    const struct = makeData({ type: new Struct(this.schema.fields), length, children: columns as Data[] });
    this.writer.write(new RecordBatch(this.schema, struct));
  }

  /** Nothing to wait for: bytes reach the file as batches are written. */
  async drain(): Promise<void> {}

  async close(): Promise<void> {
    this.writer.finish(); // writes the footer
    this.bytes.flush();
    closeSync(this.fd);
    this.closed = true;
    writingTo(this.path, () => renameSync(this.temporary, this.path));
    untrackTemporary(this.temporary);
  }

  abort(): void {
    if (!this.closed) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    rmSync(this.temporary, { force: true });
    untrackTemporary(this.temporary);
  }
}

/**
 * A dictionary-encoded string type; one instance per column, shared by all batches.
 * The id is explicit (unique within one file's schema): left out, apache-arrow takes
 * the next value of a per-thread counter, so a file's bytes would depend on how many
 * dictionary types the thread had made before (module import order, worker threads).
 */
export function dictionaryType(id: number): Dictionary<Utf8, Int32> {
  return new Dictionary(new Utf8(), new Int32(), id);
}

/**
 * A string dictionary that only grows, chunk by chunk: the IPC file writer emits
 * each new chunk as a delta, since the file format forbids replacing a dictionary.
 */
export class GrowingDictionary {
  private readonly codes = new Map<string, number>();
  private pending: string[] = [];
  private values: Vector<Utf8> | undefined;

  constructor(initial: readonly string[] = []) {
    for (const value of initial) this.codeOf(value);
  }

  codeOf(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.codes.size;
      this.codes.set(value, code);
      this.pending.push(value);
    }
    return code;
  }

  /** Column data for `codes` against the dictionary as it stands now. */
  column(type: Dictionary<Utf8, Int32>, codes: Int32Array): Data {
    if (this.pending.length > 0) {
      const chunk = vectorFromArray(this.pending, new Utf8());
      this.values = this.values === undefined ? chunk : this.values.concat(chunk);
      this.pending = [];
    }
    return makeData({ type, length: codes.length, data: codes, dictionary: this.values ?? vectorFromArray([], new Utf8()) });
  }
}
