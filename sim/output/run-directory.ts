import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.ts';
import { trackTemporary, untrackTemporary } from '../core/temporary-paths.ts';

/** The file that marks a directory as a finished run directory. */
export const SUMMARY_FILE = 'summary.json';

/**
 * A run directory being written. Everything goes into a temporary sibling which
 * commit() renames into place only when complete, so an interrupted run never
 * leaves a directory that looks finished. An existing run directory (it has a
 * summary.json) is replaced on commit; any other non-empty directory is refused
 * before anything is written.
 */
export class RunDirectory {
  private readonly temporary: string;

  private constructor(
    readonly target: string,
    private readonly label: string,
  ) {
    this.temporary = `${target}.tmp-${process.pid}`;
  }

  static open(dir: string): RunDirectory {
    const target = resolve(dir);
    if (existsSync(target)) {
      if (!statSync(target).isDirectory()) {
        throw new InputError(`${dir}: exists and is not a directory; choose another --out`);
      }
      const entries = readdirSync(target);
      if (entries.length > 0 && !entries.includes(SUMMARY_FILE)) {
        throw new InputError(`${dir}: exists and is not a run directory (no ${SUMMARY_FILE}); choose another --out`);
      }
    }
    const run = new RunDirectory(target, dir);
    mkdirSync(dirname(target), { recursive: true });
    rmSync(run.temporary, { recursive: true, force: true });
    trackTemporary(run.temporary);
    mkdirSync(run.temporary);
    return run;
  }

  /** Where to write a file of this run (inside the temporary directory). */
  path(name: string): string {
    return join(this.temporary, name);
  }

  writeFile(name: string, contents: string | Uint8Array): void {
    writeFileSync(this.path(name), contents);
  }

  /** JSON as written to run directories: two-space indent, trailing newline. */
  writeJson(name: string, value: unknown): void {
    this.writeFile(name, JSON.stringify(value, null, 2) + '\n');
  }

  commit(): string {
    rmSync(this.target, { recursive: true, force: true });
    renameSync(this.temporary, this.target);
    untrackTemporary(this.temporary);
    return this.label;
  }

  discard(): void {
    rmSync(this.temporary, { recursive: true, force: true });
    untrackTemporary(this.temporary);
  }
}
