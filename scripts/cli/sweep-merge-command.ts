import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../../sim/core/errors.ts';
import { OutputLock } from '../../sim/core/output-lock.ts';
import { makeDirectories, writingTo } from '../../sim/core/output-errors.ts';
import { removeStaleTemporariesOf, temporaryPathOf } from '../../sim/core/stale-temporaries.ts';
import { trackTemporary, untrackTemporary } from '../../sim/core/temporary-paths.ts';
import { INDEX_FILE, readIndexRow, writeSweepIndex } from '../../scenarios/sweeps/sweep-index.ts';
import { MANIFEST_FILE, RUNS_DIR, gridDifference, readSweepManifest, writeSweepManifest, type SweepManifest } from '../../scenarios/sweeps/sweep-manifest.ts';
import { expandGrid } from '../../scenarios/sweeps/sweep-grid.ts';
import { isComplete } from './sweep-command.ts';

export interface SweepMergeOptions {
  /** Rename the run directories out of the shards instead of copying them (same file system). */
  readonly move?: boolean;
}

/** Checks that every input is a sweep directory of one grid; returns the manifests. */
function readShards(dirs: readonly string[]): SweepManifest[] {
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    const key = resolve(dir);
    if (seen.has(key)) throw new InputError(`${dir}: given twice`);
    seen.set(key, dir);
  }
  const manifests = dirs.map((dir) => readSweepManifest(dir));
  const first = manifests[0];
  const shardOf = new Map<number, string>();
  manifests.forEach((manifest, i) => {
    const difference = gridDifference(first, manifest);
    if (difference !== undefined) {
      throw new InputError(`${dirs[i]}: not a shard of the same sweep as ${dirs[0]}: ${difference}`);
    }
    const shard = manifest.shard;
    if (shard === undefined) return;
    const split = manifests.find((m) => m.shard !== undefined)!.shard!;
    if (shard.count !== split.count) {
      throw new InputError(`${dirs[i]}: shard ${shard.index}/${shard.count} is of another split than the others (of ${split.count})`);
    }
    const other = shardOf.get(shard.index);
    if (other !== undefined) throw new InputError(`${dirs[i]}: holds shard ${shard.index}/${shard.count}, as does ${other}`);
    shardOf.set(shard.index, dirs[i]);
  });
  return manifests;
}

const MOVING = '.moving-';

/** A --move merge into `out` that did not finish left run directories beside it, in OUT.moving-PID (the lock on `out` rules out one running). */
function refuseUnfinishedMove(out: string): void {
  const target = resolve(out);
  const prefix = `${basename(target)}${MOVING}`;
  const left = readdirSync(dirname(target)).find((name) => name.startsWith(prefix));
  if (left === undefined) return;
  throw new InputError(
    `${join(dirname(out), left)}: left by a \`sweep merge --move\` that did not finish; it holds run directories moved out of the shards: ` +
      'move them back under their shard\'s runs/ (or remove it if the shards still hold them), then merge again',
  );
}

/**
 * `strait sweep merge OUT SHARD_DIR...`: joins the directories of a sharded sweep (all
 * of one grid) into one sweep directory, as if the sweep had run unsharded: every
 * point's run directory copied (or moved) under OUT/runs, sweep.json without the
 * shard, index.csv over every point. Every point of the grid must be complete in some
 * input; OUT must not exist or be empty, and is written atomically.
 */
export async function sweepMergeCommand(out: string, dirs: readonly string[], options: SweepMergeOptions): Promise<void> {
  const manifests = readShards(dirs);
  const { shard: _shard, ...grid } = manifests[0];
  const points = expandGrid(grid);
  const sources = points.map((point) => dirs.find((dir) => isComplete(join(dir, RUNS_DIR), point)));
  const missing = points.filter((_, i) => sources[i] === undefined);
  if (missing.length > 0) {
    const shown = missing.slice(0, 3).map((p) => p.run).join(', ');
    throw new InputError(
      `${missing.length} of ${points.length} points are complete in none of the shard directories (${shown}${missing.length > 3 ? ', ...' : ''}); ` +
        'run the missing shards (a restarted sweep skips the points already complete), then merge again',
    );
  }
  writingTo(out, () => makeDirectories(dirname(resolve(out))));
  const lock = OutputLock.take(out);
  // A --move merge's temporary holds the only copy of what it moved: named apart, so
  // it is never removed as a stale temporary.
  const temporary = options.move ? `${resolve(out)}${MOVING}${process.pid}` : temporaryPathOf(resolve(out));
  try {
    if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0)) {
      throw new InputError(`${out}: exists and is not an empty directory; choose another output directory`);
    }
    refuseUnfinishedMove(out);
    removeStaleTemporariesOf(out);
    rmSync(temporary, { recursive: true, force: true });
    // With --move an interrupt must not delete the run directories already moved in.
    if (!options.move) trackTemporary(temporary);
    writingTo(out, () => {
      const runsDir = join(temporary, RUNS_DIR);
      mkdirSync(runsDir, { recursive: true });
      points.forEach((point, i) => {
        const from = join(sources[i]!, RUNS_DIR, point.run);
        if (options.move) renameSync(from, join(runsDir, point.run));
        else cpSync(from, join(runsDir, point.run), { recursive: true });
      });
      writeSweepManifest(temporary, grid);
      writeSweepIndex(temporary, points.map((point) => readIndexRow(temporary, point.run)));
      if (existsSync(out)) rmdirSync(out);
      renameSync(temporary, out);
    });
  } catch (error) {
    if (!options.move) rmSync(temporary, { recursive: true, force: true });
    throw error;
  } finally {
    untrackTemporary(temporary);
    lock.release();
  }
  process.stderr.write(
    `merged ${dirs.length} shard director${dirs.length > 1 ? 'ies' : 'y'}: ${points.length} points; wrote ${out}/ (${MANIFEST_FILE}, ${INDEX_FILE}, ${RUNS_DIR}/)\n`,
  );
}
