/**
 * The replay-record checks that stand in for timing assertions (test/replay-integrity.ts):
 * quiet on recorded replays, and each one catches its kind of damage.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readReplayContents, replayProblems, type ReplayContents, type ReplayRow } from './replay-integrity.ts';

const recorded = readReplayContents(fileURLToPath(new URL('./fixtures/replay/seed1-40', import.meta.url)));

/** The recording with some rows changed (or left out, where `change` returns undefined). */
function damaged(change: (row: ReplayRow, rows: readonly ReplayRow[]) => ReplayRow | undefined): ReplayContents {
  return { ...recorded, rows: recorded.rows.flatMap((row) => change(row, recorded.rows) ?? []) };
}

/** A served request that co-ran with a lower-numbered one, and that one. */
const pair = (() => {
  const row = recorded.rows.find((r) => r.coRunners.some((c) => c.id < r.id))!;
  return { row, other: recorded.rows.find((r) => r.id === row.coRunners.find((c) => c.id < row.id)!.id)! };
})();

describe('replay integrity', () => {
  it('finds nothing wrong with the recorded replays', () => {
    for (const name of ['seed1-40', 'seed2-40', 'seed5-200']) {
      expect(replayProblems(readReplayContents(fileURLToPath(new URL(`./fixtures/replay/${name}`, import.meta.url)))), name).toEqual([]);
    }
    expect(pair.row).toBeDefined();
  });

  it('a request missing, or counted under another outcome', () => {
    const last = recorded.rows.at(-1)!.id;
    expect(replayProblems(damaged((r) => (r.id === last ? undefined : r)))).toEqual(
      expect.arrayContaining(['requests.arrow: 39 records, replay.json says 40 requests', 'summary.json: 40 requests, requests.arrow has 39']),
    );
    const met = recorded.rows.find((r) => r.outcome === 'met')!;
    expect(replayProblems(damaged((r) => (r === met ? { ...r, outcome: 'dropped' } : r)))).toEqual(
      expect.arrayContaining([`request ${met.id}: dropped but with a worker, an execution or co-runners`]),
    );
  });

  it('stages out of order, and a latency that is not completion minus arrival', () => {
    const { row } = pair;
    const problems = replayProblems(damaged((r) => (r === row ? { ...r, transferOutStart: r.executionEnd - 1, latency: r.latency + 1 } : r)));
    expect(problems).toContain(`request ${row.id}: transferOutStart ${row.executionEnd - 1} before executionEnd ${row.executionEnd}`);
    expect(problems).toContain(`request ${row.id}: latency ${row.latency + 1} is not completed - arrival`);
  });

  it('two requests executing at once on one worker', () => {
    const { row, other } = pair;
    const problems = replayProblems(damaged((r) => (r === row ? { ...r, worker: other.worker } : r)));
    expect(problems.some((p) => p.startsWith(`worker ${other.worker}: request`) && p.includes('started executing before'))).toBe(true);
  });

  it('a co-runner missing on one side, or with the wrong overlap', () => {
    const { row, other } = pair;
    expect(replayProblems(damaged((r) => (r === row ? { ...r, coRunners: r.coRunners.filter((c) => c.id !== other.id) } : r)))).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^request ${row.id}: co-runners \\[.*\\], its execution overlapped \\[.*${other.id}`)), `request ${other.id}: co-runner ${row.id} does not list it back with the same overlap`]),
    );
    const wrong = replayProblems(damaged((r) => (r === row ? { ...r, coRunners: r.coRunners.map((c) => (c.id === other.id ? { ...c, overlapMs: c.overlapMs + 0.5 } : c)) } : r)));
    expect(wrong).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^request ${row.id}: overlap with ${other.id} given as`))]));
  });

  it('time at each concurrency that does not add up, and more co-runners at once than the device has workers', () => {
    const { row } = pair;
    const problems = replayProblems(damaged((r) => (r === row ? { ...r, timeAtConcurrency: [...r.timeAtConcurrency, 1], maxCoRunners: r.timeAtConcurrency.length } : r)));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^request ${row.id}: time at each concurrency adds up to`)),
        `request ${row.id}: ${row.timeAtConcurrency.length} co-runners at once on a device of 2 workers`,
      ]),
    );
  });
});
