import { InputError } from '../../sim/core/errors.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import type { PointDone, PointFailed, PointTask, WorkerReady, WorkerSetup } from './sweep-pool.ts';
import { parseBaseScenario, runSweepPoint } from './sweep-point.ts';

/**
 * A sweep worker process: runs the points the pool sends over the IPC channel, one
 * at a time in the order sent (the pool sends the next before this one is done), each
 * into its own run directory (written atomically), and answers each with done or
 * failed. It exits when the pool closes the channel.
 */
export function serve(setup: WorkerSetup): void {
  let base: Scenario | undefined;
  const waiting: PointTask[] = [];
  let running = false;
  // The pool may already have closed the channel (it finished while this worker was
  // still starting): then there is no one to tell, and nothing to report.
  const reply = (message: WorkerReady | PointDone | PointFailed) => {
    if (process.connected) process.send!(message, undefined, undefined, () => {});
  };
  const runWaiting = async () => {
    running = true;
    for (let task = waiting.shift(); task !== undefined; task = waiting.shift()) {
      try {
        base ??= parseBaseScenario(setup.baseScenario, setup.scenarioName, setup.sweepDir);
        await runSweepPoint(base, task.point, setup.runsDir);
        reply({ kind: 'done', index: task.index, at: Date.now() });
      } catch (error) {
        const e = error as Error;
        reply({ kind: 'failed', index: task.index, message: e.message, input: error instanceof InputError, stack: e.stack });
      }
    }
    running = false;
  };
  process.on('message', (task: PointTask) => {
    waiting.push(task);
    if (!running) void runWaiting();
  });
  process.on('disconnect', () => process.exit(0));
  reply({ kind: 'ready' });
}
