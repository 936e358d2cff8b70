import { readdirSync, readFileSync } from 'node:fs';

/**
 * How busy the machine was around a replay: the load average, the kernel's count of
 * runnable tasks, and the other processes runnable on the replay's own cores. On a
 * shared machine a replay beside a CPU hog measured the hog (solo times 2-5x, pair
 * rates at their floor), and calibration fitted that without a word; this is the
 * word. On a GPU host it describes the host (the dispatcher's and the copies' cores).
 */
export interface HostLoadSample {
  readonly loadAverage1m: number;
  /** procs_running of /proc/stat (this replay's own runnable tasks included). */
  readonly procsRunning: number;
  /** Runnable processes, neither this one nor its children, last run on the watched cores. */
  readonly othersRunnable: number;
  /** Their names, for the message ("stress-ng-cpu x2"). */
  readonly others: readonly string[];
}

export interface HostLoad {
  /** Cores watched (the replay's devices' and dispatcher's; every core when not pinned). */
  readonly cores: readonly number[];
  readonly samples: number;
  readonly loadAverage1m: number;
  /** Mean over the samples. */
  readonly othersRunnable: number;
  readonly others: readonly string[];
  /** Other runnable processes on the watched cores in at least half the samples. */
  readonly busy: boolean;
}

/** Mean other-runnable count at or above which the device counts as busy. */
export const BUSY_OTHERS_RUNNABLE = 0.5;

export function parseLoadAverage(text: string): number {
  const value = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(value) ? value : NaN;
}

export function parseProcsRunning(statText: string): number {
  const match = /^procs_running\s+(\d+)/m.exec(statText);
  return match === null ? NaN : Number(match[1]);
}

export interface ProcessStat {
  readonly pid: number;
  readonly name: string;
  readonly state: string;
  readonly ppid: number;
  /** The CPU it last ran on (field 39 of /proc/<pid>/stat). */
  readonly processor: number;
}

/** One /proc/<pid>/stat line; the name may hold spaces and parentheses, so split after the last ')'. */
export function parseProcessStat(text: string): ProcessStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state), so field k is rest[k - 3].
  const processor = Number(rest[39 - 3]);
  return { pid: Number(text.slice(0, open).trim()), name: text.slice(open + 1, close), state: rest[0], ppid: Number(rest[1]), processor };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // gone between listing and reading, or not Linux
  }
}

/** One look at /proc: undefined where there is no /proc (not Linux). */
export function sampleHostLoad(cores: readonly number[], self = process.pid): HostLoadSample | undefined {
  const loadavg = readText('/proc/loadavg');
  const stat = readText('/proc/stat');
  if (loadavg === undefined || stat === undefined) return undefined;
  const watched = new Set(cores);
  const others: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = readText(`/proc/${entry}/stat`);
    const p = text === undefined ? undefined : parseProcessStat(text);
    if (p === undefined || p.state !== 'R' || p.pid === self || p.ppid === self) continue;
    if (watched.has(p.processor)) others.push(p.name);
  }
  return { loadAverage1m: parseLoadAverage(loadavg), procsRunning: parseProcsRunning(stat), othersRunnable: others.length, others };
}

/** Summarizes samples; undefined when there are none (no /proc). */
export function summarizeHostLoad(cores: readonly number[], samples: readonly HostLoadSample[]): HostLoad | undefined {
  if (samples.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const s of samples) for (const name of s.others) counts.set(name, (counts.get(name) ?? 0) + 1);
  const othersRunnable = samples.reduce((t, s) => t + s.othersRunnable, 0) / samples.length;
  return {
    cores,
    samples: samples.length,
    loadAverage1m: Math.max(...samples.map((s) => s.loadAverage1m)),
    othersRunnable: Math.round(othersRunnable * 100) / 100,
    others: [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} x${n}`),
    busy: othersRunnable >= BUSY_OTHERS_RUNNABLE,
  };
}

/** Samples /proc `count` times, `gapMs` apart. */
export async function measureHostLoad(cores: readonly number[], count = 5, gapMs = 40): Promise<HostLoad | undefined> {
  const samples: HostLoadSample[] = [];
  for (let k = 0; k < count; k++) {
    const s = sampleHostLoad(cores);
    if (s === undefined) return undefined;
    samples.push(s);
    if (k < count - 1) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  return summarizeHostLoad(cores, samples);
}

/** The warning line for a busy host, or undefined when it looked idle. */
export function hostLoadWarning(load: HostLoad | undefined, cores: number): string | undefined {
  if (load === undefined) return undefined;
  const loaded = load.loadAverage1m > cores;
  if (!load.busy && !loaded) return undefined;
  const who = load.others.length > 0 ? ` (${load.others.slice(0, 4).join(', ')})` : '';
  return (
    `WARNING: the device is not idle: ${load.othersRunnable} other runnable process(es) on core(s) ${load.cores.join(',')}${who}, ` +
    `load average ${load.loadAverage1m.toFixed(2)} on ${cores} cores; its timings measure the neighbours too`
  );
}
