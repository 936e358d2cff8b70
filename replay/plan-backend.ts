/**
 * From the replay command's options to the workers a replay runs: the backend, for
 * torch the Python, the device and the sharing mode, every impossible combination
 * refused with one line before a worker starts.
 */
import { InputError } from '../sim/core/errors.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { findPythonWithTorch } from './find-python.ts';
import { MpsDaemon, mpsControlPath } from './mps-daemon.ts';
import { checkSharing, parseReplaySharing, sharingForScenario } from './replay-sharing.ts';
import { parseWorkerBackend, type ReplayBackend } from './worker-launch.ts';

export interface BackendOptions {
  readonly backend?: string;
  /** torch: cuda (default) or cpu. */
  readonly device?: string;
  /** processes, mps or streams (default: from the scenario's sharing law). */
  readonly sharing?: string;
  readonly streamPriority?: boolean;
  /** torch: the Python interpreter (else STRAIT_PYTHON, else a probe). */
  readonly python?: string;
}

function parseDevice(value: string): 'cuda' | 'cpu' {
  if (value === 'cuda' || value === 'cpu') return value;
  throw new InputError(`--device: expected cuda or cpu, got "${value}"`);
}

/** The backend for a replay of `scenario`; finds the Python (seconds: it imports torch) for torch. */
export function planBackend(options: BackendOptions, scenario: Scenario): ReplayBackend {
  const name = parseWorkerBackend(options.backend ?? 'auto');
  const sharing = options.sharing !== undefined ? parseReplaySharing(options.sharing) : undefined;
  const streamPriorities = options.streamPriority === true;
  if (name !== 'torch') {
    for (const [flag, value] of [['--device', options.device], ['--python', options.python]] as const) {
      if (value !== undefined) throw new InputError(`${flag}: only with --backend torch (the TensorFlow.js backend ${name} picks its own device)`);
    }
    checkSharing({ mode: sharing ?? 'processes', backend: 'tfjs', device: 'cpu', streamPriorities, mpsControl: undefined });
    return { kind: 'tfjs', choice: name };
  }
  const device = parseDevice(options.device ?? 'cuda');
  const mode = sharing ?? sharingForScenario(scenario.cluster.gpus[0].sharing.mode);
  checkSharing({ mode, backend: 'torch', device, streamPriorities, mpsControl: mpsControlPath() });
  const python = findPythonWithTorch(options.python);
  if (device === 'cuda') {
    const devices = scenario.cluster.gpus.length;
    if (python.gpus.length === 0) {
      throw new InputError(`--device cuda: torch ${python.torch} (${python.executable}) sees no CUDA GPU (torch.cuda.is_available() is False); use --device cpu`);
    }
    if (python.gpus.length < devices) {
      throw new InputError(`--device cuda: scenario ${scenario.name} has ${devices} devices and torch sees ${python.gpus.length} GPU(s) (${python.gpus.join(', ')})`);
    }
  }
  return { kind: 'torch', python, device, sharing: mode, streamPriorities };
}

/**
 * Runs `replay` with the backend's MPS daemon up (started here, stopped here on every
 * way out) when its sharing mode is mps; otherwise just runs it.
 */
export async function withSharingDaemon<T>(backend: ReplayBackend, replay: (backend: ReplayBackend) => Promise<T>): Promise<T> {
  if (backend.kind !== 'torch' || backend.sharing !== 'mps') return replay(backend);
  const daemon = MpsDaemon.start(mpsControlPath()!);
  try {
    return await replay({ ...backend, env: { ...backend.env, ...daemon.env } });
  } finally {
    daemon.stop();
  }
}
