/**
 * An NVIDIA MPS control daemon owned by one replay: started before its workers, stopped
 * after them, never left running. It gets private pipe and log directories (a temporary
 * folder), so it neither finds nor disturbs a daemon someone else runs; only the workers,
 * given the same CUDA_MPS_PIPE_DIRECTORY, become its clients. It is stopped on every way
 * out: normal end, an error, the process exiting, SIGINT, SIGTERM or SIGHUP.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { InputError } from '../sim/core/errors.ts';

const CONTROL = 'nvidia-cuda-mps-control';

/** nvidia-cuda-mps-control on PATH, or undefined. */
export function mpsControlPath(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, CONTROL);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_EXIT: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export class MpsDaemon {
  /** The environment the daemon's clients (the workers) need. */
  readonly env: Readonly<Record<string, string>>;
  private stopped = false;
  private readonly onExit = () => this.stop();
  private readonly onSignal = (signal: (typeof SIGNALS)[number]) => {
    this.stop();
    process.exit(SIGNAL_EXIT[signal]);
  };

  private constructor(
    private readonly control: string,
    private readonly dir: string,
  ) {
    this.env = { CUDA_MPS_PIPE_DIRECTORY: join(dir, 'pipe'), CUDA_MPS_LOG_DIRECTORY: join(dir, 'log') };
  }

  /** Starts a daemon (`nvidia-cuda-mps-control -d`); InputError with its log's last line if it will not. */
  static start(control: string): MpsDaemon {
    const dir = mkdtempSync(join(tmpdir(), 'strait-mps-'));
    const daemon = new MpsDaemon(control, dir);
    mkdirSync(daemon.env.CUDA_MPS_PIPE_DIRECTORY);
    mkdirSync(daemon.env.CUDA_MPS_LOG_DIRECTORY);
    process.once('exit', daemon.onExit);
    for (const signal of SIGNALS) process.once(signal, daemon.onSignal);
    const run = spawnSync(control, ['-d'], { env: { ...process.env, ...daemon.env }, encoding: 'utf8', timeout: 30_000 });
    if (run.error !== undefined || run.status !== 0) {
      const why = run.error?.message ?? (run.stderr.trim() || daemon.lastLogLine() || `exit ${run.status}`);
      daemon.stop();
      throw new InputError(`--sharing mps: ${control} -d failed: ${why}`);
    }
    return daemon;
  }

  /** Asks the daemon to quit (it waits for its clients, which are gone by now) and removes its folder. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.onExit);
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
    spawnSync(this.control, [], { input: 'quit\n', env: { ...process.env, ...this.env }, timeout: 30_000 });
    rmSync(this.dir, { recursive: true, force: true });
  }

  private lastLogLine(): string {
    try {
      const log = this.env.CUDA_MPS_LOG_DIRECTORY;
      const text = readdirSync(log)
        .map((f) => readFileSync(join(log, f), 'utf8'))
        .join('\n');
      return text.trim().split('\n').at(-1) ?? '';
    } catch {
      return '';
    }
  }
}
