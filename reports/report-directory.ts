import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../sim/core/errors.ts';
import { trackTemporary, untrackTemporary } from '../sim/core/temporary-paths.ts';

/** The file that marks a directory as a finished report. */
export const REPORT_INDEX = 'index.html';

/**
 * A report directory being written, like a run directory: into a temporary sibling
 * renamed into place when complete, so a failed report never looks finished. An
 * existing report (it has index.html) is replaced; any other non-empty directory
 * (a run directory, say) is refused before anything is written.
 */
export class ReportDirectory {
  private readonly temporary: string;

  private constructor(readonly target: string) {
    this.temporary = `${target}.tmp-${process.pid}`;
  }

  static open(dir: string): ReportDirectory {
    const target = resolve(dir);
    if (existsSync(target)) {
      if (!statSync(target).isDirectory()) throw new InputError(`${dir}: exists and is not a directory; choose another --out`);
      const entries = readdirSync(target);
      if (entries.length > 0 && !entries.includes(REPORT_INDEX)) {
        throw new InputError(`${dir}: exists and is not a report directory (no ${REPORT_INDEX}); choose another --out`);
      }
    }
    const report = new ReportDirectory(target);
    mkdirSync(dirname(target), { recursive: true });
    rmSync(report.temporary, { recursive: true, force: true });
    trackTemporary(report.temporary);
    mkdirSync(report.temporary);
    return report;
  }

  writeFile(name: string, contents: string | Uint8Array): void {
    writeFileSync(join(this.temporary, name), contents);
  }

  commit(): void {
    rmSync(this.target, { recursive: true, force: true });
    renameSync(this.temporary, this.target);
    untrackTemporary(this.temporary);
  }

  discard(): void {
    rmSync(this.temporary, { recursive: true, force: true });
    untrackTemporary(this.temporary);
  }
}
