import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { calibrationHealth, type CalibrationInput } from '../replay/calibration-health.ts';
import type { CalibrationFit } from '../replay/calibrate.ts';
import { interleavedOrder, parsePlan, probeDrift } from '../replay/campaign-plan.ts';
import { strait } from './strait-cli.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

const PLAN = {
  scenario: 'replay-cpu',
  replicates: 5,
  configurations: [
    { name: 'fifo', policy: 'fifo', role: 'calibration' },
    { name: 'priority', policy: 'priority', role: 'heldout' },
    { name: 'strait', policy: 'strait', role: 'heldout' },
  ],
};

describe('campaign plans', () => {
  it('interleaves: every round holds one replicate of each configuration, in a seeded shuffle', () => {
    const plan = parsePlan(PLAN, 'plan.json');
    const order = interleavedOrder(plan);
    expect(order).toHaveLength(15);
    for (let r = 0; r < 5; r++) {
      const round = order.slice(3 * r, 3 * r + 3);
      expect(round.every((p) => p.replicate === r + 1)).toBe(true);
      expect(round.map((p) => p.configuration).sort()).toEqual(['fifo', 'priority', 'strait']);
    }
    expect(interleavedOrder(plan)).toEqual(order);
    const rounds = new Set(Array.from({ length: 5 }, (_, r) => order.slice(3 * r, 3 * r + 3).map((p) => p.configuration).join()));
    expect(rounds.size).toBeGreaterThan(1);
  });

  it('names the field and what was expected for a bad plan', () => {
    expect(() => parsePlan({ ...PLAN, replicates: 1 }, 'p.json')).toThrow(/p\.json: replicates: expected at least 2/);
    expect(() => parsePlan({ ...PLAN, configurations: [{ policy: 'fifo', role: 'train' }] }, 'p.json')).toThrow(/configurations\[0\]\.role: expected "calibration" or "heldout", got "train"/);
    expect(() => parsePlan({ ...PLAN, backend: { gpu: 1 } }, 'p.json')).toThrow(/backend\.gpu: expected one of/);
    expect(() => parsePlan({ ...PLAN, configurations: [PLAN.configurations[0], PLAN.configurations[0]] }, 'p.json')).toThrow(/configurations\[1\]\.name: expected a name no other/);
  });

  it('takes the probe drift as the geometric mean of after / before', () => {
    expect(probeDrift({ a: 1, b: 4 }, { a: 2, b: 8 })).toBeCloseTo(1, 10);
    expect(probeDrift({ a: 1, b: 4 }, { a: 2, b: 2 })).toBeCloseTo(0, 10);
    expect(probeDrift({ a: 1 }, undefined)).toBeNaN();
  });
});

/** Small, so that a plan wrongly accepted fails the test in seconds, not after a campaign. */
const CLI_PLAN = { ...PLAN, replicates: 2, requests: 2 };

/** A plan with one field broken, the field the one line must name, and what it must say. */
const BAD_PLANS: readonly { readonly what: string; readonly plan: unknown; readonly line: RegExp }[] = [
  { what: 'missing configurations', plan: { ...CLI_PLAN, configurations: undefined }, line: /: configurations: expected a non-empty array, got undefined$/ },
  { what: 'replicates < 2', plan: { ...CLI_PLAN, replicates: 1 }, line: /: replicates: expected at least 2 .*, got 1$/ },
  {
    what: 'an unknown policy',
    plan: { ...CLI_PLAN, configurations: [CLI_PLAN.configurations[0], { ...CLI_PLAN.configurations[1], policy: 'nosuch' }] },
    line: /: configurations\[1\]\.policy: expected one of "fifo", .*"strait", got "nosuch"$/,
  },
  {
    what: 'an unknown predictor',
    plan: { ...CLI_PLAN, configurations: [{ ...CLI_PLAN.configurations[0], predictor: 'oracle' }, CLI_PLAN.configurations[1]] },
    line: /: configurations\[0\]\.predictor: expected one of "solo", .*got "oracle"$/,
  },
  { what: 'a role other than calibration or heldout', plan: { ...CLI_PLAN, configurations: [{ ...CLI_PLAN.configurations[0], role: 'train' }] }, line: /: configurations\[0\]\.role: expected "calibration" or "heldout", got "train"$/ },
  { what: 'duplicate names', plan: { ...CLI_PLAN, configurations: [...CLI_PLAN.configurations, CLI_PLAN.configurations[2]] }, line: /: configurations\[3\]\.name: expected a name no other configuration has, got "strait"$/ },
  {
    what: 'no calibration configuration',
    plan: { ...CLI_PLAN, configurations: CLI_PLAN.configurations.slice(1) },
    line: /: configurations: expected at least one configuration with role "calibration", got \["heldout","heldout"\]$/,
  },
  {
    what: 'no held-out configuration',
    plan: { ...CLI_PLAN, configurations: CLI_PLAN.configurations.slice(0, 1) },
    line: /: configurations: expected at least one configuration with role "heldout", got \["calibration"\]$/,
  },
];

describe('strait campaign: a bad plan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-bad-plan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(BAD_PLANS.map((c, k) => [c.what, k] as const))('%s: exit 2, one line naming the file and the field, nothing written', async (_what, k) => {
    const { plan, line } = BAD_PLANS[k];
    const file = join(dir, `plan-${k}.json`);
    const out = join(dir, `out-${k}`);
    writeFileSync(file, JSON.stringify(plan));
    const run = await strait(['campaign', file, '--out', out]);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stdout).toBe('');
    const errors = run.stderr.split('\n').filter((l) => l !== '');
    expect(errors).toHaveLength(1);
    expect(errors[0].startsWith(`strait: ${file}: `), errors[0]).toBe(true);
    expect(errors[0]).toMatch(line);
    expect(existsSync(out)).toBe(false);
  }, CHILD_LIMIT_MS);
});

function fit(overrides: Partial<CalibrationFit> = {}): CalibrationFit {
  const law = { samples: 50, interceptMs: 0.1, slope: 0, r2: 0.8, mape: 0.2 };
  return {
    requests: 500,
    rateAtConcurrency: [1, 0.5],
    efficiency: 1,
    rateBeside: {},
    pairs: [
      { victim: 'a', aggressor: 'b', sharedMs: 100, rate: 0.4, lawRate: 0.42 },
      { victim: 'b', aggressor: 'a', sharedMs: 100, rate: 0.6, lawRate: 0.58 },
    ],
    demands: { a: { compute: 1, memory: 0.5, sensitivity: 1 }, b: { compute: 1, memory: 0.2, sensitivity: 0.5 } },
    refinement: { a: 1.05, b: 0.97 },
    execution: [{ model: 'a', batch: 1, samples: 100, soloSamples: 20, soloMs: 2, mape: 0.1 }],
    executionR2: 0.9,
    transferIn: law,
    transferOut: law,
    transferInBusy: law,
    transferOutBusy: law,
    ...overrides,
  };
}

const quiet: CalibrationInput = { dir: 'r1', speedProbe: { 'a/1': 2 }, speedProbeAfter: { 'a/1': 2.02 }, probeDrift: 0.01, hostLoad: { cores: [1], samples: 8, loadAverage1m: 0.3, othersRunnable: 0, others: [], busy: false } };

describe('calibration health', () => {
  it('accepts a good fit from quiet inputs', () => {
    expect(calibrationHealth(fit(), [quiet, { ...quiet, dir: 'r2' }]).problems).toEqual([]);
  });

  it('refuses inputs from a busy device, naming the neighbour', () => {
    const busy: CalibrationInput = { ...quiet, hostLoad: { ...quiet.hostLoad!, othersRunnable: 2, others: ['stress-ng-cpu x8'], busy: true } };
    const problems = calibrationHealth(fit(), [quiet, busy]).problems;
    expect(problems).toContainEqual(expect.objectContaining({ severity: 'refuse', group: 'inputs', message: expect.stringMatching(/1 of 2 .*busy device.*stress-ng-cpu/) }));
  });

  it('refuses parameters stuck at their bounds and a law that explains little; warns of a broken copy law', () => {
    const bad = fit({
      executionR2: 0.1,
      pairs: [{ victim: 'a', aggressor: 'b', sharedMs: 100, rate: 0.01, lawRate: 0.2 }, { victim: 'b', aggressor: 'a', sharedMs: 100, rate: 0.5, lawRate: 0.5 }],
      demands: { a: { compute: 1, memory: 1, sensitivity: 50 }, b: { compute: 1, memory: 0.2, sensitivity: 0.5 } },
      transferInBusy: { samples: 50, interceptMs: 0, slope: 0, r2: 0.01, mape: 5.28 },
    });
    const problems = calibrationHealth(bad, [quiet]).problems;
    const refused = problems.filter((p) => p.severity === 'refuse').map((p) => p.message);
    expect(refused).toEqual([expect.stringMatching(/execution R\^2 0\.100/), expect.stringMatching(/pair rate\(s\) at the floor 0\.01 that the law cannot follow: a beside b \(law 0\.200/), expect.stringMatching(/sensitivity at its bound 50 for a/)]);
    expect(problems).toContainEqual(expect.objectContaining({ severity: 'warn', group: 'copies', message: expect.stringMatching(/528%/) }));
  });

  it('warns, without refusing, of a victim measured at the rate floor when the law follows it down', () => {
    const starved = fit({ pairs: [{ victim: 'a', aggressor: 'b', sharedMs: 313, rate: 0.01, lawRate: 0.019 }, { victim: 'b', aggressor: 'a', sharedMs: 313, rate: 0.45, lawRate: 0.45 }] });
    const problems = calibrationHealth(starved, [quiet]).problems;
    expect(problems.filter((p) => p.severity === 'refuse')).toEqual([]);
    expect(problems).toContainEqual(expect.objectContaining({ severity: 'warn', group: 'sharing', message: expect.stringMatching(/a beside b \(law 0\.019, 313 ms shared\)/) }));
  });
});
