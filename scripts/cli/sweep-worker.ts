import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../../sim/core/errors.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import type { PointDone, PointFailed, PointTask, WorkerSetup } from './sweep-pool.ts';
import { parseBaseScenario, runSweepPoint } from './sweep-point.ts';

/**
 * A sweep worker thread: runs the points the pool sends, one at a time, each into its
 * own run directory (written atomically), and answers each with done or failed.
 */
const setup = workerData as WorkerSetup;
const port = parentPort!;
let base: Scenario | undefined;

port.on('message', async (task: PointTask) => {
  try {
    base ??= parseBaseScenario(setup.baseScenario, setup.scenarioName, setup.sweepDir);
    await runSweepPoint(base, task.point, setup.runsDir);
    port.postMessage({ kind: 'done', index: task.index } satisfies PointDone);
  } catch (error) {
    const e = error as Error;
    port.postMessage({
      kind: 'failed',
      index: task.index,
      message: e.message,
      input: error instanceof InputError,
      stack: e.stack,
    } satisfies PointFailed);
  }
});
