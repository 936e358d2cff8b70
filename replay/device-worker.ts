import type { WorkerProcess } from './worker-process.ts';
import type { FromWorker, RunTask, WorkerReady } from './worker-protocol.ts';

export interface DeviceWorkerOptions {
  /** The slot's index over every device's slots (worker N in messages and records). */
  readonly index: number;
  readonly device: number;
  /** Its slot on its process (0 when the process serves one slot). */
  readonly slot: number;
}

/**
 * One slot of a replay device, as the dispatcher sees it: it runs one request at a
 * time, so it is busy from sending a task until its answer arrives. A slot is a whole
 * worker process (separate processes, MPS) or one stream of a process that serves
 * several (streams).
 */
export class DeviceWorker {
  /** Request running on it (its id), or -1 when idle. */
  running = -1;

  constructor(
    readonly options: DeviceWorkerOptions,
    readonly host: WorkerProcess,
  ) {}

  get idle(): boolean {
    return this.running < 0;
  }

  get ready(): WorkerReady | undefined {
    return this.host.ready;
  }

  send(task: Omit<RunTask, 'slot'>): void {
    this.running = task.id;
    this.host.send({ ...task, slot: this.options.slot });
  }

  /** Calls `listener` with this slot's answers; returns the unsubscribe. */
  onMessage(listener: (message: FromWorker) => void): () => void {
    const mine = (message: FromWorker) => {
      if ((message.kind === 'done' || message.kind === 'run-failed') && (message.slot ?? 0) !== this.options.slot) return;
      listener(message);
    };
    this.host.on('message', mine);
    return () => this.host.off('message', mine);
  }

  /** Calls `listener` when its process exits; returns the unsubscribe. */
  onExit(listener: (code: number | null, signal: string | null) => void): () => void {
    this.host.on('exit', listener);
    return () => this.host.off('exit', listener);
  }
}
