import { createInterface } from 'node:readline';
import { InputError } from '../sim/core/errors.ts';
import { loadBackend, type BackendChoice } from './backends.ts';
import { buildRealModel, type RealModel } from './real-models.ts';
import { base64ToFloat32, float32ToBase64, monotonicMs, type FromWorker, type RunTask, type WorkerSetup } from './worker-protocol.ts';

/** Exit status of the fault injection for tests (the torch worker uses the same). */
const CRASH_EXIT = 70;

/**
 * A TensorFlow.js replay worker: hosts the scenario's models on one backend and runs
 * one request at a time, as the dispatcher sends them over stdin (one JSON message a
 * line; answers on stdout: replay/PROTOCOL.md). It times the stages it sees: when the
 * input arrived (decoded), execution (per phase), and when the output left.
 */
export async function serveStdio(): Promise<void> {
  // stdout carries protocol lines only: whatever a library logs goes to stderr.
  console.log = console.info = console.debug = console.error;
  const send = (message: FromWorker) => process.stdout.write(JSON.stringify(message) + '\n');
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // The dispatcher closed the channel: there is no one left to answer.
  lines.on('close', () => process.exit(0));
  let handle: (line: string) => void = (line) => {
    handle = () => {}; // tasks come only after "ready"
    void setUp(JSON.parse(line) as WorkerSetup, send).then((run) => {
      if (run !== undefined) handle = (task) => run(JSON.parse(task) as RunTask);
    });
  };
  lines.on('line', (line) => {
    if (line.trim() !== '') handle(line);
  });
}

/** Loads the backend and builds the models; returns the task runner, or undefined after "setup-failed". */
async function setUp(setup: WorkerSetup, send: (message: FromWorker) => void): Promise<((task: RunTask) => void) | undefined> {
  let models: Map<string, RealModel>;
  try {
    const backend = await loadBackend(setup.backend as BackendChoice);
    models = new Map(setup.models.map((name) => [name, buildRealModel(backend.tf, name, setup.seed)]));
    send({ kind: 'ready', worker: setup.worker, backend: backend.name, device: backend.device, version: backend.version, attempts: backend.attempts });
  } catch (error) {
    send({ kind: 'setup-failed', worker: setup.worker, message: (error as Error).message, input: error instanceof InputError });
    return undefined;
  }
  let runs = 0;
  return (task) => {
    const input = base64ToFloat32(task.input ?? '');
    const receivedAt = monotonicMs();
    if (!task.warmup && setup.crashAfterRuns !== undefined && ++runs > setup.crashAfterRuns) process.exit(CRASH_EXIT);
    const slot = task.slot ?? 0;
    const model = models.get(task.model);
    if (model === undefined) {
      send({ kind: 'run-failed', id: task.id, slot, message: `worker ${setup.worker} does not host model ${task.model}` });
      return;
    }
    try {
      const executionStart = monotonicMs();
      const { output, phaseMs } = model.run(input, task.batch);
      const executionEnd = monotonicMs();
      const sentAt = monotonicMs();
      send({ kind: 'done', id: task.id, slot, receivedAt, executionStart, executionEnd, phaseMs, sentAt, output: float32ToBase64(output) });
    } catch (error) {
      send({ kind: 'run-failed', id: task.id, slot, message: (error as Error).message });
    }
  };
}
