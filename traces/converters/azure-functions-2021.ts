/**
 * Azure Functions invocation trace 2021 (Azure/AzurePublicDataset,
 * AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt) to a strait trace.
 *
 * Published format: CSV (despite the .txt) with the header
 * `app,func,end_timestamp,duration`; one row per invocation; end_timestamp is seconds
 * since the start of the trace and duration is seconds, both decimals. Rows are ordered
 * by end time, not by start.
 *
 * Conversion:
 * - Time: arrival = end_timestamp - duration (the invocation's start), from the decimal
 *   text exactly: both are read as integer nanoseconds and subtracted, then divided by
 *   10^6 once (numbers with an exponent or more than 9 fractional digits are rounded to
 *   the nanosecond). Time 0 is the trace start (end_timestamp 0): an invocation that
 *   started before it (arrival < 0) is left out and counted as invalid.
 * - Mapping (--map): hash only: `hash:M1+M2+...[:high=SHARE][:batch=N]`; a stable hash of
 *   "app/func" picks the model and the priority (default
 *   hash:mobilenet_v2+resnet152+bert_base:high=0.25). Bytes are left to the model profile.
 * - Duration: duration_ms = duration x 1000, the invocation's measured service time (a
 *   duration of 0 is left empty). The simulator runs such a request for that solo
 *   time (split over the mapped model's phases in their proportions) instead of the
 *   model's solo time at the batch, and an Nx deadline is N times its own solo latency
 *   (transfers plus duration). The durations are the functions' own (seconds, often),
 *   not a GPU model's: `strait capacity` says what rate the cluster sustains. durations
 *   false (--no-durations) leaves the column out: every request takes its model's time.
 * - Sorting: the rows inside the window are read into memory and sorted by arrival
 *   (ties keep file order). Memory is about 24 bytes per kept row (an 8-byte time, an
 *   8-byte duration, a 4-byte target id, a 4-byte sort index) plus up to 2x while the
 *   arrays grow: the ~2M-row two-week file needs some 50 to 100 MB. A --window keeps
 *   only its rows.
 */
import { InputError } from '../../sim/core/errors.ts';
import { GrowableFloat64, GrowableInt32 } from '../../sim/core/growable.ts';
import {
  WHOLE_TRACE,
  decimalToNano,
  deadlineResolver,
  fieldError,
  hashTarget,
  mappedModels,
  newStats,
  parseTargetMapping,
  readHeader,
  runConversion,
  type ConvertSettings,
  type ConvertStats,
  type DatasetArrival,
  type Target,
  type TargetMapping,
  type TimeWindow,
} from './convert-common.ts';
import { CsvReader } from '../csv-records.ts';
import { AZURE_FUNCTIONS_2021_DEFAULT_MAP } from './converter-defaults.ts';

export const AZURE_FUNCTIONS_2021_COLUMNS = ['app', 'func', 'end_timestamp', 'duration'] as const;
const HEADER = AZURE_FUNCTIONS_2021_COLUMNS.join(',');
const BATCH = 4096;
export { AZURE_FUNCTIONS_2021_DEFAULT_MAP };

export interface AzureFunctions2021Options extends ConvertSettings {
  /** A hash mapping; default AZURE_FUNCTIONS_2021_DEFAULT_MAP. */
  readonly mapping?: TargetMapping;
  /** Write duration_ms, the measured duration (default true). */
  readonly durations?: boolean;
}

/**
 * The invocations of the given files (normally one), sorted by arrival, as dataset
 * arrivals; only those inside `window` are kept in memory.
 */
export async function* azureFunctions2021Arrivals(
  inputs: readonly string[],
  mapping: TargetMapping,
  window: TimeWindow,
  stats: ConvertStats,
  withDurations = true,
): AsyncGenerator<DatasetArrival[]> {
  if (mapping.kind !== 'hash') {
    throw new InputError('--map: the 2021 trace has no trigger to map by; use hash:MODEL[+MODEL...][:high=SHARE][:batch=N]');
  }
  const times = new GrowableFloat64(1 << 16);
  const ids = new GrowableInt32(1 << 16);
  const durations = new GrowableFloat64(1 << 16);
  const targets: Target[] = [];
  const targetOf = new Map<string, number>();
  for (const file of inputs) {
    const reader = new CsvReader(file);
    try {
      const columns = await readHeader(reader, AZURE_FUNCTIONS_2021_COLUMNS, HEADER);
      const [app, func, end, duration] = AZURE_FUNCTIONS_2021_COLUMNS.map((c) => columns.get(c)!);
      while (await reader.fill()) {
        let f: string[] | undefined;
        while ((f = reader.take()) !== undefined) {
          stats.rowsRead++;
          stats.requests++;
          const endNs = decimalToNano(f[end]);
          if (Number.isNaN(endNs)) throw fieldError(file, reader.line, 'end_timestamp', 'seconds >= 0', f[end]);
          const durationNs = decimalToNano(f[duration]);
          if (Number.isNaN(durationNs)) throw fieldError(file, reader.line, 'duration', 'seconds >= 0', f[duration]);
          const startNs = endNs - durationNs;
          if (startNs < 0) {
            stats.invalid++;
            continue;
          }
          const time = startNs / 1e6;
          if (time < window.startMs || time >= window.endMs) {
            stats.outsideWindow++;
            continue;
          }
          const key = `${f[app]}/${f[func]}`;
          let id = targetOf.get(key);
          if (id === undefined) {
            const target = hashTarget(mapping, key);
            id = targets.findIndex((t) => t.model === target.model && t.priority === target.priority && t.batch === target.batch);
            if (id < 0) id = targets.push(target) - 1;
            targetOf.set(key, id);
          }
          times.push(time);
          ids.push(id);
          durations.push(durationNs / 1e6);
        }
      }
    } finally {
      reader.close();
    }
  }
  const n = times.length;
  const t = times.view();
  const target = ids.view();
  const duration = durations.view();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => t[a] - t[b] || a - b);
  for (let from = 0; from < n; from += BATCH) {
    const to = Math.min(n, from + BATCH);
    const batch: DatasetArrival[] = new Array(to - from);
    for (let j = from; j < to; j++) {
      const i = order[j];
      batch[j - from] = withDurations && duration[i] > 0 ? { time: t[i], target: targets[target[i]], durationMs: duration[i] } : { time: t[i], target: targets[target[i]] };
    }
    yield batch;
  }
}

/** Converts the Azure Functions 2021 invocation trace into a trace at `out` (CSV or Arrow by extension). */
export async function convertAzureFunctions2021(
  inputs: readonly string[],
  out: string,
  options: AzureFunctions2021Options = {},
): Promise<ConvertStats> {
  if (inputs.length === 0) throw new InputError('azure-functions-2021: expected an input file');
  const mapping = options.mapping ?? parseTargetMapping(AZURE_FUNCTIONS_2021_DEFAULT_MAP);
  const deadlineOf = deadlineResolver(options, mappedModels(mapping));
  const stats = newStats();
  const durations = options.durations ?? true;
  const arrivals = azureFunctions2021Arrivals(inputs, mapping, options.window ?? WHOLE_TRACE, stats, durations);
  return runConversion(out, arrivals, options, deadlineOf, stats, { duration: durations });
}
