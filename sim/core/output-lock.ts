import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { InputError } from './errors.ts';
import { isProcessAlive } from './live-process.ts';
import { writeFailure } from './output-errors.ts';
import { trackTemporary, untrackTemporary } from './temporary-paths.ts';

/** Locks this process holds (by path): a second writer in the same process is refused too. */
const held = new Set<string>();

/** A lock file still empty this long after it was made was left by a writer killed while taking it. */
const EMPTY_LOCK_STALE_MS = 10_000;

/**
 * A claim on an output place against a second strait writing it at the same time:
 * `PLACE.lock`, created exclusively, holding the writer's pid and host. A lock whose
 * process is gone (killed outright, so it could not remove it) is taken over. An
 * interrupt (SIGINT, SIGTERM) removes it with the other temporaries.
 *
 * Only a process on this host can be checked. A lock written on another host (a
 * shared file system: a Slurm task or Kubernetes pod retried on another node after
 * being killed) is taken over with a warning, so retries keep working; two writers
 * on different hosts at once are therefore not kept apart.
 */
export class OutputLock {
  private constructor(readonly path: string) {}

  /** Takes the lock on `place` (as the user named it, for messages), or fails naming the holder. */
  static take(place: string): OutputLock {
    const path = `${resolve(place)}.lock`;
    // Two tries: the second after removing a stale lock. Two processes taking over
    // the same stale lock in the same instant could both succeed; not worth a
    // heavier protocol for a command-line tool.
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure(place, error) ?? error;
        if (takeOverIfStale(place, path)) continue;
        // Read again for the message: it may have changed hands meanwhile.
        const holder = readHolder(path);
        const who = holder === undefined || holder.pid === undefined ? 'one just starting' : `pid ${holder.pid}`;
        throw new InputError(
          `${place}: another strait (${who}) is writing it; wait for it to finish or choose another --out ` +
            `(if no strait is writing there, remove ${path})`,
        );
      }
      trackTemporary(path);
      held.add(path);
      try {
        writeSync(fd, `${process.pid} ${hostname()}\n`);
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
    held.delete(this.path);
  }
}

/** Removes the lock at `path` if its writer is gone (see OutputLock); says whether it did (or it is gone already). */
function takeOverIfStale(place: string, path: string): boolean {
  if (held.has(path)) return false;
  const holder = readHolder(path);
  if (holder === undefined) return true; // released meanwhile: try again
  if (holder.pid === undefined) {
    if (Date.now() - holder.modifiedMs < EMPTY_LOCK_STALE_MS) return false;
  } else if (holder.host !== hostname()) {
    process.stderr.write(
      `strait: ${place}: took over the lock of pid ${holder.pid} on host ${holder.host}, which cannot be checked from here (a writer on another host that is still running is not kept apart)\n`,
    );
  } else if (holder.pid !== process.pid && isProcessAlive(holder.pid)) {
    return false;
  }
  // Taken over quietly on this host: what matters to the user, the dead writer's
  // half-written output, is reported when it is removed.
  rmSync(path, { force: true });
  return true;
}

/** The pid and host in a lock file (no pid: not yet written); undefined when there is no lock. */
function readHolder(path: string): { pid?: number; host: string; modifiedMs: number } | undefined {
  try {
    const modifiedMs = statSync(path).mtimeMs;
    const [pid, host] = readFileSync(path, 'utf8').trim().split(/\s+/);
    if (pid === undefined || !/^\d+$/.test(pid)) return { host: '', modifiedMs };
    return { pid: Number(pid), host: host ?? hostname(), modifiedMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
