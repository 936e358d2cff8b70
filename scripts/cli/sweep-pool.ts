import { Worker } from 'node:worker_threads';
import { InputError } from '../../sim/core/errors.ts';
import type { SweepPoint } from '../../scenarios/sweep-grid.ts';

/** What every worker thread is started with. */
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

const BOOT = new URL('./sweep-worker-boot.mjs', import.meta.url);
const WORKER_MODULE = new URL('./sweep-worker.ts', import.meta.url).href;

/**
 * Runs the points one after another on this thread: what one worker would do, without
 * the start-up of a worker thread (about a second: tsx and the simulator's modules).
 */
async function runPointsHere(points: readonly SweepPoint[], options: PoolOptions): Promise<void> {
  // Loaded here only: with worker threads, the main thread never needs the simulator.
  const { parseBaseScenario, runSweepPoint } = await import('./sweep-point.ts');
  const base = parseBaseScenario(options.baseScenario, options.scenarioName, options.sweepDir);
  for (const point of points) {
    await runSweepPoint(base, point, options.runsDir);
    options.onDone?.(point);
  }
}

/**
 * Runs the points on worker threads (with one worker: on this thread). Each worker
 * takes the next point from one shared queue (in the grid's order) as soon as it is
 * free, and writes that point's run directory itself. Which worker runs a point changes nothing in its files (each run
 * depends only on its scenario and seed). The first failure stops the pool: the
 * workers are terminated (a run cut short leaves only a temporary directory) and the
 * promise rejects with that point's error.
 */
export function runPointsInWorkers(points: readonly SweepPoint[], options: PoolOptions): Promise<void> {
  if (points.length === 0) return Promise.resolve();
  const count = Math.max(1, Math.min(options.workers, points.length));
  if (count === 1) return runPointsHere(points, options);
  const setup: WorkerSetup = {
    module: WORKER_MODULE,
    sweepDir: options.sweepDir,
    runsDir: options.runsDir,
    scenarioName: options.scenarioName,
    baseScenario: options.baseScenario,
  };
  return new Promise<void>((resolve, reject) => {
    const workers: Worker[] = [];
    const running = new Map<Worker, number>();
    let next = 0;
    let finished = 0;
    let stopped = false;

    const stop = (error?: Error) => {
      if (stopped) return;
      stopped = true;
      void Promise.all(workers.map((w) => w.terminate())).then(() => (error === undefined ? resolve() : reject(error)), reject);
    };
    const feed = (worker: Worker) => {
      if (stopped) return;
      if (next >= points.length) {
        running.delete(worker);
        return;
      }
      const index = next++;
      running.set(worker, index);
      worker.postMessage({ index, point: points[index] } satisfies PointTask);
    };

    for (let k = 0; k < count; k++) {
      const worker = new Worker(BOOT, { workerData: setup });
      workers.push(worker);
      worker.on('message', (message: PointDone | PointFailed) => {
        if (stopped) return;
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
      worker.on('exit', (code) => {
        const index = running.get(worker);
        if (!stopped && index !== undefined) {
          stop(new Error(`a sweep worker exited (code ${code}) while running ${points[index].run}`));
        }
      });
      feed(worker);
    }
  });
}
