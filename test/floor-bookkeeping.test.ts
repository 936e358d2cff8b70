import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import type { RequestRecords } from '../sim/metrics/request-records.ts';
import type { Summary } from '../sim/metrics/summary.ts';
import { runScenario } from '../scenarios/run-scenario.ts';
import { benchScenario } from '../scripts/bench-scenario.ts';
import { STAGED_FLOAT_COLUMNS, STAGED_INT_COLUMNS } from '../sim/metrics/request-records.ts';
import { MMC_HIGH_SHARE, MMC_RHO, MMC_SERVICE_MS, mmcCluster, straitMmc } from '../scripts/bench-mmc.ts';
import { BLOCK, FloorBookkeeping, type FloorSummary } from '../scripts/floor-bookkeeping.ts';
import { floorMixWithBookkeeping, floorMmcWithBookkeeping } from '../scripts/floor-loop-with-bookkeeping.ts';
import { CHILD_LIMIT_MS, HUNG_CHILD_MS } from './time-limits.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

// bench:floor --bookkeeping true prices strait against a floor that keeps the same
// records and summary. That is fair only if the floor's bookkeeping computes what
// strait's does: fed strait's own rows, it must give strait's summary figures exactly.
/** What FloorBookkeeping makes of a run's records, fed row by row as the floor writes them. */
function floorSummaryOf(records: RequestRecords): FloorSummary {
  const ints = STAGED_INT_COLUMNS.map((name) => records[name].view());
  const floats = STAGED_FLOAT_COLUMNS.map((name) => records[name].view());
  const book = new FloorBookkeeping(records.length);
  for (let i = 0; i < records.length; i++) {
    for (let c = 0; c < ints.length; c++) book.ints[c * BLOCK + book.row] = ints[c][i];
    for (let c = 0; c < floats.length; c++) book.floats[c * BLOCK + book.row] = floats[c][i];
    book.commit();
  }
  return book.finish();
}

/** The same figures from strait's summary. */
function straitFigures(summary: Summary): FloorSummary {
  const { high, low } = summary.classes;
  return {
    met: [high.met, low.met],
    late: [high.late, low.late],
    notServed: [high.dropped + high.rejected + high.unserved, low.dropped + low.rejected + low.unserved],
    meanSlowdown: [high.meanSlowdown, low.meanSlowdown],
    execution: summary.predictorError.execution,
    transfer: summary.predictorError.transfer,
    executionOverTime: Object.values(summary.predictors)[0].executionOverTime.map((w) => w.mape),
  };
}

describe('the floor bookkeeping', () => {
  it("gives strait's summary figures for strait's own rows (M/M/8, past one batch of 65,536 rows)", () => {
    const requests = 70_000;
    const recorder = new RunRecorder(mmcCluster(8), { expectedRequests: requests });
    const run = straitMmc({ requests, gpus: 8, seed: 3, sink: recorder });
    const summary = recorder.summarize(run.result);
    expect(recorder.records.length).toBe(requests);
    const floor = floorSummaryOf(recorder.records);
    expect(floor).toEqual(straitFigures(summary));
    expect(floor.execution.samples).toBe(requests);
  });

  it("gives strait's summary figures for the bench mix's rows: transfers, late and dropped requests, several models", async () => {
    const run = await runScenario(benchScenario({ requests: 6000, gpus: 8, policy: 'strait', load: 1.2 }));
    const figures = straitFigures(run.summary);
    expect(figures.late[1]).toBeGreaterThan(0);
    expect(figures.notServed[0] + figures.notServed[1]).toBeGreaterThan(0);
    expect(figures.transfer.samples).toBeGreaterThan(0);
    expect(floorSummaryOf(run.records)).toEqual(figures);
  });

  it('records every request of the M/M/c floor', () => {
    const requests = 5_000;
    const book = new FloorBookkeeping(requests);
    const run = floorMmcWithBookkeeping({ requests, servers: 8, rho: MMC_RHO, highShare: MMC_HIGH_SHARE, serviceMs: MMC_SERVICE_MS, seed: 1 }, book);
    const floor = book.finish();
    expect(run.events).toBe(2 * requests);
    expect(floor.met[0] + floor.met[1]).toBe(requests);
    expect(floor.late).toEqual([0, 0]);
    expect(floor.execution.samples).toBe(requests);
    expect(floor.met[0] / requests).toBeCloseTo(MMC_HIGH_SHARE, 1);
  });
});

describe('the mix floor with bookkeeping', () => {
  const classes = [
    { weight: 1, stagesMs: [0.1, 1, 0.2], model: 0, batch: 1, high: true, relativeDeadlineMs: 3 },
    { weight: 3, stagesMs: [0.2, 2, 0.5, 0.1], model: 1, batch: 4, high: false, relativeDeadlineMs: 30 },
  ];

  it('records every request, its predictions exact at solo speed but for rounding', () => {
    const requests = 5_000;
    const book = new FloorBookkeeping(requests);
    const run = floorMixWithBookkeeping({ requests, gpus: 2, slotsPerGpu: 2, rate: 1.2, classes, seed: 1 }, book);
    const floor = book.finish();
    expect(run.events).toBeGreaterThan(4 * requests); // an arrival and at least three stages each
    expect(floor.met[0] + floor.met[1] + floor.late[0] + floor.late[1]).toBe(requests);
    expect(floor.late[0] + floor.late[1]).toBeGreaterThan(0); // the queue makes some miss a deadline
    // Exact but for the rounding of times (a stage ends at start + duration, read back as a difference).
    expect(floor.execution.samples).toBe(requests);
    expect(floor.execution.mape).toBeLessThan(1e-9);
    expect(floor.transfer.samples).toBe(requests);
    expect(floor.transfer.mape).toBeLessThan(1e-9);
  });
});

describe('bench:floor --bookkeeping true', () => {
  it('runs both sides and ends on the ratio line (a run, not a timing test)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench-floor.ts', '--requests', '3000', '--pairs', '2', '--bookkeeping', 'true'], { cwd: root, encoding: 'utf8', timeout: HUNG_CHILD_MS });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('model mmc: 3,000 requests, 8 GPUs, 2 alternated pairs, the floor keeping records and summary');
    expect(lines.filter((line) => /^pair \d: floor [\d,]+ events\/s \(2\.00 per request\), strait [\d,]+ events\/s \(2\.00 per request\), ratio \d+\.\d{3}$/.test(line))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^strait\/floor ratio \d+\.\d{3} \(min \d+\.\d{3}, max \d+\.\d{3}\)$/);
  }, CHILD_LIMIT_MS);
});
