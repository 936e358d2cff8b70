import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.ts';

/** The file that marks a directory as a finished run directory. */
export const SUMMARY_FILE = 'summary.json';

export interface OutputFile {
  readonly name: string;
  readonly contents: string | Uint8Array;
}

/**
 * Writes a run directory atomically: everything goes into a temporary sibling which
 * is renamed into place only when complete, so an interrupted run never leaves a
 * directory that looks finished. An existing run directory (it has a summary.json)
 * is replaced; any other non-empty directory is left alone and is an error.
 */
export function writeRunDirectory(dir: string, files: readonly OutputFile[]): void {
  const target = resolve(dir);
  if (existsSync(target)) {
    const entries = readdirSync(target);
    if (entries.length > 0 && !entries.includes(SUMMARY_FILE)) {
      throw new InputError(`${dir}: exists and is not a run directory (no ${SUMMARY_FILE}); choose another --out`);
    }
  }
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.tmp-${process.pid}`;
  rmSync(temporary, { recursive: true, force: true });
  mkdirSync(temporary);
  try {
    for (const file of files) writeFileSync(join(temporary, file.name), file.contents);
    rmSync(target, { recursive: true, force: true });
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
}

/** JSON as written to run directories: two-space indent, trailing newline. */
export function jsonFile(name: string, value: unknown): OutputFile {
  return { name, contents: JSON.stringify(value, null, 2) + '\n' };
}
