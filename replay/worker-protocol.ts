/**
 * Messages between the replay dispatcher and its worker processes: one JSON object per
 * line on the worker's stdin (to it) and stdout (from it), the same for every backend
 * (the TensorFlow.js workers in TypeScript, the torch worker in Python). Described for
 * implementers in replay/PROTOCOL.md. Times are absolute monotonic milliseconds
 * (monotonicMs; CLOCK_MONOTONIC on Linux, which Python's time.monotonic_ns() also reads),
 * one clock for every process on the machine.
 */
import type { BackendChoice } from './backends.ts';

/** Every worker backend: the TensorFlow.js ones, and torch. */
export type WorkerBackend = BackendChoice | 'torch';

export interface WorkerSetup {
  readonly kind: 'setup';
  /** The worker process's index (the first slot's worker index). */
  readonly worker: number;
  readonly backend: WorkerBackend;
  readonly models: readonly string[];
  /** Weight seed: every worker builds identical models. */
  readonly seed: number;
  /** Slots this process serves at once, each on its own thread and CUDA stream (torch only; else 1). */
  readonly slots?: number;
  /** torch only: the torch device, "cuda:<n>" or "cpu". */
  readonly device?: string;
  /** torch only: run the high class on high-priority CUDA streams. */
  readonly streamPriorities?: boolean;
  /** Fault injection for tests: exit abruptly (code 70) when this many trace runs (not warm-up) have started. */
  readonly crashAfterRuns?: number;
}

/** What ran a torch worker (absent for TensorFlow.js workers). */
export interface WorkerRuntime {
  readonly python: string;
  readonly pythonVersion: string;
  readonly torch: string;
  /** CUDA version torch was built with, or null for a CPU build. */
  readonly cuda: string | null;
  readonly threads: number;
  readonly pid: number;
}

export interface WorkerReady {
  readonly kind: 'ready';
  readonly worker: number;
  readonly backend: string;
  readonly device: string;
  readonly version: string;
  readonly attempts: readonly string[];
  readonly runtime?: WorkerRuntime;
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
  /** Which of the process's slots runs it (0 when the process has one). */
  readonly slot: number;
  readonly model: string;
  readonly batch: number;
  readonly priority: 'high' | 'low';
  /**
   * The input, float32 little-endian in base64: the TensorFlow.js workers are sent it
   * (that copy is their transfer stage). Absent: the worker synthesizes it (torch keeps
   * it in pinned host memory and times the real host-to-device copy).
   */
  readonly input?: string;
  /** Warm-up: runs the same path, its result is not recorded. */
  readonly warmup: boolean;
}

export interface RunDone {
  readonly kind: 'done';
  readonly id: number;
  readonly slot: number;
  /** When the input had arrived on the device (end of the input transfer). */
  readonly receivedAt: number;
  readonly executionStart: number;
  readonly executionEnd: number;
  readonly phaseMs: readonly number[];
  /** When the output started to leave the device (start of the output transfer). */
  readonly sentAt: number;
  /** Device-side copy times [host-to-device, device-to-host], ms, where the worker measures them (torch). */
  readonly copyMs?: readonly number[];
  /** The output, float32 little-endian in base64 (TensorFlow.js workers). */
  readonly output?: string;
}

export interface RunFailed {
  readonly kind: 'run-failed';
  readonly id: number;
  readonly slot: number;
  readonly message: string;
}

export type ToWorker = WorkerSetup | RunTask;
export type FromWorker = WorkerReady | WorkerSetupFailed | RunDone | RunFailed;

const FROM_WORKER_KINDS: ReadonlySet<string> = new Set(['ready', 'setup-failed', 'done', 'run-failed']);

/** A parsed line is a message when it is an object of a known kind; anything else is stray output. */
export function isFromWorker(value: unknown): value is FromWorker {
  return value !== null && typeof value === 'object' && FROM_WORKER_KINDS.has((value as { kind?: unknown }).kind as string);
}

/** Float32 values as base64 of their little-endian bytes (JSON has no binary). */
export function float32ToBase64(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function base64ToFloat32(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  // Copy into an aligned buffer: a Buffer may start at any offset of its pool.
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Monotonic time in ms (CLOCK_MONOTONIC on Linux: shared by all processes of the machine). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
