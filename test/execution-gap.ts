/**
 * How far the simulator, given a calibration profile, lands from a replay: the largest
 * relative gap, over the models, between simulated and replayed mean execution time.
 * Used on a recorded replay (fixed numbers) in `npm test` and on fresh replays in
 * `npm run test:hardware`.
 */
import type { calibrate } from '../replay/calibrate.ts';
import { servedRecords, type ReplayDirectory } from '../replay/replay-records.ts';
import { simulateReplayTrace, withCalibration } from '../replay/validate.ts';
import { parseCalibration } from '../scenarios/parse-scenario.ts';

function meanBy(pairs: [string, number][]): Map<string, number> {
  const sums = new Map<string, [number, number]>();
  for (const [m, ms] of pairs) sums.set(m, [(sums.get(m)?.[0] ?? 0) + ms, (sums.get(m)?.[1] ?? 0) + 1]);
  return new Map([...sums].map(([m, [s, n]]) => [m, s / n]));
}

export function executionGap(replay: ReplayDirectory, profile: ReturnType<typeof calibrate>): number {
  const real = meanBy(servedRecords(replay.records).map((r) => [r.model, r.executionEnd - r.executionStart]));
  const records = simulateReplayTrace(replay, withCalibration(replay.scenario, parseCalibration(profile, 'test')));
  const start = records.executionStart.view();
  const end = records.executionEnd.view();
  const model = records.model.view();
  const sim = meanBy([...Array(records.length).keys()].filter((i) => !Number.isNaN(start[i])).map((i) => [records.models[model[i]], end[i] - start[i]]));
  return Math.max(...[...real].map(([m, ms]) => Math.abs(sim.get(m)! / ms - 1)));
}
