/**
 * Azure LLM inference trace 2023 (Azure/AzurePublicDataset, data/
 * AzureLLMInferenceTrace_code.csv and AzureLLMInferenceTrace_conv.csv; the 2024 week-long
 * files AzureLLMInferenceTrace_{code,conv}_1week.csv have the same columns) to a strait
 * trace.
 *
 * Published format: CSV with the header `TIMESTAMP,ContextTokens,GeneratedTokens`, one
 * row per request, sorted by TIMESTAMP; TIMESTAMP is UTC without a zone, with seven
 * fractional digits (`2023-11-16 18:15:46.6805900`).
 *
 * Conversion:
 * - Source: each input file is a source named by its file name,
 *   AzureLLMInferenceTrace_<source>[_...].csv (so `code` or `conv`), else the file's
 *   base name without extension. --map gives each source a model, priority and batch
 *   (default code=bert_base:high,conv=bert_base:low,*=bert_base:low).
 * - Time: arrival = TIMESTAMP - the earliest TIMESTAMP over all inputs (every input's
 *   first row, skipped sources included), computed exactly: timestamps are parsed by
 *   hand into whole days and integer nanoseconds of the day (Date would truncate to
 *   ms), and the integer difference is divided by 10^6 once.
 * - Merge: the inputs are merged by TIMESTAMP while streaming (ties: the input given
 *   first); memory is one buffered chunk per input. A file that goes back in time is an
 *   error. Reading stops at the first request past the window's end, so rows after it
 *   are not checked.
 * - Tokens: every request is one inference of batch 1 (or the batch the map gives);
 *   input_bytes = ContextTokens x bytesPerToken and output_bytes = GeneratedTokens x
 *   bytesPerToken (default 4: one int32 token id per token), so transfer sizes follow the
 *   prompt and answer lengths; they are the request's bytes, not multiplied by the
 *   batch. bytesPerToken null leaves both empty (the model profile's bytes, per token
 *   where the model has bytes per token). input_tokens = ContextTokens and
 *   output_tokens = GeneratedTokens, so a model whose phases scale with tokens
 *   (bert_base by the prompt, llama2_7b by prompt and answer) runs each request for
 *   its own solo time, and an Nx deadline is N times that request's solo latency.
 *   tokens false (--no-tokens) leaves both out: every request takes the model's solo
 *   time at the batch, as before tokens were carried.
 */
import { basename, extname } from 'node:path';
import { InputError } from '../../sim/core/errors.ts';
import {
  lineError,
  deadlineResolver,
  fieldError,
  keyedTarget,
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
} from './convert-common.ts';
import { CsvReader } from '../csv-records.ts';
import { AZURE_LLM_2023_DEFAULT_MAP, DEFAULT_BYTES_PER_TOKEN } from './converter-defaults.ts';

export const AZURE_LLM_2023_COLUMNS = ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'] as const;
const HEADER = AZURE_LLM_2023_COLUMNS.join(',');

export { AZURE_LLM_2023_DEFAULT_MAP, DEFAULT_BYTES_PER_TOKEN };

export interface AzureLlm2023Options extends ConvertSettings {
  /** Keyed by source name (see above); default AZURE_LLM_2023_DEFAULT_MAP. */
  readonly mapping?: TargetMapping;
  /** Bytes per token for input/output bytes; null: leave them to the model profile. Default 4. */
  readonly bytesPerToken?: number | null;
  /** Write input_tokens and output_tokens (default true). */
  readonly tokens?: boolean;
}

const NS_PER_DAY = 86_400 * 1e9;

/** A UTC instant as whole days since 1970-01-01 and integer nanoseconds into the day. */
export interface DayNanos {
  readonly day: number;
  readonly ns: number;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

/** Parses `YYYY-MM-DD HH:MM:SS[.fffffff]` (UTC) exactly; undefined if it is not one. */
export function parseAzureTimestamp(text: string): DayNanos | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, dayOfMonth, hour, minute, second] = m.slice(1, 7).map(Number);
  const epochMs = Date.UTC(year, month - 1, dayOfMonth);
  const check = new Date(epochMs);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== dayOfMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'));
  return { day: epochMs / 86_400_000, ns: ((hour * 60 + minute) * 60 + second) * 1e9 + fraction };
}

/** a - b in ms: exact integer nanoseconds (within about 100 days), one rounding. */
export function diffMs(a: DayNanos, b: DayNanos): number {
  return ((a.day - b.day) * NS_PER_DAY + (a.ns - b.ns)) / 1e6;
}

function before(a: DayNanos, b: DayNanos): boolean {
  return a.day < b.day || (a.day === b.day && a.ns < b.ns);
}

/** The source name a file gives: AzureLLMInferenceTrace_<source>..., else its base name. */
export function llmSourceName(file: string): string {
  const name = basename(file, extname(file));
  const m = /^AzureLLMInferenceTrace_([A-Za-z0-9]+)/.exec(name);
  return m !== null ? m[1] : name;
}

interface LlmRow {
  readonly time: DayNanos;
  readonly text: string;
  readonly context: number;
  readonly generated: number;
}

const WHOLE = /^\d+$/;

class LlmSource {
  head: LlmRow | undefined;
  private timestamp = 0;
  private context = 0;
  private generated = 0;
  private readonly reader: CsvReader;
  /** The last date part seen and its day number (rows share the date). */
  private lastDate = '';
  private lastDay = 0;

  constructor(
    readonly file: string,
    readonly target: Target | null,
    private readonly stats: ConvertStats,
  ) {
    this.reader = new CsvReader(file);
  }

  async open(): Promise<void> {
    const columns = await readHeader(this.reader, AZURE_LLM_2023_COLUMNS, HEADER);
    [this.timestamp, this.context, this.generated] = AZURE_LLM_2023_COLUMNS.map((c) => columns.get(c)!);
    const pending = this.advance();
    if (pending !== undefined) await pending;
  }

  /** Moves head to the next row; returns a promise only when it must wait for the file. */
  advance(): Promise<void> | undefined {
    const fields = this.reader.take();
    if (fields !== undefined) {
      this.accept(fields);
      return undefined;
    }
    return this.reader.fill().then((more) => {
      const next = more ? this.reader.take() : undefined;
      if (next === undefined) this.head = undefined;
      else this.accept(next);
    });
  }

  private parseTime(text: string): DayNanos | undefined {
    // Fast path for the published form; anything else goes through the full parser.
    if (text.length >= 19 && text.charCodeAt(10) === 32 && text.slice(0, 10) === this.lastDate) {
      const rest = TIME_OF_DAY.exec(text.slice(11));
      if (rest !== null) {
        const [hour, minute, second] = [Number(rest[1]), Number(rest[2]), Number(rest[3])];
        if (hour <= 23 && minute <= 59 && second <= 59) {
          const fraction = rest[4] === undefined ? 0 : Number(rest[4].padEnd(9, '0'));
          return { day: this.lastDay, ns: ((hour * 60 + minute) * 60 + second) * 1e9 + fraction };
        }
      }
    }
    const time = parseAzureTimestamp(text);
    if (time !== undefined && text.charCodeAt(10) === 32) {
      this.lastDate = text.slice(0, 10);
      this.lastDay = time.day;
    }
    return time;
  }

  private accept(fields: string[]): void {
    const previous = this.head;
    const line = this.reader.line;
    this.stats.rowsRead++;
    const text = fields[this.timestamp];
    const time = this.parseTime(text);
    if (time === undefined) throw fieldError(this.file, line, 'TIMESTAMP', 'a UTC time YYYY-MM-DD HH:MM:SS.fffffff', text);
    if (previous !== undefined && before(time, previous.time)) {
      throw lineError(this.file, line, `TIMESTAMP ${text} comes before the previous row's ${previous.text}; the published files are sorted by TIMESTAMP`);
    }
    const context = fields[this.context];
    if (!WHOLE.test(context)) throw fieldError(this.file, line, 'ContextTokens', 'a whole number of tokens >= 0', context);
    const generated = fields[this.generated];
    if (!WHOLE.test(generated)) throw fieldError(this.file, line, 'GeneratedTokens', 'a whole number of tokens >= 0', generated);
    this.head = { time, text, context: Number(context), generated: Number(generated) };
  }

  close(): void {
    this.reader.close();
  }
}

const TIME_OF_DAY = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const BATCH = 4096;

/** The inputs' requests merged in time order, as batches of dataset arrivals. */
export async function* azureLlm2023Arrivals(
  inputs: readonly string[],
  mapping: TargetMapping,
  bytesPerToken: number | null,
  stats: ConvertStats,
  endMs = Infinity,
  tokens = true,
): AsyncGenerator<DatasetArrival[]> {
  if (mapping.kind !== 'keyed') throw new InputError('--map: the Azure LLM trace maps by source (e.g. code=bert_base:high,conv=bert_base:low); hash: needs function ids');
  const sources: LlmSource[] = [];
  try {
    for (const file of inputs) {
      const name = llmSourceName(file);
      const target = keyedTarget(mapping, name);
      if (target === undefined) {
        throw new InputError(`--map: no target for source "${name}" (${file}); add ${name}=MODEL:PRIORITY or *=MODEL:PRIORITY`);
      }
      sources.push(new LlmSource(file, target, stats));
    }
    for (const source of sources) await source.open();
    let origin: DayNanos | undefined;
    for (const s of sources) if (s.head !== undefined && (origin === undefined || before(s.head.time, origin))) origin = s.head.time;
    if (origin === undefined) return;
    let batch: DatasetArrival[] = [];
    for (;;) {
      let next: LlmSource | undefined;
      for (const s of sources) if (s.head !== undefined && (next === undefined || before(s.head.time, next.head!.time))) next = s;
      if (next === undefined) break;
      const row = next.head!;
      const time = diffMs(row.time, origin);
      if (time >= endMs) {
        // Past the window: stop reading (later rows are neither needed nor checked).
        stats.outsideWindow++;
        break;
      }
      stats.requests++;
      if (next.target === null) {
        stats.unmapped++;
      } else {
        batch.push({
          time,
          target: next.target,
          ...(bytesPerToken === null ? {} : { inputBytes: row.context * bytesPerToken, outputBytes: row.generated * bytesPerToken }),
          ...(tokens ? { inputTokens: row.context, outputTokens: row.generated } : {}),
        });
        if (batch.length >= BATCH) {
          yield batch;
          batch = [];
        }
      }
      const pending = next.advance();
      if (pending !== undefined) await pending;
    }
    if (batch.length > 0) yield batch;
  } finally {
    for (const s of sources) s.close();
  }
}

/**
 * A warning when a keyed map names sources but no input is one of them, so that every
 * request takes the * target (e.g. files renamed from AzureLLMInferenceTrace_code.csv:
 * with the default map all of them would silently become low priority).
 */
export function everyInputFallsBack(inputs: readonly string[], mapping: TargetMapping): string | undefined {
  if (mapping.kind !== 'keyed' || mapping.entries.size === 0 || mapping.fallback == null) return undefined;
  if (inputs.some((file) => mapping.entries.has(llmSourceName(file)))) return undefined;
  const { model, priority, batch } = mapping.fallback;
  const named = inputs.map((file) => `${file} (source "${llmSourceName(file)}")`).join(', ');
  return (
    `no --map key (${[...mapping.entries.keys()].join(', ')}) names the source of any input: ${named}; ` +
    `every request takes *=${model}:${priority}${batch === 1 ? '' : `:${batch}`}. A file's source is the <source> of ` +
    `AzureLLMInferenceTrace_<source>...csv, else its name: keep the published names or map the sources (--map SOURCE=MODEL:PRIORITY,...)`
  );
}

/** Converts Azure LLM 2023 CSV files into one trace at `out` (CSV or Arrow by extension). */
export async function convertAzureLlm2023(inputs: readonly string[], out: string, options: AzureLlm2023Options = {}): Promise<ConvertStats> {
  if (inputs.length === 0) throw new InputError('azure-llm-2023: expected at least one input file');
  const mapping = options.mapping ?? parseTargetMapping(AZURE_LLM_2023_DEFAULT_MAP);
  const bytesPerToken = options.bytesPerToken === undefined ? DEFAULT_BYTES_PER_TOKEN : options.bytesPerToken;
  if (bytesPerToken !== null && !(bytesPerToken >= 0 && Number.isFinite(bytesPerToken))) {
    throw new InputError(`--bytes-per-token: expected a number >= 0 or none, got ${bytesPerToken}`);
  }
  const deadlineOf = deadlineResolver(options, mappedModels(mapping));
  const fallback = everyInputFallsBack(inputs, mapping);
  if (fallback !== undefined) options.onWarning?.(fallback);
  const stats = newStats();
  const tokens = options.tokens ?? true;
  const arrivals = azureLlm2023Arrivals(inputs, mapping, bytesPerToken, stats, options.window?.endMs, tokens);
  return runConversion(out, arrivals, options, deadlineOf, stats, { tokens });
}
