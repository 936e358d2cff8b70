import { describe, expect, it } from 'vitest';
import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import type { RequestRecords } from '../sim/metrics/request-records.ts';
import type { Summary } from '../sim/metrics/summary.ts';
import type { SimulationResult } from '../sim/simulator.ts';
import { runScenario } from '../scenarios/run-scenario.ts';
import { benchScenario } from '../scripts/bench-scenario.ts';
import { STAGED_FLOAT_COLUMNS, STAGED_INT_COLUMNS } from '../sim/metrics/request-records.ts';
import { MMC_HIGH_SHARE, MMC_RHO, MMC_SERVICE_MS, mmcCluster, straitMmc } from '../scripts/bench-mmc.ts';
import { FloorBookkeeping } from '../scripts/floor-bookkeeping.ts';
import { floorMixWithBookkeeping, floorMmcWithBookkeeping } from '../scripts/floor-loop-with-bookkeeping.ts';
import { runBenchScript } from './bench-script.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

// bench:floor --bookkeeping true prices strait against a floor that keeps the same
// records and summary. Its summary is strait's own SummaryAccumulator; what is the
// floor's own is the staging: rows written straight into a block in strait's layout,
// handed over a block at a time. Fed strait's own rows that way, it must give strait's
// summary exactly, whatever the block boundaries.
/** What FloorBookkeeping makes of a run's records, fed row by row as the floor writes them. */
function floorSummaryOf(records: RequestRecords, result: SimulationResult): Summary {
  const ints = STAGED_INT_COLUMNS.map((name) => records[name].view());
  const floats = STAGED_FLOAT_COLUMNS.map((name) => records[name].view());
  const book = new FloorBookkeeping(records.length);
  for (let i = 0; i < records.length; i++) {
    const row = book.row();
    const rows = book.rows;
    for (let c = 0; c < ints.length; c++) rows.intViews[c][row] = ints[c][i];
    for (let c = 0; c < floats.length; c++) rows.floatViews[c][row] = floats[c][i];
  }
  return book.finish(result);
}

/** A summary with its predictors by position: the floor's is named `predictor`, a run's by the scenario. */
const unnamed = (summary: Summary) => ({ ...summary, predictors: Object.values(summary.predictors) });

describe('the floor bookkeeping', () => {
  it("gives strait's summary for strait's own rows (M/M/8, past one batch of 65,536 rows)", () => {
    const requests = 70_000;
    const recorder = new RunRecorder(mmcCluster(8), { expectedRequests: requests });
    const run = straitMmc({ requests, gpus: 8, seed: 3, sink: recorder });
    const summary = recorder.summarize(run.result);
    expect(recorder.records.length).toBe(requests);
    const floor = floorSummaryOf(recorder.records, run.result);
    expect(unnamed(floor)).toEqual(unnamed(summary));
    expect(floor.predictorError.execution.samples).toBe(requests);
  });

  it("gives strait's summary for the bench mix's rows: transfers, late and dropped requests, several models", async () => {
    const run = await runScenario(benchScenario({ requests: 6000, gpus: 8, policy: 'strait', load: 1.2 }));
    const { high, low } = run.summary.classes;
    expect(low.late).toBeGreaterThan(0);
    expect(high.dropped + low.dropped).toBeGreaterThan(0);
    expect(run.summary.predictorError.transfer.samples).toBeGreaterThan(0);
    expect(unnamed(floorSummaryOf(run.records, run.result))).toEqual(unnamed(run.summary));
  });

  it('records every request of the M/M/c floor', () => {
    const requests = 5_000;
    const book = new FloorBookkeeping(requests);
    const run = floorMmcWithBookkeeping({ requests, servers: 8, rho: MMC_RHO, highShare: MMC_HIGH_SHARE, serviceMs: MMC_SERVICE_MS, seed: 1 }, book);
    const { classes, predictorError } = book.finish(resultOf(run.events, requests));
    expect(run.events).toBe(2 * requests);
    expect(classes.high.met + classes.low.met).toBe(requests);
    expect([classes.high.late, classes.low.late]).toEqual([0, 0]);
    expect(predictorError.execution.samples).toBe(requests);
    expect(classes.high.met / requests).toBeCloseTo(MMC_HIGH_SHARE, 1);
  });
});

/** A floor run's result as the summary needs it (no GPUs counted; the horizon enters goodput only). */
function resultOf(events: number, requests: number): SimulationResult {
  return { simulatedMs: 1, events, requests, gpus: [] };
}

describe('the mix floor with bookkeeping', () => {
  const mixClasses = [
    { weight: 1, stagesMs: [0.1, 1, 0.2], model: 0, batch: 1, high: true, relativeDeadlineMs: 3 },
    { weight: 3, stagesMs: [0.2, 2, 0.5, 0.1], model: 1, batch: 4, high: false, relativeDeadlineMs: 30 },
  ];

  it('records every request, its predictions exact at solo speed but for rounding', () => {
    const requests = 5_000;
    const book = new FloorBookkeeping(requests);
    const run = floorMixWithBookkeeping({ requests, gpus: 2, slotsPerGpu: 2, rate: 1.2, classes: mixClasses, seed: 1 }, book);
    const { classes, predictorError } = book.finish(resultOf(run.events, requests));
    expect(run.events).toBeGreaterThan(4 * requests); // an arrival and at least three stages each
    expect(classes.high.met + classes.low.met + classes.high.late + classes.low.late).toBe(requests);
    expect(classes.high.late + classes.low.late).toBeGreaterThan(0); // the queue makes some miss a deadline
    // Exact but for the rounding of times (a stage ends at start + duration, read back as a difference).
    expect(predictorError.execution.samples).toBe(requests);
    expect(predictorError.execution.mape).toBeLessThan(1e-9);
    expect(predictorError.transfer.samples).toBe(requests);
    expect(predictorError.transfer.mape).toBeLessThan(1e-9);
  });
});

describe('bench:floor --bookkeeping true', () => {
  it('runs both sides and ends on the ratio line (a run, not a timing test)', () => {
    const run = runBenchScript('bench-floor.ts', ['--requests', '3000', '--pairs', '2', '--bookkeeping', 'true']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('model mmc: 3,000 requests, 8 GPUs, 2 alternated pairs, the floor keeping records and summary');
    expect(lines.filter((line) => /^pair \d: floor [\d,]+ events\/s \(2\.00 per request\), strait [\d,]+ events\/s \(2\.00 per request\), ratio \d+\.\d{3}$/.test(line))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^strait\/floor ratio \d+\.\d{3} \(min \d+\.\d{3}, max \d+\.\d{3}\)$/);
  }, CHILD_LIMIT_MS);
});
