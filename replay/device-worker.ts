import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InputError } from '../sim/core/errors.ts';
import type { BackendChoice } from './backends.ts';
import type { FromWorker, RunTask, WorkerReady, WorkerSetup } from './worker-protocol.ts';

const BOOT = fileURLToPath(new URL('./worker-boot.mjs', import.meta.url));
const WORKER_MODULE = new URL('./replay-worker.ts', import.meta.url).href;

export interface DeviceWorkerOptions {
  readonly index: number;
  readonly device: number;
  readonly backend: BackendChoice;
  readonly models: readonly string[];
  readonly seed: number;
  /** Cores to pin the process to (through taskset), or undefined. */
  readonly cores?: readonly number[];
  /** Run under SCHED_BATCH (through chrt), only with cores. */
  readonly batchScheduling?: boolean;
  readonly crashAfterRuns?: number;
}

/**
 * One worker process of a replay device, as the dispatcher sees it: it runs one
 * request at a time, so it is busy from sending a task until its answer arrives.
 */
export class DeviceWorker {
  readonly process: ChildProcess;
  /** Request running on it (its id), or -1 when idle. */
  running = -1;
  ready: WorkerReady | undefined;
  /** Set once the dispatcher shuts it down on purpose: its exit is then no failure. */
  closing = false;

  constructor(readonly options: DeviceWorkerOptions) {
    const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
    // taskset execs node in place, so the IPC channel's descriptor is inherited as is.
    this.process =
      options.cores !== undefined
        ? spawn('taskset', ['-c', options.cores.join(','), ...(options.batchScheduling ? ['chrt', '-b', '0'] : []), process.execPath, BOOT], {
            stdio,
            serialization: 'advanced',
          })
        : fork(BOOT, [], { stdio, serialization: 'advanced', execArgv: [] });
    const setup: WorkerSetup = {
      kind: 'setup',
      module: WORKER_MODULE,
      worker: options.index,
      backend: options.backend,
      models: options.models,
      seed: options.seed,
      crashAfterRuns: options.crashAfterRuns,
    };
    this.process.send(setup);
  }

  get idle(): boolean {
    return this.running < 0;
  }

  /** Resolves with the worker's ready message; rejects with a setup failure or an early exit. */
  whenReady(): Promise<WorkerReady> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.kind === 'ready') {
          cleanup();
          this.ready = message;
          resolve(message);
        } else if (message.kind === 'setup-failed') {
          cleanup();
          reject(message.input ? new InputError(message.message) : new Error(message.message));
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new Error(`replay worker ${this.options.index} exited (${signal ?? `code ${code}`}) before it was ready`));
      };
      const cleanup = () => {
        this.process.off('message', onMessage);
        this.process.off('exit', onExit);
      };
      this.process.on('message', onMessage);
      this.process.on('exit', onExit);
    });
  }

  send(task: RunTask): void {
    this.running = task.id;
    this.process.send(task);
  }

  /** Closes the channel (the worker exits by itself) and waits for the exit. */
  close(): Promise<void> {
    this.closing = true;
    const done = this.exited();
    if (this.process.connected) this.process.disconnect();
    return done;
  }

  kill(): Promise<void> {
    this.closing = true;
    const done = this.exited();
    this.process.kill('SIGKILL');
    return done;
  }

  private exited(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.process.once('exit', () => resolve()));
  }
}
