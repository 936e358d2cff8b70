/**
 * The offline GPU bundle, as a GPU host gets it: built (or taken from STRAIT_GPU_BUNDLE),
 * unpacked in a temporary directory far from the repository, and run from there with no
 * node_modules to fall back on: a short torch replay on the CPU, calibrate, validate, and
 * the GPU campaign's dry run end to end. Slow: the build compresses a Node binary.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, ROOT, type CliResult } from './strait-cli.ts';
import { TORCH_PYTHON } from './torch-python.ts';

/** The environment of a GPU host: no NODE_PATH, nothing of this repository on PATH. */
function hostEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: (process.env.PATH ?? '').split(':').filter((p) => !p.includes('node_modules')).join(':') };
  for (const name of ['NODE_PATH', 'NODE_OPTIONS', 'STRAIT_DEBUG']) delete env[name];
  return env;
}

function run(cwd: string, command: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: hostEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function expectOk(result: CliResult): void {
  expect(result.status, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
}

describe.skipIf(TORCH_PYTHON === undefined)('the offline GPU bundle', () => {
  let work: string;
  let archive: string;
  let home: string;
  const results: Record<string, CliResult> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'strait-bundle-test-'));
    archive = process.env.STRAIT_GPU_BUNDLE ?? join(work, 'strait-gpu.tar.xz');
    if (process.env.STRAIT_GPU_BUNDLE === undefined) {
      execFileSync(process.execPath, [join(ROOT, 'scripts/bundle-gpu.mjs'), '--out', archive], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    execFileSync('tar', ['-xJf', archive, '-C', work]);
    home = join(work, 'strait-gpu');
    results.replay = await run(home, './strait', ['replay', 'replay-cpu', '--backend', 'torch', '--device', 'cpu', '--requests', '16', '--warmup', '1', '--out', 'r1']);
    results.calibrate = await run(home, './strait', ['calibrate', 'r1', '--accept-poor-fit', '--out', 'profile.json']);
    results.validate = await run(home, './strait', ['validate', '--replay', 'r1', '--profile', 'profile.json']);
    results.report = await run(home, './strait', ['report', 'r1', '--out', 'report']);
    results.campaign = await run(home, './gpu-campaign.sh', ['--device', 'cpu', '--quick', '--out', 'campaign']);
  }, 900_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is one archive of at most 60 MiB with its own Node and no node_modules, unpacked away from the repository', () => {
    expect(statSync(archive).size).toBeLessThanOrEqual(60 * 2 ** 20);
    expect(readdirSync(home)).toEqual(expect.arrayContaining(['README.txt', 'bin', 'gpu-campaign.sh', 'lib', 'strait']));
    expect(existsSync(join(home, 'lib/torch/worker.py'))).toBe(true);
    expect(execFileSync('find', [home, '-name', 'node_modules']).toString()).toBe('');
    // No node_modules in any folder above it either: nothing to resolve a package from.
    for (let dir = home; dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
  });

  it('replays with the torch worker on the CPU, then calibrates and validates, with nothing installed', () => {
    expectOk(results.replay);
    expect(results.replay.stdout).toMatch(/^backend torch on CPU/m);
    const meta = JSON.parse(readFileSync(join(home, 'r1/replay.json'), 'utf8'));
    expect(meta).toMatchObject({ status: 'complete', backend: 'torch', requests: 16 });
    expect(meta.python.torch).toBe(TORCH_PYTHON!.torch);
    expectOk(results.calibrate);
    expect(JSON.parse(readFileSync(join(home, 'profile.json'), 'utf8')).kind).toBe('strait-calibration');
    expectOk(results.validate);
    expect(results.validate.stdout).toMatch(/^policy fifo, predictor solo, 16 requests/m);
  });

  it('says in one line that report is not in the bundle', () => {
    expect(results.report.status).toBe(2);
    expect(lines(results.report.stderr)).toEqual([expect.stringMatching(/^strait: this command needs the package \S+, which this strait does not have/)]);
  });

  it("runs the GPU campaign's dry run end to end: every step, and the summary's tables", () => {
    expectOk(results.campaign);
    const dir = join(home, 'campaign');
    const steps = readFileSync(join(dir, 'steps.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
    expect(steps.map((s) => s[0])).toEqual([
      'solo',
      'pairs-processes',
      'pairs-streams',
      'copy',
      'scenario',
      'replay-calibration-seed1',
      'replay-heldout-seed11',
      'calibrate',
      'validate-heldout-seed11',
    ]);
    for (const [name, status] of steps) expect(status, name).toBe('0');
    const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
    for (const heading of [
      '## Solo times (ms)',
      '## Pairwise slowdown, processes',
      '## Pairwise slowdown, streams',
      '## Pairwise slowdown, mps: skipped (MPS shares an NVIDIA GPU (device cpu))',
      '## Copy bandwidth (median)',
      '## Validation: heldout-seed11',
    ]) {
      expect(summary).toContain(heading);
    }
    expect(summary).toMatch(/\| pageable \| 2 \|/); // two concurrent copies
  });
});
