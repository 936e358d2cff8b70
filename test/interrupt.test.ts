/**
 * An interrupted command (Ctrl-C, or SIGTERM from a scheduler) exits non-zero and
 * leaves neither its output nor a temporary sibling behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, smallScenarioJson } from './strait-cli.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

/** Waits for the run to start, and to end once signalled: long enough for a busy machine. */
const START_LIMIT_MS = 120_000;
const EXIT_LIMIT_MS = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'strait-interrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `strait run` on a long scenario, signals it once its temporary directory exists. */
async function interruptedRun(signal: NodeJS.Signals): Promise<{ status: number | null; stderr: string }> {
  const scenario = join(dir, `long-${signal}.json`);
  writeFileSync(scenario, JSON.stringify(smallScenarioJson({ requests: 50_000_000 })));
  const out = join(dir, `out-${signal}`);
  const child = spawn(process.execPath, ['scripts/strait.js', 'run', scenario, '--out', out], { cwd: ROOT });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  let status: number | null;
  try {
    const started = Date.now();
    while (!readdirSync(dir).some((name) => name.startsWith(`out-${signal}.tmp-`))) {
      if (Date.now() - started > START_LIMIT_MS) throw new Error(`no temporary directory after ${START_LIMIT_MS / 1000} s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300)); // well into the run
    child.kill(signal);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), EXIT_LIMIT_MS));
    const outcome = await Promise.race([done, timeout]);
    if (outcome === 'timeout') throw new Error(`still running ${EXIT_LIMIT_MS / 1000} s after ${signal}`);
    status = outcome;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(dir).filter((name) => name.startsWith(`out-${signal}`))).toEqual([]);
  return { status, stderr };
}

describe('interrupting a run', () => {
  it('SIGINT: exit 130, one line, nothing left behind', async () => {
    const { status, stderr } = await interruptedRun('SIGINT');
    expect(status).toBe(130);
    expect(stderr.trim()).toBe('strait: interrupted (SIGINT); partial output removed');
  }, CHILD_LIMIT_MS);

  it('SIGTERM: exit 143, nothing left behind', async () => {
    const { status } = await interruptedRun('SIGTERM');
    expect(status).toBe(143);
  }, CHILD_LIMIT_MS);
});
