import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.ts';
import { OutputLock } from '../core/output-lock.ts';
import { makeDirectories, writingTo } from '../core/output-errors.ts';
import { removeStaleTemporariesOf, temporaryPathOf } from '../core/stale-temporaries.ts';
import { trackTemporary, untrackTemporary } from '../core/temporary-paths.ts';

/** What makes a directory one of strait's outputs (a run directory, a report). */
export interface DirectoryKind {
  /** Its name in messages: "run directory". */
  readonly noun: string;
  /** The file a finished one holds (written last, so its presence means complete). */
  readonly marker: string;
  /** Whether `name`, among the `names` of a finished one, is a file strait writes there. */
  readonly isOwnFile: (name: string, names: readonly string[]) => boolean;
}

export interface OutputDirectoryOptions {
  /**
   * Replace a finished one at the place (deleting only its own files; a directory
   * that also holds other files is refused). Otherwise a finished one is refused
   * with a message naming --force. Default false.
   */
  readonly replace?: boolean;
  /**
   * Take PLACE.lock against a second writer. Default true; false where the caller
   * holds a lock over this place already (a sweep over its points).
   */
  readonly lock?: boolean;
}

/**
 * An output directory being written. Everything goes into a temporary sibling
 * (PLACE.tmp-PID) that commit() renames into place only when complete, so an
 * interrupted command never leaves a directory that looks finished; temporaries of
 * writers that died are removed when the next one opens the place. Every refusal
 * happens in open(), before anything is written.
 */
export class OutputDirectory {
  private constructor(
    /** The place as the user named it (for messages). */
    readonly place: string,
    readonly target: string,
    private readonly temporary: string,
    private readonly kind: DirectoryKind,
    private readonly lock: OutputLock | undefined,
  ) {}

  static open(place: string, kind: DirectoryKind, options: OutputDirectoryOptions = {}): OutputDirectory {
    const target = resolve(place);
    writingTo(place, () => makeDirectories(dirname(target)));
    const lock = options.lock === false ? undefined : OutputLock.take(place);
    try {
      removeStaleTemporariesOf(target);
      const existing = finishedEntries(place, target, kind);
      if (existing !== undefined && options.replace !== true) {
        throw new InputError(`${place}: holds a finished ${kind.noun}; pass --force to replace it, or choose another --out`);
      }
      if (existing !== undefined) refuseForeignFiles(place, kind, existing);
      const temporary = temporaryPathOf(target);
      rmSync(temporary, { recursive: true, force: true });
      trackTemporary(temporary);
      writingTo(place, () => mkdirSync(temporary));
      return new OutputDirectory(place, target, temporary, kind, lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  /** Where to write a file of this output (inside the temporary directory). */
  path(name: string): string {
    return join(this.temporary, name);
  }

  writeFile(name: string, contents: string | Uint8Array): void {
    writingTo(this.place, () => writeFileSync(this.path(name), contents));
  }

  /** JSON as strait writes it: two-space indent, trailing newline. */
  writeJson(name: string, value: unknown): void {
    this.writeFile(name, JSON.stringify(value, null, 2) + '\n');
  }

  /** Puts the finished output in place (replacing the earlier one's own files); returns the place. */
  commit(): string {
    try {
      // Looked at again: files may have been added since open().
      const existing = finishedEntries(this.place, this.target, this.kind);
      if (existing !== undefined) {
        refuseForeignFiles(this.place, this.kind, existing);
        writingTo(this.place, () => {
          for (const name of existing) rmSync(join(this.target, name), { force: true });
          rmdirSync(this.target);
        });
      } else if (existsSync(this.target)) {
        writingTo(this.place, () => rmdirSync(this.target)); // empty, or refused at open()
      }
      writingTo(this.place, () => renameSync(this.temporary, this.target));
    } catch (error) {
      this.discard();
      throw error;
    }
    untrackTemporary(this.temporary);
    this.lock?.release();
    return this.place;
  }

  discard(): void {
    rmSync(this.temporary, { recursive: true, force: true });
    untrackTemporary(this.temporary);
    this.lock?.release();
  }
}

/**
 * The entries of a finished output of this kind at `target`; undefined when there is
 * nothing there (or an empty directory). Anything else there is refused.
 */
function finishedEntries(place: string, target: string, kind: DirectoryKind): string[] | undefined {
  if (!existsSync(target)) return undefined;
  if (!statSync(target).isDirectory()) throw new InputError(`${place}: exists and is not a directory; choose another --out`);
  const entries = readdirSync(target);
  if (entries.length === 0) return undefined;
  if (!entries.includes(kind.marker)) {
    throw new InputError(`${place}: exists and is not a ${kind.noun} (no ${kind.marker}); choose another --out`);
  }
  return entries;
}

/** A finished output is replaced only when nothing but strait's own files would go. */
function refuseForeignFiles(place: string, kind: DirectoryKind, entries: readonly string[]): void {
  const foreign = entries.filter((name) => !kind.isOwnFile(name, entries)).sort();
  if (foreign.length === 0) return;
  const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, ... (${foreign.length} in all)` : '');
  throw new InputError(
    `${place}: the ${kind.noun} there also holds files strait did not write (${shown}); move them away or choose another --out`,
  );
}
