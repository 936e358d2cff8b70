import { createWriteStream, openSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Dictionary, Int32, RecordBatch, RecordBatchFileWriter, Struct, Utf8, Vector, makeData, vectorFromArray, type Data, type Schema } from 'apache-arrow';

/**
 * An Arrow IPC file written record batch by record batch to a temporary sibling,
 * renamed into place by close(): memory stays bounded by one batch (when drain()
 * is awaited between batches) and an interrupted write leaves nothing that looks
 * complete. Every batch must use the one schema given here.
 */
export class ArrowFileSink {
  private readonly temporary: string;
  private readonly writer = new RecordBatchFileWriter();
  private readonly out: WriteStream;
  private readonly finished: Promise<void>;
  private failure: Error | undefined;

  constructor(
    private readonly path: string,
    private readonly schema: Schema,
  ) {
    this.temporary = `${path}.tmp-${process.pid}`;
    // Opened synchronously: abort() may come before an asynchronous open would have
    // created the file, which would then appear after abort() had removed it.
    this.out = createWriteStream(this.temporary, { fd: openSync(this.temporary, 'w') });
    this.out.on('error', (error) => (this.failure = error));
    this.writer.toNodeStream().pipe(this.out);
    this.finished = once(this.out, 'finish').then(() => undefined);
  }

  /** Appends one batch whose columns follow the schema's fields in order. */
  writeColumns(length: number, columns: readonly Data[]): void {
    const struct = makeData({ type: new Struct(this.schema.fields), length, children: columns as Data[] });
    this.writer.write(new RecordBatch(this.schema, struct));
  }

  /** Waits until the file stream has taken what was written. */
  async drain(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.out.writableNeedDrain) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    this.writer.finish();
    await this.finished;
    if (this.failure) throw this.failure;
    renameSync(this.temporary, this.path);
  }

  abort(): void {
    this.out.destroy();
    rmSync(this.temporary, { force: true });
  }
}

/** A dictionary-encoded string type; one instance per column, shared by all batches. */
export function dictionaryType(): Dictionary<Utf8, Int32> {
  return new Dictionary(new Utf8(), new Int32());
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
