/**
 * `strait sweep` and `strait sweep merge`: grid expansion and sharding (pure), then end
 * to end through the CLI on a tiny scenario: 1 vs 2 workers give the same bytes, shards
 * merged equal the unsharded sweep row for row and file for file, a restarted sweep
 * skips the points already complete, and bad input is one line and a non-zero exit.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import { applyOverrides, runScenario } from '../scenarios/run-scenario.ts';
import {
  INDEX_COLUMNS,
  formatSweepIndex,
  parseSweepIndex,
  readSweepIndex,
  type SweepIndexRow,
} from '../scenarios/sweeps/sweep-index.ts';
import { readSweepManifest } from '../scenarios/sweeps/sweep-manifest.ts';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { scenarioToJson } from '../scenarios/serialize-scenario.ts';
import {
  expandGrid,
  parseLoads,
  parseNames,
  parseSeeds,
  parseShard,
  runName,
  shardPoints,
  type SweepGrid,
} from '../scenarios/sweeps/sweep-grid.ts';
import { summaryDocument } from '../scenarios/run-documents.ts';
import { sweepCommand } from '../scripts/cli/sweep-command.ts';
import { sweepMergeCommand } from '../scripts/cli/sweep-merge-command.ts';
import { workerExecArgv } from '../scripts/cli/sweep-pool.ts';
import { expectSuccess, lines, strait, smallScenarioJson, type CliResult } from './strait-cli.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

/** The CLI calls run as child processes: a limit for a hang, sized for a busy machine. */
const TIMEOUT = CHILD_LIMIT_MS;

describe('sweep grid', () => {
  it('expands a:b:step inclusively without float noise', () => {
    expect(parseLoads('0.5:1.2:0.1')).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2]);
    expect(parseLoads('0.1:0.3:0.1')).toEqual([0.1, 0.2, 0.3]);
    expect(parseLoads('0.7:0.7:0.05')).toEqual([0.7]);
    expect(parseLoads('0.5:1:0.3')).toEqual([0.5, 0.8]);
    expect(parseLoads('1.1, 0.5,0.95')).toEqual([0.5, 0.95, 1.1]);
    expect(parseLoads('.5')).toEqual([0.5]);
  });

  it('keeps names in the order given (for legends) and sorts loads and seeds', () => {
    expect(parseNames('--policies', 'strait, fifo,edf', ['fifo', 'edf', 'strait'])).toEqual(['strait', 'fifo', 'edf']);
  });

  it('reads seeds as a count from the base seed, a range or a list', () => {
    expect(parseSeeds('3', 7)).toEqual([7, 8, 9]);
    expect(parseSeeds('2:4', 7)).toEqual([2, 3, 4]);
    expect(parseSeeds('9,1,5', 7)).toEqual([1, 5, 9]);
    expect(parseSeeds('4,', 7)).toEqual([4]);
  });

  it('rejects bad ranges, lists and names with a message naming the flag', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => parseLoads('1.2:0.5:0.1'), /^--loads: the range "1\.2:0\.5:0\.1" is empty/],
      [() => parseLoads('0.5:1.2'), /^--loads: expected a range a:b:step/],
      [() => parseLoads('0.5:1.2:0'), /^--loads: the step must be > 0/],
      [() => parseLoads('0.5:1.2:-0.1'), /^--loads: the step must be > 0, got -0\.1 in "0\.5:1\.2:-0\.1"$/],
      [() => parseLoads('-0.5:1.2:0.1'), /^--loads: loads must be > 0, got a start of -0\.5/],
      [() => parseLoads('0.5,-1'), /^--loads: loads must be > 0, got -1 in "0\.5,-1"$/],
      [() => parseLoads('0.5:x:0.1'), /^--loads: the end must be a number, got "x"/],
      [() => parseLoads('0,1'), /^--loads: loads must be > 0/],
      [() => parseLoads('0.5,0.50'), /^--loads: 0\.5 is given twice/],
      [() => parseLoads(''), /^--loads: expected a range/],
      [() => parseLoads('0.1:1000:0.00001'), /^--loads: the range "0\.1:1000:0\.00001" has \d+ values; at most 10000$/],
      [() => parseSeeds('0', 1), /^--seeds: expected at least 1 seed/],
      [() => parseSeeds('5:2', 1), /^--seeds: the range "5:2" is empty/],
      [() => parseSeeds('1,x', 1), /^--seeds: expected non-negative integer seeds, got "x"/],
      [() => parseSeeds('-1', 1), /^--seeds: expected a count/],
      [() => parseNames('--policies', 'fifo,lifo', ['fifo', 'edf']), /^--policies: expected names from fifo, edf, got "lifo"/],
      [() => parseNames('--policies', ' , ', ['fifo']), /^--policies: expected a comma-separated list/],
      [() => parseNames('--policies', 'fifo,fifo', ['fifo']), /^--policies: "fifo" is given twice/],
      [() => parseShard('2/2'), /^--shard: expected 0 <= i < n/],
      [() => parseShard('1'), /^--shard: expected i\/n/],
      [() => parseShard('0/0'), /^--shard: expected at least 1 slice/],
    ];
    for (const [call, message] of bad) {
      expect(call).toThrow(InputError);
      expect(call).toThrow(message);
    }
  });

  const grid: SweepGrid = { scenario: 's', policies: ['strait', 'edf', 'fifo'], predictors: ['solo'], loads: [0.5, 1], seeds: [1, 2, 3] };

  it('expands the grid in (policy, predictor, load, seed) order, whatever the order of the lists, one run name per point', () => {
    const points = expandGrid(grid);
    expect(points).toHaveLength(18);
    expect(points[0]).toEqual({ policy: 'edf', predictor: 'solo', load: 0.5, seed: 1, run: 'edf__solo__load0.5__seed1' });
    expect(points[17].run).toBe('strait__solo__load1__seed3');
    expect(new Set(points.map((p) => p.run)).size).toBe(18);
    expect(points.map((p) => `${p.policy} ${p.load} ${p.seed}`).slice(0, 7)).toEqual([
      'edf 0.5 1', 'edf 0.5 2', 'edf 0.5 3', 'edf 1 1', 'edf 1 2', 'edf 1 3', 'fifo 0.5 1',
    ]);
    expect(runName({ policy: 'a', predictor: 'b', load: 1.25, seed: 0 })).toBe('a__b__load1.25__seed0');
    expect(expandGrid({ ...grid, policies: ['fifo', 'edf', 'strait'], seeds: [3, 1, 2] })).toEqual(points);
  });

  it('shards partition the grid round robin, for any number of shards', () => {
    const points = expandGrid(grid);
    for (let count = 1; count <= 20; count++) {
      const shards = Array.from({ length: count }, (_, index) => shardPoints(points, { index, count }));
      const all = shards.flat().map((p) => p.run);
      expect(new Set(all).size, `${count} shards`).toBe(points.length);
      expect(all.length).toBe(points.length);
      const sizes = shards.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(shardPoints(points, { index: 1, count: 4 }).map((p) => points.indexOf(p))).toEqual([1, 5, 9, 13, 17]);
  });

  it('worker processes collect garbage on their own thread only when they take every core', () => {
    expect(workerExecArgv(2, 2)).toEqual(['--single-threaded-gc']);
    expect(workerExecArgv(3, 2)).toEqual(['--single-threaded-gc']);
    expect(workerExecArgv(2, 16)).toEqual([]);
  });
});

describe('sweep index', () => {
  it('writes numbers at full precision, NaN as an empty cell, and reads them back', () => {
    const row = Object.fromEntries(INDEX_COLUMNS.map((c, i) => [c, i / 7])) as Record<string, unknown>;
    Object.assign(row, { policy: 'fifo', predictor: 'solo', load: 0.3, seed: 2, run: 'runs/fifo__solo__load0.3__seed2', high_mean_slowdown: NaN });
    const other = { ...row, policy: 'edf', run: 'runs/edf__solo__load0.3__seed2' };
    const text = formatSweepIndex([row, other] as unknown as SweepIndexRow[]);
    const [header, first] = text.split('\n');
    expect(header).toBe(INDEX_COLUMNS.join(','));
    expect(first.startsWith('edf,solo,0.3,2,runs/edf__solo__load0.3__seed2,0.7142857142857143,')).toBe(true);
    const back = parseSweepIndex(text, 'index.csv');
    expect(back.map((r) => r.policy)).toEqual(['edf', 'fifo']);
    expect(back[1]).toEqual(row);
    expect(formatSweepIndex(back)).toBe(text);
    expect(() => parseSweepIndex('policy,load\nfifo,1\n', 'x.csv')).toThrow(/^x\.csv: line 1: missing columns predictor, seed, run/);
  });
});

/** Two GPUs, two models, 200 requests: a run of a few milliseconds. */
const TINY = smallScenarioJson({ name: 'tiny', requests: 200 });

/** 2 policies x 3 loads x 2 seeds = 12 points. */
const GRID = ['--policies', 'strait,fifo', '--loads', '0.6:1.0:0.2', '--seeds', '2'];
const GRID_OPTIONS = { policies: 'strait,fifo', loads: '0.6:1.0:0.2', seeds: '2' };
const RUN_FILES = ['requests.arrow', 'scenario.json', 'summary.json', 'timing.json'];
const SAME_BYTES = ['requests.arrow', 'scenario.json', 'summary.json'];

/** Runs a command in this process with its stderr line kept out of the test output. */
async function quietly<T>(call: () => Promise<T>): Promise<T> {
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return await call();
  } finally {
    spy.mockRestore();
  }
}

let dir = '';
let scenarioFile = '';
const at = (...parts: string[]) => join(dir, ...parts);
const runs: Record<string, Promise<CliResult>> = {};
/** Before the restart: the index and a kept point's timing.json (rewritten only if rerun). */
let beforeResume: { index: Buffer; timing: Buffer } | undefined;

const DROPPED = ['fifo__solo__load0.8__seed4', 'strait__solo__load1__seed3'];
const KEPT = 'fifo__solo__load0.6__seed3';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strait-sweep-'));
  scenarioFile = at('tiny.json');
  writeFileSync(scenarioFile, JSON.stringify(TINY, null, 2));
  const sweep = (out: string, ...extra: string[]) => strait(['sweep', scenarioFile, ...GRID, '--out', at(out), ...extra]);
  runs.two = sweep('two', '--workers', '2');
  runs.one = sweep('one', '--workers', '1');
  // The shards run in this process (their flags are the sweep's, checked above), one
  // after another on this thread; the merge goes through the CLI.
  runs.merge = (async () => {
    for (const i of [0, 1, 2]) await quietly(() => sweepCommand(scenarioFile, { ...GRID_OPTIONS, out: at(`shard${i}`), shard: `${i}/3`, workers: 1 }));
    return strait(['sweep', 'merge', at('merged'), at('shard0'), at('shard1'), at('shard2')]);
  })();
  // The restart: a copy of a finished sweep that lost two points and its index, with a
  // temporary directory a killed run left behind (of a pid that no process has).
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
  runs.resume = runs.one.then((one) => {
    if (one.status !== 0) return one;
    cpSync(at('one'), at('resume'), { recursive: true });
    beforeResume = { index: readFileSync(at('one', 'index.csv')), timing: readFileSync(at('resume', 'runs', KEPT, 'timing.json')) };
    for (const run of DROPPED) rmSync(at('resume', 'runs', run), { recursive: true });
    rmSync(at('resume', 'index.csv'));
    mkdirSync(at('resume', 'runs', `${DROPPED[0]}.tmp-${deadPid}`));
    writeFileSync(at('resume', 'runs', `${DROPPED[0]}.tmp-${deadPid}`, 'summary.json'), '{}');
    return sweep('resume', '--workers', '1');
  });
  runs.unknownPolicy = strait(['sweep', scenarioFile, '--policies', 'fifo,lifo', '--out', at('bad-policy')]);
  runs.emptyRange = strait(['sweep', scenarioFile, '--loads', '1.2:0.5:0.1', '--out', at('bad-range')]);
}, TIMEOUT);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runDirs(sweep: string): string[] {
  return readdirSync(at(sweep, 'runs')).sort();
}

function expectSameSweep(a: string, b: string): void {
  expect(readFileSync(at(b, 'index.csv')).equals(readFileSync(at(a, 'index.csv'))), `${a} vs ${b}: index.csv`).toBe(true);
  expect(readFileSync(at(b, 'sweep.json')).equals(readFileSync(at(a, 'sweep.json'))), `${a} vs ${b}: sweep.json`).toBe(true);
  expect(runDirs(b)).toEqual(runDirs(a));
  for (const run of runDirs(a)) {
    expect(readdirSync(at(b, 'runs', run)).sort()).toEqual(RUN_FILES);
    for (const name of SAME_BYTES) {
      expect(readFileSync(at(b, 'runs', run, name)).equals(readFileSync(at(a, 'runs', run, name))), `${run}/${name}`).toBe(true);
    }
  }
}

describe('strait sweep', () => {
  it('writes sweep.json, one run directory per point and index.csv, and says so in one line', async () => {
    const run = await runs.two;
    expectSuccess(run);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^sweep tiny: 12 points, 12 run on 2 workers, 0 already complete, in [\d.]+ s \(\d+\.\d\d s of it with a worker idle at the end\); wrote .*two\/ \(sweep\.json, index\.csv, runs\/\)$/),
    ]);
    expect(readdirSync(at('two')).sort()).toEqual(['index.csv', 'runs', 'sweep.json']);
    const manifest = readSweepManifest(at('two'));
    expect(manifest).toEqual({
      scenario: 'tiny',
      policies: ['strait', 'fifo'],
      predictors: ['solo'],
      loads: [0.6, 0.8, 1],
      seeds: [3, 4],
      baseScenario: scenarioToJson(loadScenario(scenarioFile)),
    });
    const points = expandGrid(manifest);
    expect(runDirs('two')).toEqual(points.map((p) => p.run).sort());
    for (const point of points) expect(readdirSync(at('two', 'runs', point.run)).sort()).toEqual(RUN_FILES);

    const rows = readSweepIndex(at('two'));
    expect(rows.map((r) => r.run)).toEqual(points.map((p) => `runs/${p.run}`));
    for (const row of rows) {
      const summary = JSON.parse(readFileSync(at('two', row.run, 'summary.json'), 'utf8'));
      expect(row).toMatchObject({ policy: summary.policy, predictor: summary.predictor, load: summary.load, seed: summary.seed });
      expect(row.high_count).toBe(summary.classes.high.count);
      expect(row.high_violation_rate).toBe(summary.classes.high.violationRate);
      expect(row.low_p99_ms).toBe(summary.classes.low.latencyMs.p99);
      expect(row.fairness).toBe(summary.overall.fairness);
      expect(row.execution_mape).toBe(summary.predictorError.execution.mape);
      expect(row.events).toBe(summary.events);
      expect(row.high_count + row.low_count).toBe(200);
    }
  }, TIMEOUT);

  it("a point's run directory is the one `strait run` writes for it", async () => {
    expectSuccess(await runs.two);
    const base = loadScenario(scenarioFile);
    const point = { policy: 'strait', predictor: 'solo', load: 0.8, seed: 4 };
    const scenario = applyOverrides(base, point);
    const run = await runScenario(scenario);
    const files = at('two', 'runs', runName(point));
    expect(readFileSync(join(files, 'summary.json'), 'utf8')).toBe(JSON.stringify(summaryDocument(run), null, 2) + '\n');
    expect(readFileSync(join(files, 'scenario.json'), 'utf8')).toBe(JSON.stringify(scenarioToJson(scenario), null, 2) + '\n');
  }, TIMEOUT);

  it('gives the same bytes on 1 worker (in process) as on 2 worker processes', async () => {
    expectSuccess(await runs.two);
    expectSuccess(await runs.one);
    expectSameSweep('two', 'one');
  }, TIMEOUT);

  it('shards merged equal the unsharded sweep, row for row and file for file', async () => {
    expectSuccess(await runs.two);
    const merge = await runs.merge;
    expectSuccess(merge);
    expect(lines(merge.stderr)).toEqual([expect.stringMatching(/^merged 3 shard directories: 12 points; wrote .*merged\/ /)]);
    for (const i of [0, 1, 2]) {
      expect(readSweepManifest(at(`shard${i}`)).shard).toEqual({ index: i, count: 3 });
      expect(readSweepIndex(at(`shard${i}`))).toHaveLength(4);
    }
    expectSameSweep('two', 'merged');
    // The shards are left as they were (copied, not moved).
    expect(runDirs('shard1')).toHaveLength(4);
  }, TIMEOUT);

  it('merge refuses shards of another grid, a missing shard and a used output directory', async () => {
    expectSuccess(await runs.merge);
    await expect(sweepMergeCommand(at('m1'), [at('shard0'), at('shard1')], {})).rejects.toThrow(
      /^4 of 12 points are complete in none of the shard directories \(fifo__solo__load0\.8__seed3, fifo__solo__load1__seed4, strait__solo__load0\.8__seed3, \.\.\.\); run the missing shards/,
    );
    cpSync(at('shard2'), at('other'), { recursive: true });
    const manifest = JSON.parse(readFileSync(at('other', 'sweep.json'), 'utf8'));
    writeFileSync(at('other', 'sweep.json'), JSON.stringify({ ...manifest, seeds: [3, 4, 5] }));
    await expect(sweepMergeCommand(at('m2'), [at('shard0'), at('shard1'), at('other')], {})).rejects.toThrow(
      /other: not a shard of the same sweep as .*shard0: seeds \[3,4\] vs \[3,4,5\]$/,
    );
    await expect(sweepMergeCommand(at('merged'), [at('shard0'), at('shard1'), at('shard2')], {})).rejects.toThrow(
      /merged: exists and is not an empty directory/,
    );
    await expect(sweepMergeCommand(at('m3'), [at('shard0'), at('shard0')], {})).rejects.toThrow(/shard0: given twice$/);
    for (const out of ['m1', 'm2', 'm3']) expect(existsSync(at(out))).toBe(false);
  }, TIMEOUT);

  it('a restarted sweep runs only the points not complete, and ends with the same index', async () => {
    const run = await runs.resume;
    expectSuccess(run);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^strait: removed .*\/resume\/runs\/fifo__solo__load0\.8__seed4\.tmp-\d+, left by a run that did not finish$/),
      expect.stringMatching(/^sweep tiny: 12 points, 2 run on 1 worker, 10 already complete, /),
    ]);
    expect(readFileSync(at('resume', 'index.csv')).equals(beforeResume!.index)).toBe(true);
    // Its timing.json (wall time: different on every run) shows the kept point was not rerun.
    expect(readFileSync(at('resume', 'runs', KEPT, 'timing.json')).equals(beforeResume!.timing)).toBe(true);
    expect(runDirs('resume').filter((name) => name.includes('.tmp-'))).toEqual([]);
    expectSameSweep('one', 'resume');
  }, TIMEOUT);
});

describe('strait sweep with bad input', () => {
  it.each<[string, RegExp, string]>([
    ['unknownPolicy', /^strait: --policies: expected names from fifo, edf, priority, clockwork, preempt, strait, got "lifo"$/, 'bad-policy'],
    ['emptyRange', /^strait: --loads: the range "1\.2:0\.5:0\.1" is empty \(its end 0\.5 is below its start 1\.2\)$/, 'bad-range'],
  ])('%s: one line naming the flag, exit 2, nothing written', async (name, message, out) => {
    const run = await runs[name];
    expect(run.status).toBe(2);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(message)]);
    expect(run.stdout).toBe('');
    expect(existsSync(at(out))).toBe(false);
  }, TIMEOUT);

  it('refuses an unknown predictor, a bad shard, and an --out that is not a sweep directory of this scenario', async () => {
    expectSuccess(await runs.two);
    const call = (options: Record<string, unknown>) => sweepCommand(scenarioFile, { out: at('bad'), ...options });
    await expect(sweepCommand(scenarioFile, {})).rejects.toThrow(/^--out: expected the sweep directory to write$/);
    await expect(call({ predictors: 'oracle' })).rejects.toThrow(/^--predictors: expected names from solo, static, adaptive, got "oracle"$/);
    await expect(call({ shard: '3/3' })).rejects.toThrow(/^--shard: expected 0 <= i < n/);
    await expect(call({ loads: '0.5:x:0.1' })).rejects.toThrow(/^--loads: the end must be a number/);
    await expect(call({ seeds: '0' })).rejects.toThrow(/^--seeds: expected at least 1 seed/);
    mkdirSync(at('notes'));
    writeFileSync(at('notes', 'a.txt'), 'mine\n');
    await expect(call({ out: at('notes') })).rejects.toThrow(/notes: exists and is not a sweep directory \(no sweep\.json\); choose another --out$/);
    await expect(sweepCommand('default', { out: at('two'), policies: 'fifo' })).rejects.toThrow(
      /two: holds a sweep of another base scenario \("tiny", or the scenario changed since\); choose another --out$/,
    );
    expect(readdirSync(at('notes'))).toEqual(['a.txt']);
    expect(existsSync(at('bad'))).toBe(false);
  }, TIMEOUT);
});
