import { OutputDirectory, type DirectoryKind } from '../sim/output/output-directory.ts';

/** The file that marks a directory as a finished report. */
export const REPORT_INDEX = 'index.html';

const FIGURE_SPEC = '.vl.json';

/** index.html, and each figure's NAME.vl.json with its NAME.svg and NAME.png. */
function isReportFile(name: string, names: readonly string[]): boolean {
  if (name === REPORT_INDEX || name.endsWith(FIGURE_SPEC)) return true;
  const figure = /^(.+)\.(svg|png)$/.exec(name);
  return figure !== null && names.includes(figure[1] + FIGURE_SPEC);
}

export const REPORT_DIRECTORY: DirectoryKind = { noun: 'report directory', marker: REPORT_INDEX, isOwnFile: isReportFile };

/**
 * A report directory being written, atomically, like a run directory. An earlier
 * report there is replaced (a report is derived from its run, rebuilt at will), but
 * only when it holds nothing but a report's files; any other non-empty directory (a
 * run directory, say) is refused before anything is written.
 */
export class ReportDirectory {
  static open(dir: string): OutputDirectory {
    return OutputDirectory.open(dir, REPORT_DIRECTORY, { replace: true });
  }
}
