import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system, ms) of this process's finished children so far, their own
 * finished children included (sweep workers): fields 16 and 17 of /proc/self/stat, in
 * clock ticks (10 ms on Linux). Read it before and after a spawnSync.
 */
export function childrenCpuMs(): number {
  // After the command name's closing parenthesis, field 3 (state) comes first: cutime is at 13, cstime at 14.
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

/** The 1-minute load average, as /proc/loadavg gives it. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
}
