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

const BOOT = fileURLToPath(new URL('./sweep-worker-boot.mjs', import.meta.url));
const WORKER_MODULE = new URL('./sweep-worker.ts', import.meta.url).href;

/**
 * Runs the points one after another on this thread: what one worker would do, without
 * the start-up of a worker process (about a second: tsx and the simulator's modules).
 */
async function runPointsHere(points: readonly SweepPoint[], options: PoolOptions): Promise<void> {
  // Loaded here only: with worker processes, this process never needs the simulator.
  const { parseBaseScenario, runSweepPoint } = await import('./sweep-point.ts');
  const base = parseBaseScenario(options.baseScenario, options.scenarioName, options.sweepDir);
  for (const point of points) {
    await runSweepPoint(base, point, options.runsDir);
    options.onDone?.(point);
  }
}

/**
 * Node options of a worker process. With a worker per core, V8's parallel and
 * concurrent GC helper threads only take cores from the other workers (on a 2-core
 * machine they used about a fifth of the CPU of a 2-worker sweep of threads): each
 * worker then collects on its own thread. V8 flags are per process and cannot be
 * changed safely once a heap exists, which is why workers are processes, not threads.
 */
export function workerExecArgv(workers: number, cores = availableParallelism()): string[] {
  return workers >= cores ? ['--single-threaded-gc'] : [];
}

/**
 * Runs the points on worker processes (with one worker: in this process). Each worker
 * takes the next point from one shared queue (in the grid's order) as soon as it is
 * free, and writes that point's run directory itself. Which worker runs a point
 * changes nothing in its files (each run depends only on its scenario and seed). The
 * first failure stops the pool: the workers are killed (a run cut short leaves only
 * a temporary directory) and the promise rejects with that point's error.
 */
export function runPointsInWorkers(points: readonly SweepPoint[], options: PoolOptions): Promise<void> {
  if (points.length === 0) return Promise.resolve();
  const count = Math.max(1, Math.min(options.workers, points.length));
  // The offline GPU bundle has no worker boot (its workers would run the TypeScript sources): one process.
  if (count === 1 || !existsSync(BOOT)) return runPointsHere(points, options);
  const setup: WorkerSetup = {
    module: WORKER_MODULE,
    sweepDir: options.sweepDir,
    runsDir: options.runsDir,
    scenarioName: options.scenarioName,
    baseScenario: options.baseScenario,
  };
  const execArgv = workerExecArgv(count);
  return new Promise<void>((resolve, reject) => {
    const workers: ChildProcess[] = [];
    const running = new Map<ChildProcess, number>();
    let next = 0;
    let finished = 0;
    let stopped = false;

    const stop = (error?: Error) => {
      if (stopped) return;
      stopped = true;
      const ended = workers.map((worker) => (error === undefined ? releaseWorker(worker) : killWorker(worker)));
      void Promise.all(ended).then(() => (error === undefined ? resolve() : reject(error)), reject);
    };
    const feed = (worker: ChildProcess) => {
      if (stopped) return;
      if (next >= points.length) {
        running.delete(worker);
        return;
      }
      const index = next++;
      running.set(worker, index);
      worker.send({ index, point: points[index] } satisfies PointTask);
    };

    for (let k = 0; k < count; k++) {
      // stdin ignored, stdout and stderr shared: a worker prints nothing unless it breaks.
      const worker = fork(BOOT, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
      workers.push(worker);
      worker.send(setup);
      worker.on('message', (message: WorkerReady | PointDone | PointFailed) => {
        if (stopped) return;
        if (message.kind === 'ready') return feed(worker);
        const point = points[message.index];
        if (message.kind === 'failed') {
          if (message.input) return stop(new InputError(message.message));
          const error = new Error(`${point.run}: ${message.message}`);
          if (message.stack !== undefined) error.stack = message.stack;
          return stop(error);
        }
        finished++;
        options.onDone?.(point);
        if (finished === points.length) return stop();
        feed(worker);
      });
      worker.on('error', (error) => stop(error));
      worker.on('exit', (code, signal) => {
        const index = running.get(worker);
        if (!stopped && index !== undefined) {
          const how = signal !== null ? `signal ${signal}` : `code ${code}`;
          stop(new Error(`a sweep worker exited (${how}) while running ${points[index].run}`));
        }
      });
    }
  });
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
