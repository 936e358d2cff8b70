import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import { STAGED_FLOAT_COLUMNS, STAGED_INT_COLUMNS } from '../sim/metrics/request-records.ts';
import { MMC_HIGH_SHARE, MMC_RHO, MMC_SERVICE_MS, mmcCluster, straitMmc } from '../scripts/bench-mmc.ts';
import { BLOCK, FloorBookkeeping } from '../scripts/floor-bookkeeping.ts';
import { floorMmc } from '../scripts/floor-loop.ts';
import { CHILD_LIMIT_MS, HUNG_CHILD_MS } from './time-limits.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

// bench:floor --bookkeeping true prices strait against a floor that keeps the same
// records and summary. That is fair only if the floor's bookkeeping computes what
// strait's does: fed strait's own rows, it must give strait's summary figures exactly.
describe('the floor bookkeeping', () => {
  it("gives strait's summary figures for strait's own rows (M/M/8, past one batch of 65,536 rows)", () => {
    const requests = 70_000;
    const recorder = new RunRecorder(mmcCluster(8), { expectedRequests: requests });
    const run = straitMmc({ requests, gpus: 8, seed: 3, sink: recorder });
    const summary = recorder.summarize(run.result);
    const records = recorder.records;
    const ints = STAGED_INT_COLUMNS.map((name) => records[name].view());
    const floats = STAGED_FLOAT_COLUMNS.map((name) => records[name].view());
    const book = new FloorBookkeeping(requests);
    for (let i = 0; i < records.length; i++) {
      for (let c = 0; c < ints.length; c++) book.ints[c * BLOCK + book.row] = ints[c][i];
      for (let c = 0; c < floats.length; c++) book.floats[c * BLOCK + book.row] = floats[c][i];
      book.commit();
    }
    const floor = book.finish();
    const { high, low } = summary.classes;
    expect(records.length).toBe(requests);
    expect(floor.met).toEqual([high.met, low.met]);
    expect(floor.late).toEqual([high.late, low.late]);
    expect(floor.meanSlowdown).toEqual([high.meanSlowdown, low.meanSlowdown]);
    expect(floor.execution).toEqual(summary.predictorError.execution);
    expect(floor.execution.samples).toBe(requests);
    expect(floor.transfer).toEqual(summary.predictorError.transfer);
    expect(floor.executionOverTime).toEqual(Object.values(summary.predictors)[0].executionOverTime.map((w) => w.mape));
  });

  it('records every request of the M/M/c floor', () => {
    const requests = 5_000;
    const book = new FloorBookkeeping(requests);
    const run = floorMmc({ requests, servers: 8, rho: MMC_RHO, highShare: MMC_HIGH_SHARE, serviceMs: MMC_SERVICE_MS, seed: 1, bookkeeping: book });
    const floor = book.finish();
    expect(run.events).toBe(2 * requests);
    expect(floor.met[0] + floor.met[1]).toBe(requests);
    expect(floor.late).toEqual([0, 0]);
    expect(floor.execution.samples).toBe(requests);
    expect(floor.met[0] / requests).toBeCloseTo(MMC_HIGH_SHARE, 1);
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
