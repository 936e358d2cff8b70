import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import type { Summary } from '../sim/metrics/summary.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { applyOverrides, runScenario } from '../scenarios/run-scenario.ts';
import { measureCapacity } from '../scenarios/capacity.ts';
import { highOnly, highOnlyRuns } from '../scenarios/high-only.ts';
import { requireNominalLoad, resolveLoadBasis } from '../scenarios/load-basis.ts';
import { parseScenario } from '../scenarios/parse-scenario.ts';
import { comparePolicies } from '../scenarios/policy-comparison.ts';
import { defaultKnobs, tuningGrid, withConcurrency } from '../scenarios/policy-knobs.ts';
import { bestSetting, SettingRunner, tunePolicy } from '../scenarios/policy-tuning.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { scenarioToJson } from '../scenarios/serialize-scenario.ts';
import { buildArrivals } from '../scenarios/workload-plan.ts';
import { writeTrace } from '../traces/trace-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'strait-fair-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * One GPU, 4 slots, one kernel of 1 ms solo that fills half the GPU's compute and draws
 * 30% of its memory bandwidth, interference alpha 0.5, no transfer cost. n requests
 * sharing it each run at 1 / max(1, n/2) / (1 + 0.5 x 0.3 (n-1)), so its throughput is
 * 1, 1.74, 1.54, 1.38 requests per ms for n = 1..4: concurrency 2 serves the most.
 */
function sharedKernelScenario(overrides: Record<string, unknown> = {}): Scenario {
  return parseScenario(
    {
      name: 'half-gpu',
      seed: 1,
      load: 1.5,
      policy: 'fifo',
      predictor: 'solo',
      models: [
        {
          name: 'k',
          inputBytesPerItem: 0,
          outputBytesPerItem: 0,
          variability: { kind: 'deterministic' },
          phases: [{ name: 'kernel', soloMs: 1, compute: 0.5, memory: 0.3 }],
        },
      ],
      cluster: {
        gpu: { maxConcurrency: 4, sharing: 'spatial', interferenceAlpha: 0.5, link: { h2dGBps: 12, d2hGBps: 12, setupMs: 0 } },
        hosts: [{ uplink: { h2dGBps: 16, d2hGBps: 16 }, gpus: 1 }],
      },
      workload: {
        streams: [
          { model: 'k', priority: 'high', weight: 1, batchSizes: [1], sloFactor: 10 },
          { model: 'k', priority: 'low', weight: 1, batchSizes: [1], sloFactor: 20 },
        ],
        requests: 4000,
      },
      ...overrides,
    },
    'half-gpu.json',
    'half-gpu',
  );
}

/** Two GPUs, MobileNetV2 and BERT-base at high priority, BERT-base at low; 3,000 requests. */
const small = (overrides: Record<string, unknown> = {}): Scenario =>
  parseScenario(
    {
      name: 'mixed',
      seed: 4,
      load: 0.9,
      predictor: 'solo',
      models: ['mobilenet_v2', 'bert_base'],
      cluster: { hosts: [{ uplink: { h2dGBps: 16, d2hGBps: 16 }, gpus: 2 }] },
      workload: {
        streams: [
          { model: 'mobilenet_v2', priority: 'high', weight: 1, batchSizes: [1, 2], sloFactor: 3 },
          { model: 'bert_base', priority: 'high', weight: 0.5, batchSizes: [1], sloFactor: 3 },
          { model: 'bert_base', priority: 'low', weight: 2, batchSizes: [4, 8], sloFactor: 8 },
        ],
        requests: 3000,
      },
      ...overrides,
    },
    'mixed.json',
    'mixed',
  );

describe('tuning', () => {
  it('finds the concurrency that serves the most when load exceeds what the others sustain', async () => {
    const scenario = sharedKernelScenario();
    const runner = new SettingRunner(scenario, [1, 2]);
    const tuning = await tunePolicy(runner, scenario, 'fifo', 'solo');
    expect(tuning.untuned.knobs).toEqual({ policy: 'fifo', concurrency: 4, params: {} });
    expect(tuning.tried.map((t) => t.knobs.concurrency)).toEqual([4, 1, 2, 3]);
    expect(tuning.tuned.knobs.concurrency).toBe(2);
  });

  it('spells out the untuned setting as the first grid point, with the scenario\'s own values', () => {
    const scenario = sharedKernelScenario({ policy: { name: 'strait', params: { reserveSlots: 2 } } });
    expect(defaultKnobs('strait', scenario)).toEqual({ policy: 'strait', concurrency: 4, params: { reserveSlots: 2 } });
    expect(defaultKnobs('edf', scenario)).toEqual({ policy: 'edf', concurrency: 4, params: { reserveSlots: 0 } });
    // Reserves below the concurrency: 1 + 2 + 3 + 4 settings, the untuned one not repeated.
    expect(tuningGrid('priority', scenario)).toHaveLength(10);
    // Clockwork runs one request per GPU by design: its GPUs keep their slots.
    expect(tuningGrid('clockwork', scenario)).toEqual([
      { policy: 'clockwork', params: { dropLate: true } },
      { policy: 'clockwork', params: { dropLate: false } },
    ]);
    expect(tuningGrid('preempt', scenario)).toHaveLength(8);
  });

  it('runs each policy untuned exactly as a plain run of the scenario with that policy', async () => {
    const scenario = small({ predictor: 'adaptive', load: 1.1 });
    const rows = await comparePolicies(scenario, { policies: [...POLICIES.keys()], predictors: ['adaptive'], seeds: [scenario.seed], tune: false, floor: false });
    for (const row of rows) {
      const plain = await runScenario(applyOverrides(scenario, { policy: row.policy }));
      expect(row.highViolationPct.mean, row.policy).toBe(100 * plain.summary.classes.high.violationRate);
      expect(row.predictorExecutionMape.mean, row.policy).toBe(plain.summary.predictorError.execution.mape);
    }
  });

  it('ranks by high violations, then by low ones within the tie band', () => {
    const result = (high: number, low: number) => ({ summaries: [{ classes: { high: { violationRate: high / 100 }, low: { violationRate: low / 100 } } } as Summary] });
    expect(bestSetting([result(5, 0), result(1, 50), result(1.05, 2)])).toBe(2);
    expect(bestSetting([result(5, 0), result(1, 50), result(1.05, 2)], 0)).toBe(1);
    expect(bestSetting([result(1, 3), result(1, 3)])).toBe(0);
  });
});

describe('measured capacity', () => {
  it('of one exclusive GPU is one request per solo time (Poisson arrivals, deterministic service)', async () => {
    const scenario = sharedKernelScenario({
      workload: { streams: [{ model: 'k', priority: 'high', weight: 1, batchSizes: [1], sloFactor: 10 }], requests: 20000 },
    });
    const result = await measureCapacity(scenario, { concurrencies: [1] });
    // Nominal: one GPU, 1 ms solo: 1000 requests/s, and load 1 is that rate.
    expect(result.nominalPerSec).toBeCloseTo(1000, 6);
    expect(Math.abs(result.exclusive!.load - 1)).toBeLessThan(0.02);
    // The highest load let through sits above it, by up to the 2% of backlog allowed.
    expect(result.exclusive!.sustainedLoad).toBeGreaterThanOrEqual(result.exclusive!.load);
    expect(result.exclusive!.perSec).toBeCloseTo(1000 * result.exclusive!.load, 6);
  });

  it('finds the best concurrency and its throughput', async () => {
    const result = await measureCapacity(sharedKernelScenario({ load: 1 }));
    expect(result.byConcurrency.map((c) => c.concurrency)).toEqual([1, 2, 3, 4]);
    expect(result.best.concurrency).toBe(2);
    // 2 / 1.15 requests per solo time.
    expect(Math.abs(result.best.load / (2 / 1.15) - 1)).toBeLessThan(0.03);
  });

  it('turns a load stated against it into the nominal load the simulator runs', async () => {
    const measured = sharedKernelScenario({ load: 0.5, loadBasis: 'measured' });
    const resolved = await resolveLoadBasis(measured);
    expect(resolved.capacity!.best.concurrency).toBe(2);
    expect(resolved.scenario.load).toBeCloseTo(0.5 * resolved.capacity!.best.load, 12);
    expect(resolved.scenario.loadBasis).toBeUndefined();
    expect(() => requireNominalLoad(measured, 'strait sweep')).toThrow(InputError);
    // Absent, nothing changes: not even the scenario's JSON.
    const nominal = sharedKernelScenario();
    expect((await resolveLoadBasis(nominal)).scenario).toBe(nominal);
    expect(JSON.stringify(scenarioToJson(nominal))).not.toContain('loadBasis');
    expect(scenarioToJson(measured)).toMatchObject({ loadBasis: 'measured' });
  });
});

describe('the high-only floor', () => {
  it('equals a run of the trace of the high requests alone', async () => {
    const scenario = small();
    const floor = await highOnlyRuns(scenario, 'solo', [scenario.seed], false);
    const trace = join(dir, 'high.arrow');
    const highs = [...buildArrivals(scenario)].filter(highOnly);
    expect(highs.length).toBeGreaterThan(500);
    await writeTrace(trace, highs);
    const json = scenarioToJson({ ...scenario, policy: { name: 'edf', params: {} } }) as Record<string, unknown>;
    // The trace holds the arrivals at the scenario's load already: load 1 replays it as it is.
    const traced = parseScenario({ ...json, load: 1, workload: { trace } }, 'traced.json', 'traced');
    const run = await runScenario(traced);
    expect(floor.summaries[0].classes.high.count).toBe(highs.length);
    expect(floor.summaries[0]).toEqual(run.summary);
  });

  it('is the last row of a comparison, below what the mixed runs give the high class', async () => {
    const scenario = { ...small(), load: 1.2 };
    const rows = await comparePolicies(scenario, { policies: ['fifo'], predictors: ['solo'], seeds: [4], tune: false, floor: true });
    expect(rows.map((r) => r.kind)).toEqual(['untuned', 'high-only']);
    expect(rows[1].policy).toBe('edf');
    expect(rows[1].highViolationPct.mean).toBeLessThan(rows[0].highViolationPct.mean);
    expect(rows[1].lowViolationPct.mean).toBe(0);
  });

  it('caps every GPU at the concurrency asked, never above its own slots', () => {
    const scenario = small();
    expect(withConcurrency(scenario, 2).cluster.gpus.map((g) => g.maxConcurrency)).toEqual([2, 2]);
    expect(withConcurrency(scenario, 9).cluster.gpus.map((g) => g.maxConcurrency)).toEqual([4, 4]);
  });
});
