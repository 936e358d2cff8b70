import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { InputError } from './errors.ts';
import { isProcessAlive } from './live-process.ts';
import { writeFailure } from './output-errors.ts';
import { trackTemporary, untrackTemporary } from './temporary-paths.ts';

/**
 * A claim on an output place against a second strait writing it at the same time:
 * `PLACE.lock`, created exclusively, holding the writer's pid and host. A lock whose
 * process is gone (killed outright, so it could not remove it) is taken over. An
 * interrupt (SIGINT, SIGTERM) removes it with the other temporaries.
 */
export class OutputLock {
  private constructor(readonly path: string) {}

  /** Takes the lock on `place` (as the user named it, for messages), or fails naming the holder. */
  static take(place: string): OutputLock {
    const path = `${resolve(place)}.lock`;
    const me = `${process.pid} ${hostname()}\n`;
    // Two tries: the second after removing a stale lock. Two processes taking over
    // the same stale lock in the same instant could both succeed; not worth a
    // heavier protocol for a command-line tool.
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure(place, error) ?? error;
        const holder = readHolder(path);
        if (holder === undefined) continue; // removed meanwhile: try again
        if (holder.host === hostname() && !isProcessAlive(holder.pid)) {
          // Taken over quietly: what matters to the user, the dead writer's half-written
          // output, is reported when it is removed.
          rmSync(path, { force: true });
          continue;
        }
        const who = Number.isNaN(holder.pid) ? 'one just starting' : holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.host}`;
        throw new InputError(
          `${place}: another strait (${who}) is writing it; wait for it to finish or choose another --out ` +
            `(if that process is not a strait writing here, remove ${path})`,
        );
      }
      trackTemporary(path);
      try {
        writeSync(fd, me);
      } finally {
        closeSync(fd);
      }
      return new OutputLock(path);
    }
    throw new InputError(`${place}: could not take ${path}: it keeps being replaced by other processes`);
  }

  release(): void {
    rmSync(this.path, { force: true });
    untrackTemporary(this.path);
  }
}

/** The pid and host in a lock file; a lock not yet written (or unreadable) counts as held by an unknown live writer. */
function readHolder(path: string): { pid: number; host: string } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const [pid, host] = text.trim().split(/\s+/);
  // Created but not yet written: its writer is between open and write, alive.
  if (pid === undefined || pid === '') return { pid: Number.NaN, host: '' };
  return { pid: Number(pid), host: host ?? hostname() };
}
