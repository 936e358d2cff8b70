/**
 * Spawning `node scripts/strait.js` from tests, at most as many at once as there are
 * CPUs (more only slow each other down). Used by the CLI, sweep and regress suites.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const MAX_RUNNING = Math.max(2, availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];

export async function strait(args: readonly string[]): Promise<CliResult> {
  if (running >= MAX_RUNNING) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await spawnStrait(args);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function spawnStrait(args: readonly string[]): Promise<CliResult> {
  const env = { ...process.env };
  delete env.STRAIT_DEBUG;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/strait.js', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Fails with the command's output when it did not exit 0. */
export function expectSuccess(run: CliResult): void {
  expect(run.status, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
}

/** The non-empty lines of a stream. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}
