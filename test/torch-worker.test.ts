import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import { findPythonWithTorch } from '../replay/find-python.ts';
import { checkSharing, describeSharing, sharingForScenario, simulatorSharing } from '../replay/replay-sharing.ts';
import { WorkerProcess } from '../replay/worker-process.ts';
import { setupMessage, workerCommand, type TorchBackend } from '../replay/worker-launch.ts';
import { base64ToFloat32, float32ToBase64 } from '../replay/worker-protocol.ts';
import { expectSuccess, lines, strait } from './strait-cli.ts';
import { TORCH_PYTHON } from './torch-python.ts';

describe('finding a Python with torch', () => {
  const without = (why: string) => () => ({ ok: false as const, why });
  const found = { executable: '/opt/venv/bin/python3', pythonVersion: '3.12.1', torch: '2.4.0', cuda: '12.1', gpus: ['NVIDIA H100'] };

  it('takes --python, then STRAIT_PYTHON, then the first usual place that imports torch', () => {
    const probed: string[] = [];
    const probe = (path: string) => {
      probed.push(path);
      return path === '/usr/bin/python3' ? { ok: true as const, found } : { ok: false as const, why: 'no torch (No module named torch)' };
    };
    expect(findPythonWithTorch(undefined, {}, probe)).toMatchObject({ path: '/usr/bin/python3', chosenBy: '/usr/bin/python3', torch: '2.4.0' });
    expect(probed).toEqual(['python3', '/usr/bin/python3']);
    const any = () => ({ ok: true as const, found });
    expect(findPythonWithTorch('/opt/venv/bin/python3', { STRAIT_PYTHON: '/elsewhere' }, any)).toMatchObject({ chosenBy: '--python' });
    expect(findPythonWithTorch(undefined, { STRAIT_PYTHON: '/elsewhere' }, any)).toMatchObject({ path: '/elsewhere', chosenBy: 'STRAIT_PYTHON' });
  });

  it('refuses a named interpreter without torch instead of passing it over, and lists every place tried', () => {
    expect(() => findPythonWithTorch(undefined, { STRAIT_PYTHON: '/venv/bin/python' }, without('no torch (No module named torch)'))).toThrow(
      /^STRAIT_PYTHON \/venv\/bin\/python: cannot run torch workers: no torch \(No module named torch\); install torch/,
    );
    expect(() => findPythonWithTorch(undefined, {}, without('not found'))).toThrow(InputError);
    expect(() => findPythonWithTorch(undefined, {}, without('not found'))).toThrow(
      '--backend torch: no Python that imports torch (python3 on PATH: not found; /usr/bin/python3: not found; /usr/local/bin/python3: not found)',
    );
  });
});

describe('sharing modes', () => {
  it("follow the scenario's law by default and map back to the simulator's", () => {
    expect(sharingForScenario('time-sliced')).toBe('processes');
    expect(sharingForScenario('spatial')).toBe('streams');
    expect(simulatorSharing('processes')).toBe('time-sliced');
    expect(simulatorSharing('mps')).toBe('spatial');
    expect(simulatorSharing('streams')).toBe('spatial');
    expect(describeSharing('streams', 'cpu', false)).toMatch(/a thread per slot/);
    expect(describeSharing('streams', 'cuda', true)).toMatch(/a CUDA stream per slot; high class on high-priority streams/);
  });

  it('refuses, in one line each, what the backend or the machine cannot provide', () => {
    const torch = { backend: 'torch' as const, streamPriorities: false, mpsControl: '/usr/bin/nvidia-cuda-mps-control' };
    expect(() => checkSharing({ ...torch, mode: 'mps', device: 'cpu' })).toThrow(/MPS shares an NVIDIA GPU/);
    expect(() => checkSharing({ ...torch, mode: 'mps', device: 'cuda', mpsControl: undefined })).toThrow(/nvidia-cuda-mps-control is not on PATH/);
    expect(() => checkSharing({ ...torch, mode: 'mps', device: 'cuda' })).not.toThrow();
    expect(() => checkSharing({ ...torch, mode: 'streams', device: 'cpu', streamPriorities: true })).toThrow(/stream priorities are a CUDA feature/);
    expect(() => checkSharing({ ...torch, backend: 'tfjs', mode: 'streams', device: 'cpu' })).toThrow(/TensorFlow.js workers share a device only as separate processes/);
  });
});

describe('the protocol', () => {
  it('carries float32 arrays as base64 of their little-endian bytes', () => {
    const values = new Float32Array([0, 1.5, -2.25, 3e-8, 65504]);
    expect([...base64ToFloat32(float32ToBase64(values))]).toEqual([...values]);
    expect(float32ToBase64(new Float32Array([1]))).toBe('AACAPw==');
  });
});

describe.skipIf(TORCH_PYTHON === undefined)('the torch worker', () => {
  let dir: string;
  const at = (name: string) => join(dir, name);
  const runs: Record<string, Awaited<ReturnType<typeof strait>>> = {};
  const torchReplay = (out: string, ...extra: string[]) => ['replay', 'replay-cpu', '--backend', 'torch', '--device', 'cpu', '--requests', '24', '--warmup', '1', '--out', at(out), ...extra];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strait-torch-'));
    // An interpreter that has no torch, as the pyenv python3 first on PATH here.
    writeFileSync(at('python-without-torch'), `#!/bin/sh\necho "ModuleNotFoundError: No module named 'torch'" >&2\nexit 1\n`);
    chmodSync(at('python-without-torch'), 0o755);
    [runs.processes, runs.streams, runs.crash, runs.noTorch, runs.mpsOnCpu, runs.cudaWithout] = await Promise.all([
      strait(torchReplay('processes', '--sharing', 'processes')),
      strait(torchReplay('streams', '--sharing', 'streams')),
      strait(torchReplay('crashed', '--sharing', 'processes', '--warmup', '0'), { STRAIT_REPLAY_CRASH_AFTER: '4' }),
      strait(torchReplay('bad1', '--python', at('python-without-torch'))),
      strait(torchReplay('bad2', '--sharing', 'mps')),
      strait(['replay', 'replay-cpu', '--backend', 'torch', '--device', 'cuda', '--requests', '4', '--out', at('bad3')]),
    ]);
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function records(name: string) {
    return tableFromIPC(readFileSync(at(`${name}/requests.arrow`)));
  }

  it('replays on two co-located worker processes per device and records which Python, torch and sharing ran', () => {
    expectSuccess(runs.processes);
    expect(runs.processes.stdout).toMatch(/^backend torch on CPU: .* \(python \S+, torch \S+\);/m);
    expect(runs.processes.stdout).toMatch(/^sharing: processes: a worker process per slot \(time-sliced by the OS\)$/m);
    const meta = JSON.parse(readFileSync(at('processes/replay.json'), 'utf8'));
    expect(meta).toMatchObject({ kind: 'strait-replay', status: 'complete', backend: 'torch', tfjsVersion: '', workersPerDevice: [2], requests: 24 });
    expect(meta.sharing).toMatchObject({ mode: 'processes', streamPriorities: false });
    expect(meta.python.torch).toBe(TORCH_PYTHON!.torch);
    expect(meta.python.executable).toBe(TORCH_PYTHON!.executable);
    expect(meta.python.threadsPerWorker).toBeGreaterThan(0);
    const scenario = JSON.parse(readFileSync(at('processes/scenario.json'), 'utf8'));
    expect(scenario.cluster.hosts[0].gpus[0].sharing).toBe('time-sliced');
    const table = records('processes');
    expect(table.numRows).toBe(24);
    expect(new Set([...table.getChild('worker')!].map(Number))).toEqual(new Set([0, 1]));
    expect([...table.getChild('backend')!].every((b) => b === 'torch')).toBe(true);
    // Requests did execute side by side, and every served one has both copies timed.
    expect((table.getChild('co_run_ms')!.toArray() as Float64Array).some((ms) => ms > 0)).toBe(true);
    for (const copy of table.getChild('copy_ms')!) expect(String(copy)).toMatch(/^[\d.]+,[\d.]+$/);
    // Stages in order on one clock: the worker's timestamps line up with the dispatcher's.
    for (let i = 0; i < table.numRows; i++) {
      const t = ['arrival_ms', 'transfer_in_start_ms', 'transfer_in_end_ms', 'execution_start_ms', 'execution_end_ms', 'transfer_out_start_ms', 'completed_ms'].map(
        (c) => table.getChild(c)!.get(i) as number,
      );
      for (let k = 1; k < t.length; k++) expect(t[k]).toBeGreaterThanOrEqual(t[k - 1] - 0.05);
    }
  });

  it('serves both slots of a device from one process in the streams mode (a thread per slot on a CPU)', () => {
    expectSuccess(runs.streams);
    const meta = JSON.parse(readFileSync(at('streams/replay.json'), 'utf8'));
    expect(meta.sharing.mode).toBe('streams');
    expect(meta.sharing.description).toMatch(/one worker process per device, a thread per slot/);
    expect(JSON.parse(readFileSync(at('streams/scenario.json'), 'utf8')).cluster.hosts[0].gpus[0].sharing).toBe('spatial');
    const table = records('streams');
    expect(table.numRows).toBe(24);
    expect(new Set([...table.getChild('worker')!].map(Number))).toEqual(new Set([0, 1]));
  });

  it('a torch worker dying mid-replay: keeps the records, names the lost request, exits 1', () => {
    expect(runs.crash.status).toBe(1);
    expect(lines(runs.crash.stderr).at(-1)).toMatch(
      /^strait: replay worker 0 \(device cpu0\) exited \(code 70\) mid-replay: lost request \d+; \d+ not replayed; the \d+ records it has are in .*crashed\/requests\.arrow$/,
    );
    const meta = JSON.parse(readFileSync(at('crashed/replay.json'), 'utf8'));
    expect(meta.status).toBe('failed');
    expect(meta.failure.lost).toHaveLength(1);
    const kept = records('crashed').numRows;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(24);
  });

  it('a Python without torch, MPS on a CPU, and CUDA where torch sees no GPU: one line each, exit 2', () => {
    expect(runs.noTorch.status).toBe(2);
    expect(lines(runs.noTorch.stderr)).toEqual([expect.stringMatching(/^strait: --python \S+python-without-torch: cannot run torch workers: no torch \(No module named torch\); install torch/)]);
    expect(runs.mpsOnCpu.status).toBe(2);
    expect(lines(runs.mpsOnCpu.stderr)).toEqual(['strait: --sharing mps: MPS shares an NVIDIA GPU, and this replay is on --device cpu; use --sharing processes or streams']);
    for (const bad of ['bad1', 'bad2']) expect(existsSync(at(bad))).toBe(false);
    if (TORCH_PYTHON!.gpus.length === 0) {
      expect(runs.cudaWithout.status).toBe(2);
      expect(lines(runs.cudaWithout.stderr)).toEqual([expect.stringMatching(/^strait: --device cuda: torch \S+ \(\S+\) sees no CUDA GPU .*; use --device cpu$/)]);
    }
  });

  it('a worker told to build an unknown model answers setup-failed, which is bad input', async () => {
    const backend: TorchBackend = { kind: 'torch', python: TORCH_PYTHON!, device: 'cpu', sharing: 'processes', streamPriorities: false };
    const worker = new WorkerProcess(0, workerCommand(backend), setupMessage(backend, { worker: 0, device: 0, slots: 1, models: ['mlp', 'yolo'], seed: 1 }));
    await expect(worker.whenReady()).rejects.toThrow(InputError);
    await expect(worker.whenReady()).rejects.toThrow('unknown real model "yolo": replay has mobilenet_v2, resnet152, bert_base, mlp');
    await worker.close();
  }, 60_000);
});
