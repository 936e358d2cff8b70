import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isProcessAlive } from './live-process.ts';

/** `NAME.tmp-PID`: what an output being written is called until it is complete. */
const TEMPORARY = /^(.+)\.tmp-(\d+)$/;

/** The temporary name this process writes `target` under. */
export function temporaryPathOf(target: string): string {
  return `${target}.tmp-${process.pid}`;
}

/**
 * Removes the temporaries in `dir` (of `name` only, when given) whose writer is no
 * longer running: a process killed outright (SIGKILL, the OOM killer, a node lost)
 * has no chance to remove its own. Temporaries of running processes are left alone.
 * Says on stderr, in one line, what it removed. Returns the removed names.
 */
export function removeStaleTemporaries(dir: string, name?: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return []; // no directory yet (or not readable): nothing of ours can be there
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const match = TEMPORARY.exec(entry);
    if (match === null || (name !== undefined && match[1] !== name)) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    rmSync(join(dir, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  if (removed.length > 0) {
    const what = removed.length === 1 ? join(dir, removed[0]) : `${removed.length} in ${dir}: ${removed.join(', ')}`;
    process.stderr.write(`strait: removed ${what}, left by ${removed.length === 1 ? 'a run' : 'runs'} that did not finish\n`);
  }
  return removed;
}

/** Removes the stale temporaries of one output (`PATH.tmp-PID` beside PATH). */
export function removeStaleTemporariesOf(target: string): string[] {
  const path = resolve(target);
  return removeStaleTemporaries(dirname(path), basename(path));
}
