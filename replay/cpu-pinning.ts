import { spawnSync } from 'node:child_process';

/**
 * Which CPU cores each replay device and the dispatcher use. On a CPU backend a
 * "device" is a set of cores that all of its workers are pinned to, so co-located
 * requests really compete for it, as requests sharing a GPU do; the dispatcher gets a
 * core of its own when there are enough, so its bookkeeping does not count as
 * interference. GPU backends are not pinned.
 */
export interface PinningPlan {
  /** Cores of each device (by device index), or undefined when not pinned. */
  readonly devices: readonly (readonly number[])[] | undefined;
  /**
   * Workers run under SCHED_BATCH: without it Linux favours a process that wakes up
   * (the worker of a short request) over one that has been running (a long one), so
   * a long request sharing a core with a stream of short ones got under a tenth of it
   * (measured: ResNet beside MobileNet at 0.09 of its solo speed, against 0.16 under
   * SCHED_BATCH). Batch scheduling is closer to the plain time slicing of GPU
   * contexts that the simulator models.
   */
  readonly batchScheduling: boolean;
  readonly dispatcher: readonly number[] | undefined;
  /** One line for replay.json and the report. */
  readonly description: string;
}

export function planPinning(devices: number, cores: number, pin: boolean, tasksetAvailable: boolean, chrtAvailable = false): PinningPlan {
  const unpinned = { devices: undefined, dispatcher: undefined, batchScheduling: false };
  if (!pin) return { ...unpinned, description: 'not pinned (--pin none)' };
  if (!tasksetAvailable) return { ...unpinned, description: 'not pinned: taskset not found' };
  const batch = chrtAvailable ? '; workers under SCHED_BATCH' : '; chrt not found: default scheduling';
  if (cores < 2) {
    return { devices: Array.from({ length: devices }, () => [0]), dispatcher: undefined, batchScheduling: chrtAvailable, description: `all on core 0 (one core)${batch}` };
  }
  // Core 0 for the dispatcher, the others dealt to devices round robin.
  const pool = Array.from({ length: cores - 1 }, (_, k) => k + 1);
  const plan: number[][] = Array.from({ length: devices }, () => []);
  if (devices <= pool.length) pool.forEach((core, k) => plan[k % devices].push(core));
  else for (let d = 0; d < devices; d++) plan[d].push(pool[d % pool.length]);
  const text = plan.map((c, d) => `device ${d}: core${c.length > 1 ? 's' : ''} ${c.join(',')}`).join('; ');
  return { devices: plan, dispatcher: [0], batchScheduling: chrtAvailable, description: `dispatcher: core 0; ${text}${batch}` };
}

let tasksetFound: boolean | undefined;
let chrtFound: boolean | undefined;

export function hasTaskset(): boolean {
  if (process.platform !== 'linux') return false;
  tasksetFound ??= spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  return tasksetFound;
}

export function hasChrt(): boolean {
  if (process.platform !== 'linux') return false;
  chrtFound ??= spawnSync('chrt', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  return chrtFound;
}

/** Pins a running process (e.g. the dispatcher itself) to cores; false if it failed. */
export function pinProcess(pid: number, cores: readonly number[]): boolean {
  return spawnSync('taskset', ['-pc', cores.join(','), String(pid)], { stdio: 'ignore' }).status === 0;
}
