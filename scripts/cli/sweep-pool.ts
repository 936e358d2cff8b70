import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../sim/core/errors.ts';
import type { SweepPoint } from '../../scenarios/sweeps/sweep-grid.ts';

/** What every worker process is started with (its first message). */
export interface WorkerSetup {
  /** URL of the TypeScript worker module, loaded by the boot file after tsx is registered. */
  readonly module: string;
  readonly sweepDir: string;
  readonly runsDir: string;
  readonly scenarioName: string;
  /** The resolved base scenario as sweep.json holds it. */
  readonly baseScenario: unknown;
}

export interface PointTask {
  readonly index: number;
  readonly point: SweepPoint;
}

/** A worker is listening for tasks. */
export interface WorkerReady {
  readonly kind: 'ready';
}

export interface PointDone {
  readonly kind: 'done';
  readonly index: number;
  /** When the worker finished it (Date.now() there): when a worker went idle for good is its last. */
  readonly at: number;
}

export interface PointFailed {
  readonly kind: 'failed';
  readonly index: number;
  readonly message: string;
  /** An InputError (bad input, one line to the user) rather than a bug. */
  readonly input: boolean;
  readonly stack?: string;
}

export interface PoolOptions {
  readonly workers: number;
  readonly sweepDir: string;
  readonly runsDir: string;
  readonly scenarioName: string;
  readonly baseScenario: unknown;
  /** Called on the main thread as each point's run directory is complete. */
  readonly onDone?: (point: SweepPoint) => void;
}

/** How the points were spread: how long the first worker to run out of points waited for the last. */
export interface PoolOutcome {
  readonly idleTailMs: number;
}

const BOOT = fileURLToPath(new URL('./sweep-worker-boot.mjs', import.meta.url));
const WORKER_MODULE = new URL('./sweep-worker.ts', import.meta.url).href;

/**
 * Points a child process holds at once: the one it runs and the next. This process runs
 * points too, and while it simulates it answers no message (a point yields to the event
 * loop only every 16,384 arrivals), so a child that held one point would wait for it.
 */
const POINTS_HELD = 2;

/** Runs points on this thread, taking each from `take` until it has none; resolves to when it ran out. */
async function runPointsHere(
  take: () => number | undefined,
  points: readonly SweepPoint[],
  options: PoolOptions,
): Promise<number> {
  // Loaded here only: the parent of a sweep needs the simulator only once it runs a point.
  const { parseBaseScenario, runSweepPoint } = await import('./sweep-point.ts');
  const base = parseBaseScenario(options.baseScenario, options.scenarioName, options.sweepDir);
  for (let index = take(); index !== undefined; index = take()) {
    await runSweepPoint(base, points[index], options.runsDir);
    options.onDone?.(points[index]);
  }
  return Date.now();
}

/**
 * Node options of a worker process. With a worker per core, V8's parallel and
 * concurrent GC helper threads only take cores from the other workers (on a 2-core
 * machine they used about a fifth of the CPU of a 2-worker sweep of threads): each
 * worker then collects on its own thread. V8 flags are per process and cannot be
 * changed safely once a heap exists, which is why workers are processes, not threads.
 * The sweep's own process, a worker too, keeps the flags it was started with: a 1-worker
 * sweep costs the same CPU with and without this flag (RESULTS.md, "Sweep workers").
 */
export function workerExecArgv(workers: number, cores = availableParallelism()): string[] {
  return workers >= cores ? ['--single-threaded-gc'] : [];
}

/**
 * Runs the points on `workers` workers: this process and workers - 1 child processes
 * (one worker: this process alone). Every worker takes the next point of one queue (in
 * the grid's order) when it needs one, and writes that point's run directory itself.
 * Which worker runs a point changes nothing in its files (each run depends only on its
 * scenario and seed). The first failure stops the pool: the children are killed (a run
 * cut short leaves only a temporary directory), this process finishes the point it is
 * running, and the promise rejects with that first error.
 */
export async function runPointsInWorkers(points: readonly SweepPoint[], options: PoolOptions): Promise<PoolOutcome> {
  if (points.length === 0) return { idleTailMs: 0 }; // a restarted sweep with every point complete: nothing to load
  const count = Math.max(1, Math.min(options.workers, points.length));
  let next = 0;
  let stopped = false;
  const take = () => (stopped || next >= points.length ? undefined : next++);
  // The offline GPU bundle has no worker boot (its workers would run the TypeScript sources): one process.
  if (count === 1 || !existsSync(BOOT)) {
    await runPointsHere(take, points, options);
    return { idleTailMs: 0 };
  }
  const setup: WorkerSetup = {
    module: WORKER_MODULE,
    sweepDir: options.sweepDir,
    runsDir: options.runsDir,
    scenarioName: options.scenarioName,
    baseScenario: options.baseScenario,
  };
  const execArgv = workerExecArgv(count);
  const children: ChildProcess[] = [];
  /** The points sent to each child and not yet done. */
  const held = new Map<ChildProcess, Set<number>>();
  /** When each worker ran out of points (this process's entry is added when its loop ends). */
  const idleSince: number[] = [];
  let failure: Error | undefined;
  let childrenEnded: Promise<void> = Promise.resolve();
  let settle: () => void = () => {};
  const childrenDone = new Promise<void>((resolve) => (settle = resolve));

  const stop = (error?: Error) => {
    if (error !== undefined && failure === undefined) failure = error;
    if (stopped) return;
    stopped = true;
    const ended = children.map((child) => (error === undefined ? releaseWorker(child) : killWorker(child)));
    childrenEnded = Promise.all(ended).then(() => {});
    settle();
  };
  const feed = (child: ChildProcess) => {
    const mine = held.get(child)!;
    while (mine.size < POINTS_HELD) {
      const index = take();
      if (index === undefined) return;
      mine.add(index);
      child.send({ index, point: points[index] } satisfies PointTask);
    }
  };
  let hereDone = false;
  /** Every point is done: this process's loop has ended and no child holds one. */
  const finishIfDone = () => {
    if (!stopped && hereDone && next >= points.length && [...held.values()].every((mine) => mine.size === 0)) stop();
  };

  for (let k = 1; k < count; k++) {
    // stdin ignored, stdout and stderr shared: a worker prints nothing unless it breaks.
    const child = fork(BOOT, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    children.push(child);
    held.set(child, new Set());
    child.send(setup);
    child.on('message', (message: WorkerReady | PointDone | PointFailed) => {
      if (stopped) return;
      if (message.kind === 'ready') {
        feed(child);
        if (held.get(child)!.size === 0) idleSince.push(Date.now()); // started after the last point was taken
        return;
      }
      const point = points[message.index];
      if (message.kind === 'failed') {
        if (message.input) return stop(new InputError(message.message));
        const error = new Error(`${point.run}: ${message.message}`);
        if (message.stack !== undefined) error.stack = message.stack;
        return stop(error);
      }
      const mine = held.get(child)!;
      mine.delete(message.index);
      options.onDone?.(point);
      feed(child);
      if (mine.size === 0) idleSince.push(message.at);
      finishIfDone();
    });
    child.on('error', (error) => stop(error));
    child.on('exit', (code, signal) => {
      const mine = held.get(child)!;
      if (!stopped && mine.size > 0) {
        const how = signal !== null ? `signal ${signal}` : `code ${code}`;
        stop(new Error(`a sweep worker exited (${how}) while running ${points[[...mine][0]].run}`));
      }
    });
  }

  // This process is a worker too, from the moment its children are started.
  try {
    idleSince.push(await runPointsHere(take, points, options));
    hereDone = true;
    finishIfDone();
  } catch (error) {
    stop(error as Error);
  }
  await childrenDone;
  await childrenEnded;
  if (failure !== undefined) throw failure;
  return { idleTailMs: Math.max(...idleSince) - Math.min(...idleSince) };
}

/** Resolves once a worker process has exited. */
function exited(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => worker.once('exit', () => resolve()));
}

/** Closes an idle worker's channel: it exits by itself. */
function releaseWorker(worker: ChildProcess): Promise<void> {
  const done = exited(worker);
  if (worker.connected) worker.disconnect();
  return done;
}

/** Stops a worker at once (a run it has in progress leaves only a temporary directory). */
function killWorker(worker: ChildProcess): Promise<void> {
  const done = exited(worker);
  worker.kill('SIGKILL');
  return done;
}
