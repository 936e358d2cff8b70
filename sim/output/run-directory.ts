import { OutputDirectory, type DirectoryKind, type OutputDirectoryOptions } from './output-directory.ts';

/** The file that marks a directory as a finished run directory. */
export const SUMMARY_FILE = 'summary.json';

/** Every file `strait run` (timing.json) and `strait replay` (replay.json) write in a run directory. */
export const RUN_FILES: readonly string[] = ['summary.json', 'requests.arrow', 'scenario.json', 'timing.json', 'replay.json'];

export const RUN_DIRECTORY: DirectoryKind = {
  noun: 'run directory',
  marker: SUMMARY_FILE,
  isOwnFile: (name) => RUN_FILES.includes(name),
};

/**
 * A run directory being written, atomically (see OutputDirectory): an existing run
 * directory is replaced only with options.replace (--force), and only if it holds
 * nothing but a run's files; any other non-empty directory is refused.
 */
export class RunDirectory {
  static open(dir: string, options: OutputDirectoryOptions = {}): OutputDirectory {
    return OutputDirectory.open(dir, RUN_DIRECTORY, options);
  }
}
