import { mean } from '../sim/metrics/quantiles.ts';
import type { RequestRecords } from '../sim/metrics/request-records.ts';
import type { CoLocation } from './colocation.ts';

/** Execution time of one model and batch size, alone on its device against shared. */
export interface InterferenceRow {
  readonly model: string;
  readonly batch: number;
  readonly soloCount: number;
  readonly soloMeanMs: number;
  readonly sharedCount: number;
  readonly sharedMeanMs: number;
  /** sharedMeanMs / soloMeanMs. */
  readonly slowdown: number;
}

/**
 * Interference as the records show it: per model and batch size, the mean execution
 * time of requests that executed alone the whole time against those that shared the
 * device for at least half of theirs.
 */
export function interferenceRows(records: RequestRecords, colocation: ReadonlyMap<number, CoLocation>): InterferenceRow[] {
  const groups = new Map<string, { model: string; batch: number; solo: number[]; shared: number[] }>();
  const ids = records.id.view();
  const start = records.executionStart.view();
  const end = records.executionEnd.view();
  const model = records.model.view();
  const batch = records.batch.view();
  for (let i = 0; i < records.length; i++) {
    const co = colocation.get(ids[i]);
    if (co === undefined || Number.isNaN(start[i])) continue;
    const ms = end[i] - start[i];
    const key = `${records.models[model[i]]}/${batch[i]}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { model: records.models[model[i]], batch: batch[i], solo: [], shared: [] }));
    if (co.coRunMs === 0) group.solo.push(ms);
    else if (co.coRunMs >= 0.5 * ms) group.shared.push(ms);
  }
  return [...groups.values()]
    .sort((a, b) => a.model.localeCompare(b.model) || a.batch - b.batch)
    .map((g) => {
      const soloMeanMs = mean(g.solo);
      const sharedMeanMs = mean(g.shared);
      return { model: g.model, batch: g.batch, soloCount: g.solo.length, soloMeanMs, sharedCount: g.shared.length, sharedMeanMs, slowdown: sharedMeanMs / soloMeanMs };
    });
}
