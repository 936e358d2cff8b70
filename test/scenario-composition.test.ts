import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { parseScenario } from '../scenarios/parse-scenario.ts';
import { scenarioToJson } from '../scenarios/serialize-scenario.ts';
import { buildArrivals, planRates } from '../scenarios/workload-plan.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'strait-scenario-'));
}

describe('extends', () => {
  it('takes the base scenario and replaces the fields the file sets', () => {
    const base = loadScenario('paper');
    const high = loadScenario('paper-intense');
    expect(high.name).toBe('paper-intense');
    expect(high.load).toBe(1.1);
    expect(high.cluster).toEqual(base.cluster);
    expect(high.workload).toEqual(base.workload);
    expect(high.models).toEqual(base.models);
  });

  it('resolves a relative base next to the file, through a chain', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ extends: 'paper', name: 'a', seed: 7 }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ extends: 'a.json', name: 'b', load: 0.6 }));
    const b = loadScenario(join(dir, 'b.json'));
    expect([b.name, b.seed, b.load]).toEqual(['b', 7, 0.6]);
    expect(b.cluster.gpus).toHaveLength(4);
  });

  it('names a file without a name after itself, not after its base (through a chain too)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'hotter.json'), JSON.stringify({ extends: 'paper-intense', load: 1.3 }));
    writeFileSync(join(dir, 'hotter-seed9.json'), JSON.stringify({ extends: 'hotter.json', seed: 9 }));
    expect(loadScenario(join(dir, 'hotter.json')).name).toBe('hotter');
    const chained = loadScenario(join(dir, 'hotter-seed9.json'));
    expect([chained.name, chained.load, chained.seed]).toEqual(['hotter-seed9', 1.3, 9]);
  });

  it('rejects a cycle and a base that is not a name', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ extends: 'y.json' }));
    writeFileSync(join(dir, 'y.json'), JSON.stringify({ extends: 'x.json' }));
    expect(() => loadScenario(join(dir, 'x.json'))).toThrow(/x\.json: extends: "y\.json" leads back to this file \(a cycle of extends\)|y\.json: extends: "x\.json" leads back/);
    writeFileSync(join(dir, 'z.json'), JSON.stringify({ extends: 3 }));
    expect(() => loadScenario(join(dir, 'z.json'))).toThrow(InputError);
    expect(() => loadScenario(join(dir, 'z.json'))).toThrow(/z\.json: extends: expected the name of a built-in scenario or a scenario file, got 3/);
  });
});

describe('workload phases', () => {
  const shift = loadScenario('paper-shift');

  it('runs each phase for its duration with its own mix', () => {
    const phases = shift.workload.phases!;
    expect(phases).toHaveLength(2);
    const arrivals = [...buildArrivals(shift)];
    const first = arrivals.filter((a) => a.arrival < 15000);
    const second = arrivals.filter((a) => a.arrival >= 15000);
    expect(second.length).toBeGreaterThan(1000);
    expect(arrivals.every((a, i) => i === 0 || a.arrival >= arrivals[i - 1].arrival)).toBe(true);
    expect(arrivals[arrivals.length - 1].arrival).toBeLessThan(30000);
    // bert_base appears only after the change; mobilenet_v2 only before it
    expect(first.some((a) => a.model === 'bert_base')).toBe(false);
    expect(second.some((a) => a.model === 'mobilenet_v2')).toBe(false);
    expect(first.filter((a) => a.model === 'mobilenet_v2').length).toBeGreaterThan(0.8 * first.length);
  });

  it('offers each phase its own load (capacity-relative), averaged over time', () => {
    const rates = planRates(shift);
    expect(rates.offeredLoad).toBeCloseTo(0.9, 10);
    for (const phase of shift.workload.phases!) {
      expect(planRates({ ...shift, workload: phase }).offeredLoad).toBeCloseTo(0.9, 10);
    }
    // the CNN-heavy phase needs many more requests per second for the same load
    const [cnn, transformer] = shift.workload.phases!.map((phase) => planRates({ ...shift, workload: phase }).totalPerSec);
    expect(cnn).toBeGreaterThan(2 * transformer);
  });

  it('round-trips through the resolved scenario JSON and caps requests', () => {
    const json = scenarioToJson(shift) as Record<string, unknown>;
    expect(parseScenario(json, 'resolved.json', 'x')).toEqual(shift);
    const capped = parseScenario({ ...json, workload: { ...(json.workload as object), requests: 500 } }, 'capped.json', 'x');
    expect([...buildArrivals(capped)]).toHaveLength(500);
  });

  it('names a phase that lacks its duration', () => {
    const json = scenarioToJson(shift) as { workload: { phases: Record<string, unknown>[] } };
    const { durationMs: _, ...withoutDuration } = json.workload.phases[1];
    const broken = { ...json, workload: { phases: [json.workload.phases[0], withoutDuration] } };
    expect(() => parseScenario(broken, 'bad.json', 'x')).toThrow(/^bad\.json: workload\.phases\[1\]\.durationMs: expected how long this phase lasts/);
  });
});
