/**
 * Replay: the co-location arithmetic and the calibration fit (pure, on synthetic
 * records with known parameters), CPU pinning plans, one policy object type driven by
 * both the simulator and the replay engine, calibrate and validate through the CLI on
 * replays recorded once (fixed timings, test/fixtures/replay/), and a short real replay
 * on the wasm backend checked for complete, consistent records (never for its timings:
 * those checks are in test/hardware/, `npm run test:hardware`), with the bad inputs
 * (unknown backend, a model with no real implementation, a worker dying mid-replay).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coLocations } from '../replay/colocation.ts';
import { calibrate, leastSquares, plausibleWork } from '../replay/calibrate.ts';
import { planPinning } from '../replay/cpu-pinning.ts';
import { readReplayDirectory, type ReplayDirectory, type ReplayRecord } from '../replay/replay-records.ts';
import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';
import { Simulator } from '../sim/simulator.ts';
import { ReplayEngine } from '../replay/replay-engine.ts';
import { collectArrivals } from '../replay/run-replay.ts';
import { aloneReference, cleanAloneExecutions, deviceSpeed } from '../replay/device-speed.ts';
import { fitSharingDemands, lawRate, type SharingDemands } from '../replay/sharing-fit.ts';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { applyOverrides } from '../scenarios/run-scenario.ts';
import { readFileSync as readSource } from 'node:fs';
import { executionGap } from './execution-gap.ts';
import { readReplayContents, replayProblems } from './replay-integrity.ts';
import { expectSuccess, lines, strait } from './strait-cli.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

describe('co-location', () => {
  it('gives each request its co-runners, overlaps and time at each concurrency', () => {
    const c = coLocations([
      { id: 1, device: 0, start: 0, end: 10 },
      { id: 2, device: 0, start: 4, end: 6 },
      { id: 3, device: 0, start: 5, end: 12 },
      { id: 4, device: 1, start: 0, end: 10 }, // another device: never a co-runner
    ]);
    const one = c.get(1)!;
    expect(one.coRunners).toEqual([
      { id: 2, overlapMs: 2 },
      { id: 3, overlapMs: 5 },
    ]);
    // alone 0-4, two 4-5, three 5-6, two 6-10
    expect(one.timeAtConcurrency).toEqual([4, 5, 1]);
    expect(one.coRunMs).toBe(6);
    expect(one.maxCoRunners).toBe(2);
    expect(c.get(4)!.coRunners).toEqual([]);
    expect(c.get(4)!.timeAtConcurrency).toEqual([10]);
    // total time always adds up
    for (const id of [1, 2, 3]) {
      const t = c.get(id)!.timeAtConcurrency.reduce((a, b) => a + b, 0);
      expect(t).toBeCloseTo({ 1: 10, 2: 2, 3: 7 }[id]!, 12);
    }
  });
});

describe('calibration fit', () => {
  it('solves least squares exactly on a consistent system', () => {
    const x = leastSquares(
      [
        [1, 0, -2],
        [0, 1, -1],
        [1, 0, 0],
        [0, 1, -3],
      ],
      [5 - 2 * 0.4, 3 - 0.4, 5, 3 - 1.2],
      [NaN, NaN, 0.5],
    );
    expect(x[0]).toBeCloseTo(5, 4);
    expect(x[1]).toBeCloseTo(3, 4);
    expect(x[2]).toBeCloseTo(0.4, 4);
  });

  it('recovers solo times, the rate when sharing, and link parameters from synthetic replays', async () => {
    const scenario = applyOverrides(loadScenario('replay-cpu'), {});
    const solo: Record<string, number> = { 'mobilenet_v2/1': 4, 'mobilenet_v2/4': 11, 'bert_base/4': 20 };
    const r2 = 0.42;
    const inputBytes = (model: string, batch: number) => scenario.models.find((m) => m.name === model)!.inputBytesPerItem * batch;
    const outputBytes = (model: string, batch: number) => scenario.models.find((m) => m.name === model)!.outputBytesPerItem * batch;
    const records: ReplayRecord[] = [];
    let id = 0;
    for (let k = 0; k < 60; k++) {
      for (const key of Object.keys(solo)) {
        const [model, b] = key.split('/');
        const batch = Number(b);
        // Some alone the whole time, others sharing part of it at rate r2.
        const shared = (k % 3) * 0.3 * solo[key];
        const alone = solo[key] - r2 * shared;
        const exec = alone + shared;
        const tin = 0.3 + inputBytes(model, batch) / 2e5; // 0.2 GB/s, 0.3 ms setup
        const tout = 0.3 + outputBytes(model, batch) / 2e5;
        records.push({
          id: id++, arrival: k * 100, model, batch, priority: 'high', deadline: k * 100 + 500, outcome: 'met', gpu: 0,
          transferInStart: k * 100, transferInEnd: k * 100 + tin, executionStart: k * 100 + tin, executionEnd: k * 100 + tin + exec,
          transferOutStart: k * 100 + tin + exec, completed: k * 100 + tin + exec + tout, latency: tin + exec + tout,
          timeAtConcurrency: shared > 0 ? [alone, shared] : [alone], maxCoRunners: shared > 0 ? 1 : 0,
          // beside a request of the first kind (id 0: mobilenet_v2 batch 1)
          coRunners: shared > 0 ? [{ id: 0, overlapMs: shared }] : [],
          phaseMs: [exec / 4, exec / 4, exec / 2],
        });
      }
    }
    const replay: ReplayDirectory = {
      dir: 'synthetic',
      scenario,
      meta: { backend: 'wasm', device: 'test' } as ReplayDirectory['meta'],
      records,
    };
    const profile = calibrate([replay], { refine: false });
    for (const row of profile.fit.execution) expect(row.soloMs).toBeCloseTo(solo[`${row.model}/${row.batch}`], 4);
    expect(profile.fit.rateAtConcurrency[1]).toBeCloseTo(r2, 4);
    expect(profile.fit.efficiency).toBeCloseTo(2 * r2, 4);
    // Everything shared the device with mobilenet_v2 at r2, and the fitted law gives
    // every victim that rate beside it.
    expect(profile.fit.rateBeside.mobilenet_v2).toBeCloseTo(r2, 4);
    expect(profile.sharing).toEqual({ mode: 'spatial', interferenceAlpha: 1 });
    expect(profile.fit.pairs.length).toBeGreaterThan(1);
    for (const pair of profile.fit.pairs) {
      expect(pair.aggressor).toBe('mobilenet_v2');
      expect(pair.rate).toBeCloseTo(r2, 4);
      expect(pair.lawRate).toBeCloseTo(r2, 2);
    }
    for (const m of profile.models) {
      expect(m.phases[0]).toMatchObject(profile.fit.demands[m.name]);
    }
    expect(profile.link.h2dGBps).toBeCloseTo(0.2, 3);
    expect(profile.link.setupMs).toBeCloseTo(0.3, 6);
    expect(profile.link.d2hSetupMs).toBeCloseTo(0.3, 6);
    const mobilenet = profile.models.find((m) => m.name === 'mobilenet_v2')!;
    // phase shares 1/4, 1/4, 1/2 of each batch size's solo time
    expect(mobilenet.phases[2].soloMs['4']).toBeCloseTo(5.5, 3);
  });
});

describe('a scenario that names a calibration profile', () => {
  it("takes the profile's models, sharing and links; a missing or wrong profile is one clear error", () => {
    const profile = JSON.parse(readFileSync(new URL('../scenarios/calibration/replay-cpu-wasm.json', import.meta.url), 'utf8'));
    const scenario = loadScenario('replay-cpu');
    const resnet = scenario.models.find((m) => m.name === 'resnet152')!;
    const fitted = profile.models.find((m: { name: string }) => m.name === 'resnet152');
    expect(resnet.phases.map((p) => p.soloMs.values)).toEqual(
      fitted.phases.map((p: { soloMs: Record<string, number> }) => Object.values(p.soloMs)),
    );
    expect(scenario.cluster.gpus[0].sharing).toMatchObject({ mode: 'spatial', interferenceAlpha: profile.sharing.interferenceAlpha });
    expect(resnet.phases[0].memory.values).toEqual([fitted.phases[0].memory]);
    expect(scenario.cluster.gpus[0].link.setupMs).toBe(profile.link.setupMs);
    const dir = mkdtempSync(join(tmpdir(), 'strait-calibration-'));
    try {
      const base = JSON.parse(readFileSync(new URL('../scenarios/builtin/replay-cpu.json', import.meta.url), 'utf8'));
      writeFileSync(join(dir, 'missing.json'), JSON.stringify({ ...base, calibration: 'nope.json' }));
      expect(() => loadScenario(join(dir, 'missing.json'))).toThrow(/nope\.json: calibration profile not found/);
      writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ kind: 'something-else' }));
      writeFileSync(join(dir, 'uses-wrong.json'), JSON.stringify({ ...base, calibration: 'wrong.json' }));
      expect(() => loadScenario(join(dir, 'uses-wrong.json'))).toThrow(/wrong\.json: kind: expected "strait-calibration"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('plausible solo time', () => {
  const record = (alone: number, total: number) => ({ timeAtConcurrency: [alone, total - alone], executionStart: 10, executionEnd: 10 + total }) as unknown as ReplayRecord;
  it('keeps a least-squares solo time between the most done alone and the shortest execution', () => {
    const group = [record(2, 9), record(3, 12), record(1, 10)];
    expect(plausibleWork(5, group)).toBe(5);
    expect(plausibleWork(-0.0156, group)).toBe(3); // what a 40-request CI replay once produced
    expect(plausibleWork(40, group)).toBe(9);
    expect(plausibleWork(NaN, group)).toBe(9);
    // Shared the whole time: still above zero.
    expect(plausibleWork(-1, [record(0, 8)])).toBeCloseTo(0.08, 12);
  });
});

describe('sharing law fit', () => {
  it("recovers pair rates that depend on the victim as well as the aggressor, which memory alone cannot", () => {
    const truth: Record<string, SharingDemands> = {
      a: { compute: 0.6, memory: 0.6, sensitivity: 2.5 },
      b: { compute: 0.7, memory: 0.9, sensitivity: 0.6 },
      c: { compute: 1, memory: 0.2, sensitivity: 1.5 },
    };
    const models = Object.keys(truth);
    const pairs = models.flatMap((v) => models.map((a) => ({ victim: v, aggressor: a, rate: lawRate(truth[v], truth[a]), sharedMs: 1000 })));
    // Beside the same aggressor the victims fare differently (22% apart beside b), which
    // a law with only the aggressor's demand (one rate per aggressor) cannot express.
    expect(lawRate(truth.c, truth.b) / lawRate(truth.a, truth.b)).toBeGreaterThan(1.2);
    const fitted = fitSharingDemands(models, pairs);
    for (const p of pairs) expect(lawRate(fitted[p.victim], fitted[p.aggressor]) / p.rate).toBeCloseTo(1, 2);
    // A model never seen sharing keeps the neutral demands.
    expect(fitSharingDemands(['x'], [])).toEqual({ x: { compute: 1, memory: 0.5, sensitivity: 1 } });
  });
});

describe('device speed from clean solo executions', () => {
  const record = (id: number, model: string, batch: number, start: number, exec: number, shared = false): ReplayRecord => ({
    id, arrival: start - 1, model, batch, priority: 'high', deadline: 1e9, outcome: 'met', gpu: 0,
    transferInStart: start - 1, transferInEnd: start, executionStart: start, executionEnd: start + exec,
    transferOutStart: start + exec, completed: start + exec + 0.5, latency: exec + 1.5,
    timeAtConcurrency: shared ? [0, exec] : [exec], maxCoRunners: shared ? 1 : 0, coRunners: [], phaseMs: [exec],
  });
  it('compares median clean solo times with the reference, leaving out shared and copy-overlapped executions', () => {
    const records: ReplayRecord[] = [];
    let id = 0;
    for (let k = 0; k < 6; k++) records.push(record(id++, 'a', 1, 1000 * id, 12)); // 1.2x the reference
    for (let k = 0; k < 10; k++) records.push(record(id++, 'b', 4, 1000 * id, 22)); // 1.1x
    for (let k = 0; k < 10; k++) records.push(record(id++, 'a', 1, 1000 * id, 50, true)); // shared: not solo
    for (let k = 0; k < 10; k++) records.push(record(id++, 'c', 1, 1000 * id, 9)); // too few in the reference
    // An execution of 'a' alone, but during another request's input copy (which then executes, shared).
    records.push(record(id++, 'a', 1, 100_000, 100));
    records.push(record(id++, 'b', 4, 100_020, 30, true));
    const replay = { dir: 'synthetic', records } as unknown as ReplayDirectory;
    const clean = cleanAloneExecutions([replay]);
    expect(clean.get('a/1')).toEqual([12, 12, 12, 12, 12, 12]);
    const reference = { 'a/1': { medianMs: 10, samples: 20 }, 'b/4': { medianMs: 20, samples: 20 }, 'c/1': { medianMs: 5, samples: 2 } };
    const speed = deviceSpeed(replay, reference);
    expect(speed.pairs.map((p) => p.key)).toEqual(['a/1', 'b/4']);
    expect(speed.factor).toBeCloseTo(Math.exp((6 * Math.log(1.2) + 10 * Math.log(1.1)) / 16), 12);
    expect(deviceSpeed(replay, {}).factor).toBe(1);
    expect(aloneReference([replay])['b/4']).toEqual({ medianMs: 22, samples: 10 });
  });
});

describe('CPU pinning', () => {
  it('keeps core 0 for the dispatcher and deals the rest to devices', () => {
    expect(planPinning(1, 2, true, true).devices).toEqual([[1]]);
    expect(planPinning(1, 2, true, true, true)).toMatchObject({ batchScheduling: true, dispatcher: [0], description: 'dispatcher: core 0; device 0: core 1; workers under SCHED_BATCH' });
    expect(planPinning(1, 2, true, true, false).batchScheduling).toBe(false);
    expect(planPinning(2, 8, true, true).devices).toEqual([
      [1, 3, 5, 7],
      [2, 4, 6],
    ]);
    expect(planPinning(3, 2, true, true).devices).toEqual([[1], [1], [1]]);
    expect(planPinning(1, 2, false, true).devices).toBeUndefined();
    expect(planPinning(1, 2, true, false).description).toMatch(/taskset not found/);
  });
});

describe('one policy object for simulation and replay', () => {
  it('the registry gives one instance type that both drivers run, and the policy code never mentions replay', async () => {
    const scenario = applyOverrides(loadScenario('replay-cpu'), { policy: 'strait', predictor: 'static' });
    const entry = POLICIES.get('strait')!;
    const counted = (policy: ReturnType<typeof entry.create>) => {
      const calls = { arrival: 0, completion: 0 };
      const arrival = policy.onArrival.bind(policy);
      const completion = policy.onCompletion.bind(policy);
      policy.onArrival = (r, v) => (calls.arrival++, arrival(r, v));
      policy.onCompletion = (r, v) => (calls.completion++, completion(r, v));
      return calls;
    };
    const predictor = () => PREDICTORS.get('static')!.create({ cluster: scenario.cluster, params: {} });
    const arrivals = await collectArrivals(scenario, 12);

    const simPolicy = entry.create(scenario.policy.params);
    const simCalls = counted(simPolicy);
    let next = 0;
    new Simulator({
      cluster: scenario.cluster,
      models: new Map(scenario.models.map((m) => [m.name, m])),
      arrivals: { next: () => arrivals[next++] },
      policy: simPolicy,
      predictor: predictor(),
      seed: 1,
      sink: new RunRecorder(scenario.cluster),
    }).run();

    const replayPolicy = entry.create(scenario.policy.params);
    const replayCalls = counted(replayPolicy);
    const recorder = new RunRecorder(scenario.cluster);
    const engine = new ReplayEngine({
      cluster: scenario.cluster,
      models: new Map(scenario.models.map((m) => [m.name, m])),
      policy: replayPolicy,
      predictor: predictor(),
      sink: recorder,
      backend: { kind: 'tfjs', choice: 'wasm' },
      timeScale: 1,
      warmupRuns: 0,
      seed: 1,
    });
    await engine.start();
    const result = await engine.run(arrivals);
    await engine.shutdown();

    expect(replayPolicy.constructor).toBe(simPolicy.constructor);
    expect(simCalls.arrival).toBe(12);
    expect(replayCalls.arrival).toBe(12);
    expect(replayCalls.completion).toBe(result.served.size);
    expect(recorder.records.length).toBe(12);
    const source = readSource(new URL('../sim/policy/strait.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/replay/i);
  }, CHILD_LIMIT_MS);
});

/** Replays recorded once on a 2-core VM (test/fixtures/replay/README.md): fixed timings. */
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/replay/${name}`, import.meta.url));

describe('calibrate and validate on recorded replays (fixed timings)', () => {
  let dir: string;
  const at = (name: string) => join(dir, name);
  const runs: Record<string, Awaited<ReturnType<typeof strait>>> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strait-replay-fixtures-'));
    runs.calibrate = await strait(['calibrate', fixture('seed1-40'), '--out', at('profile.json')]);
    runs.validate = await strait(['validate', '--replay', fixture('seed2-40'), '--profile', at('profile.json'), '--out', at('validation.json'), '--rescale']);
  }, CHILD_LIMIT_MS);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the recordings are whole replays in which requests shared the device', () => {
    for (const name of ['seed1-40', 'seed2-40', 'seed5-200']) expect(replayProblems(readReplayContents(fixture(name))), name).toEqual([]);
    const table = tableFromIPC(readFileSync(join(fixture('seed1-40'), 'requests.arrow')));
    expect((table.getChild('co_run_ms')!.toArray() as Float64Array).some((ms) => ms > 0)).toBe(true);
    expect(new Set([...table.getChild('priority')!].map(String))).toEqual(new Set(['high', 'low']));
  });

  it('calibrates a profile the simulator accepts, and validates against a held-out replay', () => {
    expectSuccess(runs.calibrate);
    expect(runs.calibrate.stdout).toMatch(/progress rate at concurrency 1: 1.000, 2: /);
    const profile = JSON.parse(readFileSync(at('profile.json'), 'utf8'));
    expect(profile.kind).toBe('strait-calibration');
    expect(profile.fit.rateAtConcurrency[1]).toBeLessThan(0.75); // sharing one core slows each down
    expectSuccess(runs.validate);
    const validation = JSON.parse(readFileSync(at('validation.json'), 'utf8'));
    expect(validation.requests).toBe(40);
    expect(validation.speedFactor).toBeGreaterThan(0.5);
    expect(validation.speedFactor).toBeLessThan(2);
    // 40 requests leave too few clean solo executions to measure the device's speed by.
    expect(runs.validate.stdout).toMatch(/^device speed: (clean solo executions [\d.]+x the calibration replays'|too few clean solo executions)/m);
    expect(runs.validate.stdout).toMatch(/^simulated 8 times \(variability seeds/m);
    expect(validation.perModel.length).toBeGreaterThan(0);
    for (const row of validation.perModel) expect(Number.isFinite(row.simMeanMs)).toBe(true);
    expect(validation.violations.map((v: { priority: string }) => v.priority)).toEqual(['high', 'low']);
  });

  it("refinement brings each model's simulated mean execution time to the calibration trace's", () => {
    const replay = readReplayDirectory(fixture('seed5-200'));
    const direct = calibrate([replay], { refine: false });
    const refined = calibrate([replay]);
    expect(Object.keys(refined.fit.refinement!).sort()).toEqual(['bert_base', 'mobilenet_v2', 'resnet152']);
    // On this recording: 14% off unrefined, 0.4% refined. A short trace makes a rough
    // landscape (a change of solo time reorders overlaps): 40 requests sometimes ended
    // 14% off; 200 ended within 1.1% on three seeds, and 600-request replays within 0.5%.
    expect(executionGap(replay, refined)).toBeLessThanOrEqual(executionGap(replay, direct));
    expect(executionGap(replay, refined)).toBeLessThan(0.05);
  });
});

describe('strait replay on the wasm backend (real: complete and consistent records, not timings)', () => {
  let dir: string;
  const at = (name: string) => join(dir, name);
  const runs: Record<string, Awaited<ReturnType<typeof strait>>> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strait-replay-'));
    writeFileSync(
      at('alien.json'),
      JSON.stringify({
        name: 'alien',
        models: [{ name: 'yolo', inputBytesPerItem: 100, outputBytesPerItem: 10, phases: [{ name: 'all', soloMs: 1, compute: 1, memory: 1 }] }],
        cluster: { gpu: { maxConcurrency: 2 }, hosts: [{ uplink: { h2dGBps: 1, d2hGBps: 1 }, gpus: 1 }] },
        workload: { streams: [{ model: 'yolo', priority: 'high', weight: 1, batchSizes: [1], sloFactor: 4 }], requests: 5 },
      }),
    );
    const replay = (out: string, ...extra: string[]) => ['replay', 'replay-cpu', '--backend', 'wasm', '--requests', '40', '--warmup', '2', '--out', at(out), ...extra];
    runs.first = await strait(replay('r1', '--time-scale', '1.5'));
    runs.unknownBackend = await strait(['replay', 'replay-cpu', '--backend', 'metal', '--out', at('bad1')]);
    runs.noRealModel = await strait(['replay', at('alien.json'), '--backend', 'wasm', '--out', at('bad2')]);
    runs.nodeGpu = await strait(['replay', 'replay-cpu', '--backend', 'node-gpu', '--requests', '5', '--out', at('bad3')]);
    runs.crash = await strait(replay('crashed', '--warmup', '0'), { STRAIT_REPLAY_CRASH_AFTER: '6' });
  }, CHILD_LIMIT_MS);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays a dual-priority trace on two co-located workers: every request accounted for, stages in order, co-location consistent', () => {
    expectSuccess(runs.first);
    expect(runs.first.stdout).toMatch(/^backend wasm on CPU/m);
    const meta = JSON.parse(readFileSync(at('r1/replay.json'), 'utf8'));
    expect(meta).toMatchObject({ kind: 'strait-replay', status: 'complete', backend: 'wasm', workersPerDevice: [2], requests: 40 });
    const table = tableFromIPC(readFileSync(at('r1/requests.arrow')));
    expect(table.numRows).toBe(40);
    for (const name of ['latency_ms', 'execution_start_ms', 'co_runners', 'co_run_ms', 'max_co_runners', 'time_at_concurrency_ms', 'backend', 'worker']) {
      expect(table.getChild(name), name).not.toBeNull();
    }
    // The trace, not the machine, decides that both priority classes come through.
    expect(new Set([...table.getChild('priority')!].map(String))).toEqual(new Set(['high', 'low']));
    expect(replayProblems(readReplayContents(at('r1')))).toEqual([]);
    expect(runs.first.stderr).toMatch(/replayed 40\/40 arrivals/);
  });

  it('refuses an unknown backend, a model with no real implementation, and a native backend that cannot load', () => {
    expect(runs.unknownBackend.status).toBe(2);
    expect(lines(runs.unknownBackend.stderr)).toEqual(['strait: --backend: expected one of auto, node-gpu, node, wasm, cpu, torch, got "metal"']);
    expect(runs.noRealModel.status).toBe(2);
    expect(lines(runs.noRealModel.stderr)).toEqual([expect.stringMatching(/model "yolo" has no real implementation for replay \(replay has mobilenet_v2, resnet152, bert_base, mlp\)/)]);
    expect(existsSync(at('bad2'))).toBe(false);
    expect(runs.nodeGpu.status).not.toBe(0);
    expect(runs.nodeGpu.stderr).toMatch(/tfjs-node-gpu/);
    expect(runs.nodeGpu.stderr).toMatch(/CUDA/);
    expect(runs.nodeGpu.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(at('bad3'))).toBe(false);
  });

  it('a worker dying mid-replay: says which requests were lost, keeps the records, exits non-zero', () => {
    expect(runs.crash.status).toBe(1);
    const last = lines(runs.crash.stderr).at(-1)!;
    expect(last).toMatch(/^strait: replay worker 0 \(device cpu0\) exited \(code 70\) mid-replay: lost request \d+; \d+ not replayed; the \d+ records it has are in .*crashed\/requests\.arrow$/);
    const meta = JSON.parse(readFileSync(at('crashed/replay.json'), 'utf8'));
    expect(meta.status).toBe('failed');
    expect(meta.failure.lost).toHaveLength(1);
    const kept = tableFromIPC(readFileSync(at('crashed/requests.arrow'))).numRows;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(40);
  });
});
