/**
 * How the workers of one replay device share it. On a GPU the mode is chosen, never
 * implied:
 * - processes: a worker process per slot; the driver time-slices their contexts;
 * - mps:       a worker process per slot under NVIDIA MPS (spatial sharing), the daemon
 *              started and stopped by strait (replay/mps-daemon.ts);
 * - streams:   one worker process per device, a CUDA stream per slot (spatial sharing);
 *              optionally the high class on high-priority streams.
 * On a CPU device (torch --device cpu, and every TensorFlow.js backend) the device is the
 * cores its workers are pinned to: processes are time-sliced by the OS; streams are one
 * process with a thread per slot, each running torch's CPU kernels (they release the GIL,
 * so the slots really compete for the cores); mps does not exist.
 */
import { InputError } from '../sim/core/errors.ts';
import type { SharingMode } from '../sim/gpu/sharing.ts';

export type ReplaySharing = 'processes' | 'mps' | 'streams';
export const REPLAY_SHARING: readonly ReplaySharing[] = ['processes', 'mps', 'streams'];

export function parseReplaySharing(value: string): ReplaySharing {
  if ((REPLAY_SHARING as readonly string[]).includes(value)) return value as ReplaySharing;
  throw new InputError(`--sharing: expected one of ${REPLAY_SHARING.join(', ')}, got "${value}"`);
}

/** The scenario's sharing law picks the mode: time-sliced is separate processes, spatial is streams. */
export function sharingForScenario(mode: SharingMode): ReplaySharing {
  return mode === 'time-sliced' ? 'processes' : 'streams';
}

/** The simulator's law for what ran: separate processes are time-sliced; MPS and streams share spatially. */
export function simulatorSharing(mode: ReplaySharing): SharingMode {
  return mode === 'processes' ? 'time-sliced' : 'spatial';
}

export interface SharingRequest {
  readonly mode: ReplaySharing;
  readonly backend: 'tfjs' | 'torch';
  readonly device: 'cuda' | 'cpu';
  readonly streamPriorities: boolean;
  /** Path of nvidia-cuda-mps-control, or undefined where there is none. */
  readonly mpsControl: string | undefined;
}

/** Refuses, with one line, a mode the backend or the machine cannot provide. */
export function checkSharing(request: SharingRequest): void {
  const { mode, backend, device, streamPriorities, mpsControl } = request;
  if (backend === 'tfjs') {
    if (mode !== 'processes') throw new InputError(`--sharing ${mode}: TensorFlow.js workers share a device only as separate processes; use --backend torch for ${mode}`);
    if (streamPriorities) throw new InputError('--stream-priority: needs --backend torch on a CUDA device');
    return;
  }
  if (mode === 'mps') {
    if (device !== 'cuda') throw new InputError('--sharing mps: MPS shares an NVIDIA GPU, and this replay is on --device cpu; use --sharing processes or streams');
    if (mpsControl === undefined) throw new InputError('--sharing mps: nvidia-cuda-mps-control is not on PATH (it comes with the NVIDIA driver); use --sharing processes or streams');
  }
  if (streamPriorities && device !== 'cuda') throw new InputError('--stream-priority: stream priorities are a CUDA feature, and this replay is on --device cpu');
}

/** One line for replay.json and the report: what the workers of a device were. */
export function describeSharing(mode: ReplaySharing, device: 'cuda' | 'cpu', streamPriorities: boolean): string {
  const high = streamPriorities ? '; high class on high-priority streams' : '';
  switch (mode) {
    case 'processes':
      return `a worker process per slot (time-sliced by the ${device === 'cuda' ? 'driver' : 'OS'})${high}`;
    case 'mps':
      return `a worker process per slot under MPS (spatial sharing; daemon started and stopped by strait)${high}`;
    case 'streams':
      return device === 'cuda' ? `one worker process per device, a CUDA stream per slot${high}` : 'one worker process per device, a thread per slot (CPU kernels release the GIL)';
  }
}
