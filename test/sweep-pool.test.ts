/**
 * The sweep's worker pool, called directly: the sweep's own process is one of the
 * workers (N workers start N - 1 child processes), and every point is run and reported
 * exactly once, wherever it ran.
 */
import * as childProcess from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { scenarioToJson } from '../scenarios/serialize-scenario.ts';
import { expandGrid, type SweepPoint } from '../scenarios/sweeps/sweep-grid.ts';
import { runPointsInWorkers } from '../scripts/cli/sweep-pool.ts';
import { smallScenarioJson } from './strait-cli.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

vi.mock('node:child_process', async (original) => {
  const actual = await original<typeof childProcess>();
  return { ...actual, fork: vi.fn(actual.fork) };
});

const dir = mkdtempSync(join(tmpdir(), 'strait-sweep-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sweep worker pool', () => {
  it('runs points in its own process too: 3 workers start 2 child processes, and each point is done once', async () => {
    const file = join(dir, 'pool.json');
    writeFileSync(file, JSON.stringify(smallScenarioJson({ name: 'pool', requests: 300 })));
    const base = loadScenario(file);
    const points = expandGrid({ scenario: 'pool', policies: ['fifo', 'edf'], predictors: ['solo'], loads: [0.6, 0.9], seeds: [1, 2, 3] });
    const runsDir = join(dir, 'runs');
    mkdirSync(runsDir);
    const done: SweepPoint[] = [];
    const outcome = await runPointsInWorkers(points, {
      workers: 3,
      sweepDir: dir,
      runsDir,
      scenarioName: base.name,
      baseScenario: scenarioToJson(base),
      onDone: (point) => done.push(point),
    });
    expect(vi.mocked(childProcess.fork)).toHaveBeenCalledTimes(2);
    expect(done.map((p) => p.run).sort()).toEqual(points.map((p) => p.run).sort());
    for (const point of points) expect(existsSync(join(runsDir, point.run, 'summary.json')), point.run).toBe(true);
    expect(outcome.idleTailMs).toBeGreaterThanOrEqual(0);
  }, CHILD_LIMIT_MS);
});
