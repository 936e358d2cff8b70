import { OutputDirectory, type DirectoryKind } from '../sim/output/output-directory.ts';

/** The file that marks a directory as a finished report. */
export const REPORT_INDEX = 'index.html';

const FIGURE_SPEC = '.vl.json';

/** Files a comparison's figure set writes beside its figures (strait compare --figures). */
const FIGURE_SET_FILES = ['tables.md', 'comparison.json'];

/** index.html, each figure's NAME.vl.json with its NAME.svg and NAME.png, and a figure set's tables. */
function isReportFile(name: string, names: readonly string[]): boolean {
  if (name === REPORT_INDEX || name.endsWith(FIGURE_SPEC) || FIGURE_SET_FILES.includes(name)) return true;
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
