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
  readonly dispatcher: readonly number[] | undefined;
  /** One line for replay.json and the report. */
  readonly description: string;
}

export function planPinning(devices: number, cores: number, pin: boolean, tasksetAvailable: boolean): PinningPlan {
  if (!pin) return { devices: undefined, dispatcher: undefined, description: 'not pinned (--pin none)' };
  if (!tasksetAvailable) return { devices: undefined, dispatcher: undefined, description: 'not pinned: taskset not found' };
  if (cores < 2) {
    return { devices: Array.from({ length: devices }, () => [0]), dispatcher: undefined, description: 'all on core 0 (one core)' };
  }
  // Core 0 for the dispatcher, the others dealt to devices round robin.
  const pool = Array.from({ length: cores - 1 }, (_, k) => k + 1);
  const plan: number[][] = Array.from({ length: devices }, () => []);
  if (devices <= pool.length) pool.forEach((core, k) => plan[k % devices].push(core));
  else for (let d = 0; d < devices; d++) plan[d].push(pool[d % pool.length]);
  const text = plan.map((c, d) => `device ${d}: core${c.length > 1 ? 's' : ''} ${c.join(',')}`).join('; ');
  return { devices: plan, dispatcher: [0], description: `dispatcher: core 0; ${text}` };
}

let tasksetFound: boolean | undefined;

export function hasTaskset(): boolean {
  if (process.platform !== 'linux') return false;
  tasksetFound ??= spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  return tasksetFound;
}

/** Pins a running process (e.g. the dispatcher itself) to cores; false if it failed. */
export function pinProcess(pid: number, cores: readonly number[]): boolean {
  return spawnSync('taskset', ['-pc', cores.join(','), String(pid)], { stdio: 'ignore' }).status === 0;
}
