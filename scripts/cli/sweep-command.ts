import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../../sim/core/errors.ts';
import { OutputLock } from '../../sim/core/output-lock.ts';
import { makeDirectories, writingTo } from '../../sim/core/output-errors.ts';
import { removeStaleTemporaries } from '../../sim/core/stale-temporaries.ts';
import { INDEX_FILE, readIndexRow, writeSweepIndex } from '../../scenarios/sweeps/sweep-index.ts';
import { MANIFEST_FILE, RUNS_DIR, readSweepManifest, writeSweepManifest, type SweepManifest } from '../../scenarios/sweeps/sweep-manifest.ts';
import { SUMMARY_FILE } from '../../sim/output/run-directory.ts';
import { POLICIES } from '../../sim/policy/registry.ts';
import { PREDICTORS } from '../../sim/predictor/registry.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';
import { requireNominalLoad } from '../../scenarios/load-basis.ts';
import { scenarioToJson } from '../../scenarios/serialize-scenario.ts';
import {
  expandGrid,
  parseLoads,
  parseNames,
  parseSeeds,
  parseShard,
  shardPoints,
  type SweepGrid,
  type SweepPoint,
} from '../../scenarios/sweeps/sweep-grid.ts';
import { runPointsInWorkers } from './sweep-pool.ts';

export interface SweepOptions {
  readonly policies?: string;
  readonly predictors?: string;
  readonly loads?: string;
  readonly seeds?: string;
  readonly out?: string;
  readonly workers?: number;
  readonly shard?: string;
}

/** Seeds per point when --seeds is not given (as `strait compare`). */
export const DEFAULT_SEED_COUNT = 5;

/** 12.3 s, 4m 05s, 1h 02m */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/** Whether dir/runs/<run> is a finished run directory (atomic commits make this safe to trust). */
export function isComplete(runsDir: string, point: SweepPoint): boolean {
  return existsSync(join(runsDir, point.run, SUMMARY_FILE));
}

/**
 * Makes `out` ready for the sweep: a new or empty directory, or a sweep directory of the
 * same base scenario (a restart, or a grid extended by more loads, seeds, ...: the points
 * already complete are kept). Writes sweep.json, removes index.csv (rewritten at the
 * end) and run directories left half-written by a sweep that was killed.
 */
function prepareSweepDirectory(out: string, manifest: SweepManifest): void {
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new InputError(`${out}: exists and is not a directory; choose another --out`);
    const entries = readdirSync(out);
    if (entries.length > 0) {
      if (!entries.includes(MANIFEST_FILE)) {
        throw new InputError(`${out}: exists and is not a sweep directory (no ${MANIFEST_FILE}); choose another --out`);
      }
      const existing = readSweepManifest(out);
      if (existing.scenario !== manifest.scenario || JSON.stringify(existing.baseScenario) !== JSON.stringify(manifest.baseScenario)) {
        throw new InputError(
          `${out}: holds a sweep of another base scenario ("${existing.scenario}", or the scenario changed since); choose another --out`,
        );
      }
    }
  }
  const runsDir = join(out, RUNS_DIR);
  writingTo(out, () => {
    makeDirectories(runsDir);
    writeSweepManifest(out, manifest);
    rmSync(join(out, INDEX_FILE), { force: true });
  });
  removeStaleTemporaries(runsDir);
}

/** Progress on stderr, only when it is a terminal: points done, elapsed, estimated time left. */
function progressLine(total: number, skipped: number): { update: (done: number) => void; clear: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, clear: () => {} };
  const started = Date.now();
  const update = (done: number) => {
    const elapsed = Date.now() - started;
    const left = done > 0 ? ` about ${formatDuration((elapsed / done) * (total - skipped - done))} left` : '';
    const already = skipped > 0 ? ` (${skipped} already complete)` : '';
    process.stderr.write(`\r\x1b[K${skipped + done}/${total} points${already}, ${formatDuration(elapsed)} elapsed,${left || ' estimating'}`);
  };
  let done = 0;
  const show = () => update(done);
  show();
  // Runs take seconds each: keep the elapsed time moving between completions.
  const ticker = setInterval(show, 1000);
  ticker.unref();
  return {
    update: (n) => {
      done = n;
      show();
    },
    clear: () => {
      clearInterval(ticker);
      process.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * `strait sweep`: the base scenario at every (policy, predictor, load, seed) of the grid
 * (or of one shard of it), in parallel on worker processes; one run directory per point
 * under OUT/runs, the grid in OUT/sweep.json, every point's summary in OUT/index.csv.
 */
export async function sweepCommand(scenarioArg: string | undefined, options: SweepOptions): Promise<void> {
  if (options.out === undefined || options.out === '') throw new InputError('--out: expected the sweep directory to write');
  // Flags first, so a typo is reported before the scenario is even read.
  const policies = parseNames('--policies', options.policies ?? [...POLICIES.keys()].join(','), POLICIES.keys());
  if (options.predictors !== undefined) parseNames('--predictors', options.predictors, PREDICTORS.keys());
  const loads = options.loads !== undefined ? parseLoads(options.loads) : undefined;
  if (options.seeds !== undefined) parseSeeds(options.seeds, 0);
  const shard = options.shard !== undefined ? parseShard(options.shard) : undefined;

  const base = loadScenario(scenarioArg);
  requireNominalLoad(base, 'strait sweep');
  const grid: SweepGrid = {
    scenario: base.name,
    policies,
    predictors: parseNames('--predictors', options.predictors ?? base.predictor, PREDICTORS.keys()),
    loads: loads ?? [base.load],
    seeds: parseSeeds(options.seeds ?? String(DEFAULT_SEED_COUNT), base.seed),
  };
  const manifest: SweepManifest = { ...grid, ...(shard !== undefined ? { shard } : {}), baseScenario: scenarioToJson(base) };
  const out = options.out;
  writingTo(out, () => makeDirectories(dirname(resolve(out))));
  // One sweep at a time per directory: a second (or a restart) is refused while it runs.
  const lock = OutputLock.take(out);
  try {
    prepareSweepDirectory(out, manifest);
    const runsDir = join(resolve(out), RUNS_DIR);

    const all = expandGrid(grid);
    const mine = shardPoints(all, shard);
    const todo = mine.filter((point) => !isComplete(runsDir, point));
    const skipped = mine.length - todo.length;
    const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), todo.length));

    const started = Date.now();
    const progress = progressLine(mine.length, skipped);
    let done = 0;
    let idleTailMs = 0;
    try {
      ({ idleTailMs } = await runPointsInWorkers(todo, {
        workers,
        sweepDir: out,
        runsDir,
        scenarioName: base.name,
        baseScenario: manifest.baseScenario,
        onDone: () => progress.update(++done),
      }));
    } finally {
      progress.clear();
    }
    writeSweepIndex(out, mine.map((point) => readIndexRow(out, point.run)));

    const slice = shard !== undefined ? `shard ${shard.index}/${shard.count} (${mine.length} of ${all.length} points)` : `${mine.length} points`;
    const ran = todo.length > 0 ? `${todo.length} run on ${workers} worker${workers > 1 ? 's' : ''}` : 'none run';
    // How evenly the points were spread: the time between the first worker running out of points and the last.
    const tail = workers > 1 ? ` (${(idleTailMs / 1000).toFixed(2)} s of it with a worker idle at the end)` : '';
    process.stderr.write(
      `sweep ${base.name}: ${slice}, ${ran}, ${skipped} already complete, in ${formatDuration(Date.now() - started)}${tail}; ` +
        `wrote ${out}/ (${MANIFEST_FILE}, ${INDEX_FILE}, ${RUNS_DIR}/)\n`,
    );
  } finally {
    lock.release();
  }
}
