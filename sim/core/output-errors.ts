import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from './errors.ts';

/**
 * File-system failures that say something about the place the user chose (or its
 * disk), not about strait: reported as input errors (exit 2), in words.
 */
const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many levels of symbolic links',
  EXDEV: 'not on the same file system',
  EBUSY: 'busy',
};

/**
 * The InputError for a failed write to `place` (an --out as the user gave it), or
 * undefined when the error is not a file-system error of that kind (a bug: rethrow it).
 */
export function writeFailure(place: string, error: unknown): InputError | undefined {
  const { code, syscall, path } = (error ?? {}) as NodeJS.ErrnoException;
  const reason = code !== undefined ? REASONS[code] : undefined;
  if (reason === undefined) return undefined;
  const where = syscall !== undefined && path !== undefined ? ` (${syscall} ${path})` : '';
  return new InputError(`${place}: cannot be written: ${reason}${where}`);
}

/** Runs `write`; a file-system failure becomes one input error naming `place`. */
export function writingTo<T>(place: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    throw writeFailure(place, error) ?? error;
  }
}

/**
 * mkdir -p. Node's own recursive mkdirSync never returns for a path under /proc
 * (v20: it retries the ENOENT forever), so the missing directories are found
 * walking up, then made one at a time from the top.
 */
export function makeDirectories(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      if (!statSync(at).isDirectory()) throw Object.assign(new Error(`not a directory: ${at}`), { code: 'ENOTDIR', syscall: 'mkdir', path: at });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.push(at);
      const up = dirname(at);
      if (up === at) break;
      at = up;
    }
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // made meanwhile by another process
    }
  }
}

/** Codes that are never strait's fault, wherever they happen: permissions and full disks. */
const ENVIRONMENT = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT']);

/**
 * For the CLI's last resort: a permission or full-disk failure that no command
 * turned into an input error of its own is still the machine's, not a bug.
 */
export function environmentFailure(error: unknown): InputError | undefined {
  const { code, syscall, path } = (error ?? {}) as NodeJS.ErrnoException;
  if (code === undefined || !ENVIRONMENT.has(code) || path === undefined) return undefined;
  return new InputError(`${path}: ${REASONS[code]}${syscall !== undefined ? ` (${syscall})` : ''}`);
}
