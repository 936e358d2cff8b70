/**
 * Azure Functions trace 2019 (Azure/AzurePublicDataset, AzureFunctionsDataset2019:
 * invocations_per_function_md.anon.d01.csv ... d14.csv) to a strait trace.
 *
 * Published format: CSV with the header `HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440`;
 * one row per function and day; column m holds how many times the function was invoked
 * in minute m of the day (1-based). Trigger is one of http, timer, event, queue, storage,
 * orchestration, others.
 *
 * Conversion:
 * - Days: a file's day comes from its name (`.d01.csv` is day 0, `.d02.csv` day 1, ...)
 *   or, with days 'order' (or 'auto' when some name has no dNN), from its position among
 *   the inputs. Time 0 is midnight of the earliest given day: arrival = (day - first day)
 *   x 24 h + (minute - 1) x 60 s + offset within the minute. Two files for one day are an
 *   error.
 * - Mapping (--map): by Trigger (keyed: `http=mobilenet_v2:high,*=resnet152:low`; a
 *   trigger with no entry and no `*` is an error), or by hash (`hash:M1+M2:high=0.25`:
 *   a stable hash of HashOwner/HashApp/HashFunction, since HashFunction is only unique
 *   within its app, picks the model and the priority). Every request is batch 1 unless
 *   the map says otherwise; bytes are left to the model profile.
 * - Memory: a day file is read once, row by row; each row's counts are added into one
 *   1440-minute count array per target (model, priority, batch), so memory is
 *   1440 x targets numbers, however many functions the day has. Then the day is emitted
 *   minute by minute: a minute's N arrivals are drawn, sorted, and yielded, so at most
 *   one minute's arrivals are held at once. Functions that map to one target are
 *   indistinguishable in the output, which is why their counts can be summed. A day
 *   is read whole before its first minute is emitted (minute 1 needs every function's
 *   count); days wholly outside the window are not read at all. Rows are split on
 *   commas (traces/csv-records.ts): a synthetic 5000-function day (7.2M fields, 14 MB)
 *   converted with --window 0:1m in about 1.1 s here (process start included), against
 *   1.7 to 2.6 s when csv-parse read it.
 * - Spread within a minute (seeded; each minute draws from its own stream
 *   `convert/azure-functions-2019/day<D>/minute<M>`, D the file's day (d01: 0) and M the
 *   0-based minute, so a minute's arrivals do not depend on the window or on which other
 *   days are converted):
 *   - uniform: each invocation at an independent uniform offset in the minute (the same
 *     in distribution as spreading each function's invocations uniformly).
 *   - even: a target's n invocations in the minute are evenly spaced with jitter: the
 *     i-th at (i + U) x 60 s / n, U uniform in [0, 1) (one invocation per slot). The
 *     spacing is over all functions of the target together, not per function (which
 *     the summed counts no longer tell apart): a smooth, low-variance arrival stream.
 *   Either way minute m holds exactly the dataset's count for minute m.
 */
import { basename } from 'node:path';
import { InputError } from '../../sim/core/errors.ts';
import { RandomStreams } from '../../sim/core/random.ts';
import {
  lineError,
  WHOLE_TRACE,
  deadlineResolver,
  fieldError,
  hashTarget,
  keyedTarget,
  nextDown,
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
import { AZURE_FUNCTIONS_2019_DEFAULT_MAP } from './converter-defaults.ts';

export const MINUTES_PER_DAY = 1440;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const ID_COLUMNS = ['HashOwner', 'HashApp', 'HashFunction', 'Trigger'] as const;
const MINUTE_COLUMNS = Array.from({ length: MINUTES_PER_DAY }, (_, i) => String(i + 1));
const HEADER = 'HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440';

export const AZURE_FUNCTIONS_2019_TRIGGERS = ['http', 'timer', 'event', 'queue', 'storage', 'orchestration', 'others'] as const;
export { AZURE_FUNCTIONS_2019_DEFAULT_MAP };

export type Spread = 'uniform' | 'even';
export type DayRule = 'auto' | 'name' | 'order';

export interface AzureFunctions2019Options extends ConvertSettings {
  /** By trigger (keyed) or hash; default AZURE_FUNCTIONS_2019_DEFAULT_MAP. */
  readonly mapping?: TargetMapping;
  /** Default uniform. */
  readonly spread?: Spread;
  /** Default auto: from the file names when every one has dNN, else input order. */
  readonly days?: DayRule;
}

/** The 0-based day a file name gives (`...d01.csv` -> 0), or undefined. */
export function dayFromFileName(file: string): number | undefined {
  const m = /(?:^|[._-])d(\d{1,3})\.csv$/i.exec(basename(file));
  return m === null || Number(m[1]) < 1 ? undefined : Number(m[1]) - 1;
}

interface DayFile {
  readonly file: string;
  readonly day: number;
}

function dayFiles(inputs: readonly string[], rule: DayRule): DayFile[] {
  const named = inputs.map(dayFromFileName);
  const useNames = rule === 'name' || (rule === 'auto' && named.every((d) => d !== undefined));
  const files = inputs.map((file, i) => {
    const day = useNames ? named[i] : i;
    if (day === undefined) throw new InputError(`${file}: no day in the file name (expected ...d01.csv to ...d14.csv); use --days order`);
    return { file, day };
  });
  files.sort((a, b) => a.day - b.day);
  for (let i = 1; i < files.length; i++) {
    if (files[i].day === files[i - 1].day) {
      throw new InputError(`${files[i].file}: day ${files[i].day + 1} is also given by ${files[i - 1].file}`);
    }
  }
  return files;
}

/** One day's counts: per target, invocations per minute. */
class DayCounts {
  readonly targets: Target[] = [];
  readonly counts: Float64Array[] = [];
  private readonly ids = new Map<string, number>();

  countsFor(target: Target): Float64Array {
    const key = `${target.model}\u0000${target.priority}\u0000${target.batch}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.targets.length;
      this.ids.set(key, id);
      this.targets.push(target);
      this.counts.push(new Float64Array(MINUTES_PER_DAY));
    }
    return this.counts[id];
  }
}

async function readDay(file: string, mapping: TargetMapping, stats: ConvertStats): Promise<DayCounts> {
  const reader = new CsvReader(file);
  const day = new DayCounts();
  try {
    const columns = await readHeader(reader, [...ID_COLUMNS, ...MINUTE_COLUMNS], HEADER);
    const [owner, app, fn, trigger] = ID_COLUMNS.map((c) => columns.get(c)!);
    const minuteIndex = MINUTE_COLUMNS.map((c) => columns.get(c)!);
    const scratch = new Float64Array(MINUTES_PER_DAY);
    while (await reader.fill()) {
      let f: string[] | undefined;
      while ((f = reader.take()) !== undefined) {
        stats.rowsRead++;
        let target: Target | null | undefined;
        if (mapping.kind === 'keyed') {
          target = keyedTarget(mapping, f[trigger]);
          if (target === undefined) {
            throw lineError(file, reader.line, `Trigger "${f[trigger]}" has no target in --map; add ${f[trigger] || '""'}=MODEL:PRIORITY or *=MODEL:PRIORITY`);
          }
        } else {
          target = hashTarget(mapping, `${f[owner]}/${f[app]}/${f[fn]}`);
        }
        let total = 0;
        for (let m = 0; m < MINUTES_PER_DAY; m++) {
          const text = f[minuteIndex[m]];
          if (text === '0') {
            scratch[m] = 0;
            continue;
          }
          const n = COUNT.test(text) ? Number(text) : NaN;
          if (!Number.isSafeInteger(n)) throw fieldError(file, reader.line, `minute ${m + 1}`, 'a whole number of invocations >= 0', text);
          scratch[m] = n;
          total += n;
        }
        stats.requests += total;
        if (target === null) {
          stats.unmapped += total;
        } else if (total > 0) {
          const counts = day.countsFor(target);
          for (let m = 0; m < MINUTES_PER_DAY; m++) counts[m] += scratch[m];
        }
      }
    }
    return day;
  } finally {
    reader.close();
  }
}

const COUNT = /^\d+$/;

/**
 * The days' invocations as dataset arrivals in time order, one batch per minute. `window` (trace time) lets
 * it skip days and minutes no row of which can be kept.
 */
export async function* azureFunctions2019Arrivals(
  inputs: readonly string[],
  mapping: TargetMapping,
  spread: Spread,
  days: DayRule,
  seed: number,
  window: TimeWindow,
  stats: ConvertStats,
): AsyncGenerator<DatasetArrival[]> {
  const files = dayFiles(inputs, days);
  if (files.length === 0) return;
  const firstDay = files[0].day;
  let times = new Float64Array(1024);
  let who = new Int32Array(1024);
  let order = new Uint32Array(1024);
  for (const { file, day } of files) {
    const dayStart = (day - firstDay) * MS_PER_DAY;
    if (dayStart >= window.endMs) return;
    if (dayStart + MS_PER_DAY <= window.startMs) continue;
    const counts = await readDay(file, mapping, stats);
    for (let m = 0; m < MINUTES_PER_DAY; m++) {
      const minuteStart = dayStart + m * MS_PER_MINUTE;
      const minuteEnd = minuteStart + MS_PER_MINUTE;
      if (minuteEnd <= window.startMs) continue;
      if (minuteStart >= window.endMs) return;
      let n = 0;
      for (const c of counts.counts) n += c[m];
      if (n === 0) continue;
      if (n > times.length) {
        const size = Math.max(n, 2 * times.length);
        times = new Float64Array(size);
        who = new Int32Array(size);
        order = new Uint32Array(size);
      }
      const random = new RandomStreams(seed).stream(`convert/azure-functions-2019/day${day}/minute${m}`);
      let k = 0;
      for (let t = 0; t < counts.targets.length; t++) {
        const c = counts.counts[t][m];
        for (let i = 0; i < c; i++) {
          const offset = spread === 'uniform' ? random.uniform() * MS_PER_MINUTE : ((i + random.uniform()) * MS_PER_MINUTE) / c;
          let time = minuteStart + offset;
          // Rounding must not carry an arrival into the next minute.
          if (time >= minuteEnd) time = nextDown(minuteEnd);
          times[k] = time;
          who[k] = t;
          order[k] = k;
          k++;
        }
      }
      const sorted = order.subarray(0, n).sort((a, b) => times[a] - times[b] || a - b);
      const batch: DatasetArrival[] = new Array(n);
      for (let j = 0; j < n; j++) {
        const i = sorted[j];
        batch[j] = { time: times[i], target: counts.targets[who[i]] };
      }
      yield batch;
    }
  }
}

/** Converts Azure Functions 2019 day files into one trace at `out` (CSV or Arrow by extension). */
export async function convertAzureFunctions2019(
  inputs: readonly string[],
  out: string,
  options: AzureFunctions2019Options = {},
): Promise<ConvertStats> {
  if (inputs.length === 0) throw new InputError('azure-functions-2019: expected at least one day file');
  const mapping = options.mapping ?? parseTargetMapping(AZURE_FUNCTIONS_2019_DEFAULT_MAP);
  const spread = options.spread ?? 'uniform';
  if (spread !== 'uniform' && spread !== 'even') throw new InputError(`--spread: expected uniform or even, got "${spread}"`);
  const days = options.days ?? 'auto';
  if (days !== 'auto' && days !== 'name' && days !== 'order') throw new InputError(`--days: expected auto, name or order, got "${days}"`);
  const deadlineOf = deadlineResolver(options, mappedModels(mapping));
  const stats = newStats();
  const arrivals = azureFunctions2019Arrivals(inputs, mapping, spread, days, options.seed ?? 1, options.window ?? WHOLE_TRACE, stats);
  return runConversion(out, arrivals, options, deadlineOf, stats);
}
