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

export async function strait(args: readonly string[], extraEnv: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  if (running >= MAX_RUNNING) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await spawnStrait(args, extraEnv);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function spawnStrait(args: readonly string[], extraEnv: Readonly<Record<string, string>>): Promise<CliResult> {
  const env = { ...process.env, ...extraEnv };
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

/**
 * A small scenario for CLI tests: two GPUs, MobileNetV2 at high priority and
 * BERT-base at low, Poisson; runs in a fraction of a second. Override any field.
 */
export function smallScenarioJson(overrides: Readonly<Record<string, unknown>> & { readonly requests: number }) {
  const { requests, ...rest } = overrides;
  return {
    name: 'small',
    seed: 3,
    load: 0.8,
    policy: 'fifo' as unknown,
    predictor: 'solo',
    models: ['mobilenet_v2', 'bert_base'],
    cluster: { hosts: [{ uplink: { h2dGBps: 16, d2hGBps: 16 }, gpus: 2 }] },
    workload: {
      streams: [
        { model: 'mobilenet_v2', priority: 'high', weight: 1, batchSizes: [1, 2], sloFactor: 5 },
        { model: 'bert_base', priority: 'low', weight: 2, batchSizes: [4, 8], sloFactor: 10 },
      ],
      requests,
    },
    ...rest,
  };
}
