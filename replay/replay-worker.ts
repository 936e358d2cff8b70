import { InputError } from '../sim/core/errors.ts';
import { loadBackend } from './backends.ts';
import { buildRealModel, type RealModel } from './real-models.ts';
import { monotonicMs, type FromWorker, type RunTask, type WorkerSetup } from './worker-protocol.ts';

/**
 * A replay worker: hosts the scenario's models on one TensorFlow.js backend and runs
 * one request at a time, as the dispatcher sends them. It times the stages it sees:
 * when the input arrived, execution (per phase), and when the output left.
 */
export async function serve(setup: WorkerSetup): Promise<void> {
  // Once the dispatcher has closed the channel there is no one left to answer.
  const send = (message: FromWorker) => {
    if (process.connected) process.send!(message, undefined, undefined, () => {});
  };
  process.on('disconnect', () => process.exit(0));
  let models: Map<string, RealModel>;
  try {
    const backend = await loadBackend(setup.backend);
    models = new Map(setup.models.map((name) => [name, buildRealModel(backend.tf, name, setup.seed)]));
    send({ kind: 'ready', worker: setup.worker, backend: backend.name, device: backend.device, version: backend.version, attempts: backend.attempts });
  } catch (error) {
    send({ kind: 'setup-failed', worker: setup.worker, message: (error as Error).message, input: error instanceof InputError });
    return;
  }
  let runs = 0;
  process.on('message', (task: RunTask) => {
    const receivedAt = monotonicMs();
    if (!task.warmup && setup.crashAfterRuns !== undefined && ++runs > setup.crashAfterRuns) process.exit(70);
    const model = models.get(task.model);
    if (model === undefined) {
      send({ kind: 'run-failed', id: task.id, message: `worker ${setup.worker} does not host model ${task.model}` });
      return;
    }
    try {
      const executionStart = monotonicMs();
      const { output, phaseMs } = model.run(task.input, task.batch);
      const executionEnd = monotonicMs();
      send({ kind: 'done', id: task.id, receivedAt, executionStart, executionEnd, phaseMs, output, sentAt: monotonicMs() });
    } catch (error) {
      send({ kind: 'run-failed', id: task.id, message: (error as Error).message });
    }
  });
}
