/**
 * Which worker program a replay runs, and how its slots map onto processes. Both kinds
 * speak the one protocol of replay/PROTOCOL.md over stdin/stdout:
 * - tfjs: replay/worker-boot.mjs under this Node (TensorFlow.js, from the repository's
 *   node_modules), a process per slot;
 * - torch: replay/torch/worker.py under a Python that imports torch, a process per slot,
 *   or one per device with a stream (thread) per slot in the streams sharing mode.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../sim/core/errors.ts';
import { BACKEND_CHOICES, type BackendChoice } from './backends.ts';
import type { PythonTorch } from './find-python.ts';
import type { ReplaySharing } from './replay-sharing.ts';
import type { WorkerCommand } from './worker-process.ts';
import type { WorkerBackend, WorkerSetup } from './worker-protocol.ts';

const TFJS_BOOT = fileURLToPath(new URL('./worker-boot.mjs', import.meta.url));
const TORCH_WORKER = fileURLToPath(new URL('./torch/worker.py', import.meta.url));

export interface TfjsBackend {
  readonly kind: 'tfjs';
  readonly choice: BackendChoice;
}

export interface TorchBackend {
  readonly kind: 'torch';
  readonly python: PythonTorch;
  readonly device: 'cuda' | 'cpu';
  readonly sharing: ReplaySharing;
  readonly streamPriorities: boolean;
  /** Added to the workers' environment (the MPS daemon's pipe directory). */
  readonly env?: Readonly<Record<string, string>>;
}

export type ReplayBackend = TfjsBackend | TorchBackend;

/** --backend: a TensorFlow.js backend choice or torch. */
export function parseWorkerBackend(value: string): WorkerBackend {
  if (value === 'torch' || (BACKEND_CHOICES as readonly string[]).includes(value)) return value as WorkerBackend;
  throw new InputError(`--backend: expected one of ${[...BACKEND_CHOICES, 'torch'].join(', ')}, got "${value}"`);
}

export function backendName(backend: ReplayBackend): string {
  return backend.kind === 'tfjs' ? backend.choice : 'torch';
}

export function workerCommand(backend: ReplayBackend): WorkerCommand {
  if (backend.kind === 'tfjs') {
    if (!existsSync(TFJS_BOOT)) {
      throw new InputError(
        `--backend ${backend.choice}: the TensorFlow.js workers need strait's repository with its node_modules (npm ci); this strait has only --backend torch`,
      );
    }
    return { command: process.execPath, args: [TFJS_BOOT] };
  }
  // No __pycache__ written into the repository or an unpacked bundle.
  return { command: backend.python.path, args: [TORCH_WORKER], env: { PYTHONDONTWRITEBYTECODE: '1', ...backend.env } };
}

/** Slots one worker process serves: all of a device's in the streams mode, else one. */
export function slotsPerProcess(backend: ReplayBackend, deviceSlots: number): number {
  return backend.kind === 'torch' && backend.sharing === 'streams' ? deviceSlots : 1;
}

export interface ProcessSetup {
  readonly worker: number;
  /** The replay device (its index in the scenario's cluster). */
  readonly device: number;
  readonly slots: number;
  readonly models: readonly string[];
  readonly seed: number;
  readonly crashAfterRuns?: number;
}

export function setupMessage(backend: ReplayBackend, p: ProcessSetup): WorkerSetup {
  const common = { kind: 'setup' as const, worker: p.worker, models: p.models, seed: p.seed, crashAfterRuns: p.crashAfterRuns };
  if (backend.kind === 'tfjs') return { ...common, backend: backend.choice };
  return {
    ...common,
    backend: 'torch',
    slots: p.slots,
    device: backend.device === 'cuda' ? `cuda:${p.device}` : 'cpu',
    streamPriorities: backend.streamPriorities,
  };
}
