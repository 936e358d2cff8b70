/**
 * `strait regress`: the comparison itself (pure), then end to end: a baseline written
 * from a sweep of the real strait policy passes on that sweep and fails on a sweep of a
 * deliberately worse variant of it (no slots kept free for high-priority arrivals), and
 * fails when a baseline point is missing from the sweep.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CheckFailure } from '../sim/core/errors.ts';
import {
  baselineFromSweeps,
  compareWithBaseline,
  formatBaseline,
  parseBaseline,
  type SweepRows,
} from '../scenarios/sweeps/regression-baseline.ts';
import { INDEX_COLUMNS, type SweepIndexRow } from '../scenarios/sweeps/sweep-index.ts';
import { regressCommand } from '../scripts/cli/regress-command.ts';
import { expectSuccess, lines, strait, smallScenarioJson, type CliResult } from './strait-cli.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

/** The CLI calls run as child processes: a limit for a hang, sized for a busy machine. */
const TIMEOUT = CHILD_LIMIT_MS;

function row(policy: string, load: number, seed: number, high: number, low: number): SweepIndexRow {
  const values = Object.fromEntries(INDEX_COLUMNS.map((c) => [c, 0]));
  return {
    ...values,
    policy,
    predictor: 'solo',
    load,
    seed,
    run: `${policy}__solo__load${load}__seed${seed}`,
    high_violation_rate: high,
    low_violation_rate: low,
  } as unknown as SweepIndexRow;
}

describe('regression baseline', () => {
  const sweep: SweepRows = {
    scenario: 's',
    rows: [row('fifo', 1, 1, 0.125, 0.25), row('fifo', 1, 2, 0.375, 0.5), row('edf', 1, 1, 0.0625, 0.5), row('edf', 1, 2, 0.0625, 0.5)],
  };

  it('holds the mean over seeds of each class rate, in percent, per point', () => {
    const baseline = baselineFromSweeps([sweep]);
    expect(baseline.points).toEqual([
      { scenario: 's', policy: 'edf', predictor: 'solo', load: 1, seeds: [1, 2], highViolationPct: 6.25, lowViolationPct: 50 },
      { scenario: 's', policy: 'fifo', predictor: 'solo', load: 1, seeds: [1, 2], highViolationPct: 25, lowViolationPct: 37.5 },
    ]);
    expect(parseBaseline(formatBaseline(baseline), 'b.json')).toEqual(baseline);
  });

  it('flags a rate worse by more than the tolerance, and only that one', () => {
    const baseline = baselineFromSweeps([sweep]);
    // fifo high: mean (0.125 + 0.41) / 2 = 26.75% against 25%: +1.75 pp; fifo low: +0.5 pp.
    const now: SweepRows = { scenario: 's', rows: [...sweep.rows.slice(0, 1), row('fifo', 1, 2, 0.41, 0.51), ...sweep.rows.slice(2)] };
    const statuses = (tolerance: number) =>
      compareWithBaseline(baseline, [now], tolerance).map((r) => `${r.policy} ${r.priority} ${r.status}`);
    expect(statuses(1)).toEqual(['edf high ok', 'edf low ok', 'fifo high worse', 'fifo low ok']);
    expect(statuses(2)).toEqual(['edf high ok', 'edf low ok', 'fifo high ok', 'fifo low ok']);
    expect(statuses(0.1)).toEqual(['edf high ok', 'edf low ok', 'fifo high worse', 'fifo low worse']);
    const fifoHigh = compareWithBaseline(baseline, [now], 1)[2];
    expect(fifoHigh.baselinePct).toBe(25);
    expect(fifoHigh.nowPct).toBeCloseTo(26.75, 12);
    expect(fifoHigh.diffPp).toBeCloseTo(1.75, 12);
  });

  it('reports better rates, a missing seed as a missing point, and points the baseline lacks as new', () => {
    const baseline = baselineFromSweeps([sweep]);
    const now: SweepRows = {
      scenario: 's',
      rows: [row('fifo', 1, 1, 0, 0), row('fifo', 1, 2, 0, 0), row('edf', 1, 1, 0.0625, 0.5), row('edf', 2, 1, 0.5, 0.5)],
    };
    expect(compareWithBaseline(baseline, [now], 1).map((r) => `${r.policy} ${r.load} ${r.priority} ${r.status}`)).toEqual([
      'edf 1 high missing',
      'edf 1 low missing',
      'fifo 1 high better',
      'fifo 1 low better',
      'edf 2 high new',
      'edf 2 low new',
    ]);
    // Another scenario's rows are other points.
    expect(compareWithBaseline(baseline, [{ ...sweep, scenario: 't' }], 1).filter((r) => r.status === 'missing')).toHaveLength(4);
  });

  it('rejects a malformed baseline with the file and field', () => {
    expect(() => parseBaseline('{"points": [{"scenario": "s"}]}', 'b.json')).toThrow(/^b\.json: points\[0\]\.policy: expected a name, got undefined$/);
    expect(() => parseBaseline('[]', 'b.json')).toThrow(/^b\.json: points: expected an array/);
    expect(() => parseBaseline('{', 'b.json')).toThrow(/^b\.json: invalid JSON/);
  });
});

/** Strait at high load on two GPUs; the worse variant keeps no slot free for high arrivals. */
const REAL = smallScenarioJson({ name: 'reg', seed: 1, load: 1, policy: 'strait', requests: 400 });
const WORSE = { ...REAL, policy: { name: 'strait', params: { reserveSlots: 0 } } };
const GRID = ['--policies', 'strait,priority', '--loads', '0.9,1.1', '--seeds', '2', '--workers', '1'];

/** Runs a command here, capturing what it writes; a CheckFailure is exit 1, as in the CLI. */
async function inProcess(call: () => Promise<unknown>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    await call();
    return { status: 0, stdout, stderr };
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    return { status: 1, stdout, stderr: stderr + `strait: ${error.message}\n` };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

let dir = '';
const at = (...parts: string[]) => join(dir, ...parts);
const runs: Record<string, Promise<CliResult>> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strait-regress-'));
  writeFileSync(at('real.json'), JSON.stringify(REAL));
  writeFileSync(at('worse.json'), JSON.stringify(WORSE));
  const real = strait(['sweep', at('real.json'), ...GRID, '--out', at('real')]);
  const worse = strait(['sweep', at('worse.json'), ...GRID, '--out', at('worse')]);
  runs.update = real.then((sweep) => (sweep.status !== 0 ? sweep : strait(['regress', at('real'), '--baseline', at('baseline.json'), '--update'])));
  const afterUpdate = (next: () => Promise<CliResult>) => runs.update.then((u) => (u.status !== 0 ? u : next()));
  runs.pass = afterUpdate(() => strait(['regress', at('real'), '--baseline', at('baseline.json')]));
  runs.fail = afterUpdate(() => worse.then((w) => (w.status !== 0 ? w : strait(['regress', at('worse'), '--baseline', at('baseline.json')]))));
  // The last two checks call the command in this process: no start-up to pay.
  runs.tolerant = afterUpdate(() => worse.then((w) => (w.status !== 0 ? w : inProcess(() => regressCommand([at('worse')], { baseline: at('baseline.json'), tolerance: 100 })))));
  runs.missing = afterUpdate(() => {
    // A baseline with one more load than the sweep ran.
    const baseline = parseBaseline(readFileSync(at('baseline.json'), 'utf8'), 'baseline.json');
    const extra = { ...baseline.points[0], load: 1.3 };
    writeFileSync(at('more.json'), formatBaseline({ points: [...baseline.points, extra] }));
    return inProcess(() => regressCommand([at('real')], { baseline: at('more.json') }));
  });
}, TIMEOUT);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The table's rows as "policy load class status". */
function statuses(stdout: string): string[] {
  return lines(stdout)
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .map((cells) => `${cells[1]} ${cells[3]} ${cells[4]} ${cells[cells.length - 1]}`);
}

describe('strait regress', () => {
  it('--update writes the baseline: per policy and load, the mean rate of each class over the seeds', async () => {
    const run = await runs.update;
    expectSuccess(run);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^regress: wrote .*baseline\.json \(4 points from .*real\)$/)]);
    const baseline = parseBaseline(readFileSync(at('baseline.json'), 'utf8'), 'baseline.json');
    expect(baseline.points.map((p) => `${p.scenario} ${p.policy} ${p.predictor} ${p.load} ${p.seeds.join('+')}`)).toEqual([
      'reg priority solo 0.9 1+2',
      'reg priority solo 1.1 1+2',
      'reg strait solo 0.9 1+2',
      'reg strait solo 1.1 1+2',
    ]);
    const summary = JSON.parse(readFileSync(at('real', 'runs', 'strait__solo__load1.1__seed2', 'summary.json'), 'utf8'));
    const other = JSON.parse(readFileSync(at('real', 'runs', 'strait__solo__load1.1__seed1', 'summary.json'), 'utf8'));
    expect(baseline.points[3].highViolationPct).toBeCloseTo((100 * (summary.classes.high.violationRate + other.classes.high.violationRate)) / 2, 12);
  }, TIMEOUT);

  it('passes on the sweep it was written from', async () => {
    const run = await runs.pass;
    expectSuccess(run);
    expect(statuses(run.stdout)).toEqual([
      'priority 0.9 high ok',
      'priority 0.9 low ok',
      'priority 1.1 high ok',
      'priority 1.1 low ok',
      'strait 0.9 high ok',
      'strait 0.9 low ok',
      'strait 1.1 high ok',
      'strait 1.1 low ok',
    ]);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^regress: all 8 rates within 1 pp of .*baseline\.json or better$/)]);
  }, TIMEOUT);

  it('fails on a worse variant of strait, naming it; the other policy is unchanged', async () => {
    const run = await runs.fail;
    expect(run.status).toBe(1);
    const rows = statuses(run.stdout);
    expect(rows.filter((r) => r.startsWith('priority'))).toEqual(['priority 0.9 high ok', 'priority 0.9 low ok', 'priority 1.1 high ok', 'priority 1.1 low ok']);
    expect(rows).toContain('strait 0.9 high WORSE');
    expect(rows).toContain('strait 1.1 high WORSE');
    const worse = lines(run.stdout).filter((line) => line.endsWith('WORSE'));
    for (const line of worse) expect(Number(line.trim().split(/\s+/)[7])).toBeGreaterThan(1);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^strait: regress: \d rates? worse than the baseline by more than 1 pp \(reg strait\/solo load 0\.9 high \+\d+\.\d\d pp; /),
    ]);
  }, TIMEOUT);

  it('passes the worse variant with a tolerance wide enough', async () => {
    expectSuccess(await runs.tolerant);
  }, TIMEOUT);

  it('fails when a baseline point is missing from the sweep', async () => {
    const run = await runs.missing;
    expect(run.status).toBe(1);
    expect(statuses(run.stdout)).toContain('priority 1.3 high MISSING');
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^strait: regress: 1 baseline point missing from the sweep \(reg priority\/solo load 1\.3\)$/),
    ]);
  }, TIMEOUT);
});
