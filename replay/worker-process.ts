import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { InputError, ReplayError } from '../sim/core/errors.ts';
import { isFromWorker, type FromWorker, type ToWorker, type WorkerReady, type WorkerSetup } from './worker-protocol.ts';

/** How to start a worker program: any language, as long as it speaks replay/PROTOCOL.md. */
export interface WorkerCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the dispatcher's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface WorkerPlacement {
  /** Cores to pin the process to (through taskset), or undefined. */
  readonly cores?: readonly number[];
  /** Run under SCHED_BATCH (through chrt), only with cores. */
  readonly batchScheduling?: boolean;
}

/**
 * One worker process and its newline-delimited JSON channel (stdin to it, stdout from
 * it; stderr is passed through). Emits 'message' (FromWorker) and 'exit' (code, signal).
 * A line on its stdout that is not a protocol message is passed to stderr, not obeyed.
 */
export class WorkerProcess extends EventEmitter<{ message: [FromWorker]; exit: [number | null, string | null] }> {
  readonly child: ChildProcess;
  ready: WorkerReady | undefined;
  /** Set once the dispatcher shuts it down on purpose: its exit is then no failure. */
  closing = false;
  private exitedWith: [number | null, string | null] | undefined;
  private readonly readiness: Promise<WorkerReady>;

  constructor(
    readonly index: number,
    launch: WorkerCommand,
    setup: WorkerSetup,
    placement: WorkerPlacement = {},
  ) {
    super();
    const [command, args] =
      placement.cores !== undefined
        ? ['taskset', ['-c', placement.cores.join(','), ...(placement.batchScheduling ? ['chrt', '-b', '0'] : []), launch.command, ...launch.args]]
        : [launch.command, [...launch.args]];
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...launch.env } });
    // A worker that died leaves a broken pipe: its exit is what the dispatcher acts on.
    this.child.stdin!.on('error', () => {});
    createInterface({ input: this.child.stdout!, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
    this.child.on('error', (error) => this.onExit(null, null, error));
    // 'close', not 'exit': every line it wrote has been read by then.
    this.child.on('close', (code, signal) => this.onExit(code, signal));
    this.readiness = this.awaitReady();
    this.readiness.catch(() => {}); // a failure matters only to whoever waits for it
    this.send(setup);
  }

  private awaitReady(): Promise<WorkerReady> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.kind === 'ready') {
          cleanup();
          this.ready = message;
          resolve(message);
        } else if (message.kind === 'setup-failed') {
          cleanup();
          reject(message.input ? new InputError(message.message) : new ReplayError(message.message));
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new ReplayError(`replay worker ${this.index} exited (${signal ?? `code ${code}`}) before it was ready`));
      };
      const cleanup = () => {
        this.off('message', onMessage);
        this.off('exit', onExit);
      };
      this.on('message', onMessage);
      this.on('exit', onExit);
    });
  }

  send(message: ToWorker): void {
    if (this.exitedWith === undefined && this.child.stdin!.writable) this.child.stdin!.write(JSON.stringify(message) + '\n');
  }

  get exited(): boolean {
    return this.exitedWith !== undefined;
  }

  /** Resolves with the worker's ready message; rejects with a setup failure or an early exit. */
  whenReady(): Promise<WorkerReady> {
    return this.readiness;
  }

  /** Closes its stdin (the worker finishes and exits by itself) and waits for the exit. */
  close(): Promise<void> {
    this.closing = true;
    const done = this.whenExited();
    this.child.stdin!.end();
    return done;
  }

  kill(): Promise<void> {
    this.closing = true;
    const done = this.whenExited();
    if (!this.exited) this.child.kill('SIGKILL');
    return done;
  }

  private whenExited(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => this.once('exit', () => resolve()));
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      message = undefined;
    }
    if (isFromWorker(message)) this.emit('message', message);
    else process.stderr.write(`replay worker ${this.index}: ${line}\n`);
  }

  private onExit(code: number | null, signal: string | null, error?: Error): void {
    if (this.exitedWith !== undefined) return;
    if (error !== undefined) process.stderr.write(`replay worker ${this.index}: could not start ${this.child.spawnfile}: ${error.message}\n`);
    this.exitedWith = [code, signal];
    this.emit('exit', code, signal);
  }
}
