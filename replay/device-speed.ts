import { servedRecords, type ReplayDirectory } from './replay-records.ts';

/**
 * How fast the device was during a replay, read off the replay's own clean solo
 * executions. A shared VM's speed drifts by 5-15% between runs minutes apart, which
 * queueing at these loads turns into 20-30% in latency; a warm-up probe taken before
 * the trace did not track it. Executions that ran with nothing beside them (no other
 * execution, no other request's copy) are spread over the whole run and measure the
 * device alone.
 */

/** Median solo execution time of one "model/batch" in some replays, with its sample count. */
export interface AloneReference {
  readonly medianMs: number;
  readonly samples: number;
}

/** Pairs need this many clean executions on both sides to count. */
export const MIN_CLEAN_SAMPLES = 5;

/** Overlap with another request's copy below this (ms) is timing noise, not sharing. */
const COPY_OVERLAP_MS = 0.05;

/** Clean solo execution times by "model/batch". */
export function cleanAloneExecutions(replays: readonly ReplayDirectory[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const replay of replays) {
    const served = servedRecords(replay.records);
    // Copy windows sorted by start, to find the ones overlapping an execution.
    const copies = served
      .flatMap((r) => [
        [r.transferInStart, r.transferInEnd, r.id],
        [r.transferOutStart, r.completed, r.id],
      ])
      .sort((a, b) => a[0] - b[0]);
    for (const r of served) {
      if (r.maxCoRunners !== 0) continue;
      let overlap = 0;
      for (const [start, end, id] of copies) {
        if (start >= r.executionEnd) break;
        if (id !== r.id) overlap += Math.max(0, Math.min(end, r.executionEnd) - Math.max(start, r.executionStart));
      }
      if (overlap > COPY_OVERLAP_MS) continue;
      const key = `${r.model}/${r.batch}`;
      (out.get(key) ?? out.set(key, []).get(key)!).push(r.executionEnd - r.executionStart);
    }
  }
  return out;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The calibration replays' clean solo executions, as the profile keeps them. */
export function aloneReference(replays: readonly ReplayDirectory[]): Record<string, AloneReference> {
  const clean = cleanAloneExecutions(replays);
  return Object.fromEntries(
    [...clean.keys()].sort().map((key) => [key, { medianMs: Math.round(median(clean.get(key)!) * 1e4) / 1e4, samples: clean.get(key)!.length }]),
  );
}

export interface DeviceSpeed {
  /** The replay's solo times over the reference's (above 1: the device was slower). */
  readonly factor: number;
  /** The "model/batch" pairs it rests on, each with its ratio and weight. */
  readonly pairs: readonly { readonly key: string; readonly ratio: number; readonly samples: number }[];
}

/**
 * The replay's device speed against a reference: a geometric mean of the ratio of
 * median clean solo times over the pairs with MIN_CLEAN_SAMPLES on both sides, each
 * weighted by its smaller sample count. Factor 1, with no pairs, when none qualifies.
 */
export function deviceSpeed(replay: ReplayDirectory, reference: Readonly<Record<string, AloneReference>>): DeviceSpeed {
  const clean = cleanAloneExecutions([replay]);
  const pairs: { key: string; ratio: number; samples: number }[] = [];
  for (const key of [...clean.keys()].sort()) {
    const ref = reference[key];
    const times = clean.get(key)!;
    if (ref === undefined || ref.samples < MIN_CLEAN_SAMPLES || times.length < MIN_CLEAN_SAMPLES) continue;
    pairs.push({ key, ratio: median(times) / ref.medianMs, samples: Math.min(times.length, ref.samples) });
  }
  const weight = pairs.reduce((s, p) => s + p.samples, 0);
  const factor = weight > 0 ? Math.exp(pairs.reduce((s, p) => s + p.samples * Math.log(p.ratio), 0) / weight) : 1;
  return { factor, pairs };
}
