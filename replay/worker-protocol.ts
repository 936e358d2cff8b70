/**
 * Messages between the replay dispatcher and its worker processes (over the IPC
 * channel, 'advanced' serialization, so typed arrays travel as real copies: that copy
 * is the transfer stage). Times are absolute monotonic milliseconds (monotonicMs), one
 * clock for every process on the machine.
 */
import type { BackendChoice } from './backends.ts';

export interface WorkerSetup {
  readonly kind: 'setup';
  /** The TypeScript worker module (URL) the boot file loads once tsx is registered. */
  readonly module: string;
  readonly worker: number;
  readonly backend: BackendChoice;
  readonly models: readonly string[];
  /** Weight seed: every worker builds identical models. */
  readonly seed: number;
  /** Fault injection for tests: exit abruptly when this many trace runs (not warm-up) have started. */
  readonly crashAfterRuns?: number;
}

export interface WorkerReady {
  readonly kind: 'ready';
  readonly worker: number;
  readonly backend: string;
  readonly device: string;
  readonly version: string;
  readonly attempts: readonly string[];
}

/** The worker could not start (bad backend, unknown model): one line for the user. */
export interface WorkerSetupFailed {
  readonly kind: 'setup-failed';
  readonly worker: number;
  readonly message: string;
  /** Bad input (a backend that cannot load, an unknown model) rather than a bug. */
  readonly input: boolean;
}

export interface RunTask {
  readonly kind: 'run';
  readonly id: number;
  readonly model: string;
  readonly batch: number;
  readonly input: Float32Array;
  /** Warm-up: runs the same path, its result is not recorded. */
  readonly warmup: boolean;
}

export interface RunDone {
  readonly kind: 'done';
  readonly id: number;
  /** When the input had arrived in the worker (end of the input transfer). */
  readonly receivedAt: number;
  readonly executionStart: number;
  readonly executionEnd: number;
  readonly phaseMs: readonly number[];
  readonly output: Float32Array;
  /** When the worker handed the output to the channel (start of the output transfer). */
  readonly sentAt: number;
}

export interface RunFailed {
  readonly kind: 'run-failed';
  readonly id: number;
  readonly message: string;
}

export type ToWorker = WorkerSetup | RunTask;
export type FromWorker = WorkerReady | WorkerSetupFailed | RunDone | RunFailed;

/** Monotonic time in ms (CLOCK_MONOTONIC on Linux: shared by all processes of the machine). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
