import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../../sim/core/errors.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';
import { scenarioModelFacts } from '../../scenarios/model-facts.ts';
import { traceFormatOf } from '../../traces/trace-schema.ts';
import { convertAzureFunctions2019, type DayRule, type Spread } from '../../traces/converters/azure-functions-2019.ts';
import { convertAzureFunctions2021 } from '../../traces/converters/azure-functions-2021.ts';
import { convertAzureLlm2023 } from '../../traces/converters/azure-llm-2023.ts';
import {
  parseDeadlines,
  parsePositiveNumber,
  parseScaleMode,
  parseSeed,
  parseTargetMapping,
  parseWindow,
  type ConvertSettings,
  type ConvertStats,
} from '../../traces/converters/convert-common.ts';
import { TRACE_CONVERT_FORMATS, type TraceConvertFormat } from './trace-convert-help.ts';

/**
 * Options of `strait trace convert --format FORMAT IN... --out OUT [options]`, as
 * commander hands them over (strings; numbers are accepted too). Every time is in
 * trace time: ms from the dataset's origin (see each converter).
 */
export interface TraceConvertOptions {
  /** --out PATH: the trace to write, .csv or .arrow (.feather, .ipc). Required. */
  readonly out?: string;
  /** --window START:END: trace time kept, [START, END); durations (3600000, 90s, 1h30m); either side may be empty. Default: all. */
  readonly window?: string;
  /** --scale X: rate multiplier > 0. Default 1. */
  readonly scale?: string | number;
  /** --scale-mode auto|thin|compress: thin keeps each arrival with probability X (X <= 1); compress divides times by X; auto thins below 1 and compresses above. Default auto. */
  readonly scaleMode?: string;
  /** --seed N: seed of thinning and of spreading within a minute. Default 1. */
  readonly seed?: string | number;
  /** --map SPEC: dataset requests to MODEL:PRIORITY[:BATCH]; syntax per format (TRACE_CONVERT_HELP.map, trace-convert-help.ts). */
  readonly map?: string;
  /** --deadline RULE | high=RULE,low=RULE: RULE is Nx (N x solo latency) or a duration with a unit (50ms). Default high=5x,low=10x. */
  readonly deadline?: string;
  /** --scenario NAME|FILE: cluster and models behind solo latencies and model names. Default: the built-in default. */
  readonly scenario?: string;
  /** --bytes-per-token N|none (azure-llm-2023): input/output bytes per context/generated token. Default 4; none: model profile bytes. */
  readonly bytesPerToken?: string | number;
  /** --no-tokens (azure-llm-2023): leave input_tokens and output_tokens out. */
  readonly tokens?: boolean;
  /** --no-durations (azure-functions-2021): leave duration_ms out. */
  readonly durations?: boolean;
  /** --spread uniform|even (azure-functions-2019): arrivals within a minute. Default uniform. */
  readonly spread?: string;
  /** --days auto|name|order (azure-functions-2019): a file's day from its name (d01 = day 0) or its position. Default auto. */
  readonly days?: string;
  /** --json: print the conversion's counts as JSON instead of one line. */
  readonly json?: boolean;
}


function checkFormat(format: string): TraceConvertFormat {
  if ((TRACE_CONVERT_FORMATS as readonly string[]).includes(format)) return format as TraceConvertFormat;
  throw new InputError(`--format: expected one of ${TRACE_CONVERT_FORMATS.join(', ')}, got "${format}"`);
}

function onlyFor(format: TraceConvertFormat, flag: string, value: unknown, allowed: TraceConvertFormat): void {
  if (value !== undefined && format !== allowed) throw new InputError(`${flag} applies to --format ${allowed} only`);
}

function formatSeconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(3)} s`;
}

/** Progress on stderr, only when it is a terminal, at most a few times a second. */
function progressReporter(): ((stats: Readonly<ConvertStats>) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (stats) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    process.stderr.write(`\r${stats.rowsRead.toLocaleString('en-US')} rows read, ${stats.written.toLocaleString('en-US')} requests written `);
  };
}

/** The one-line report of a conversion. */
export function conversionSummary(out: string, stats: ConvertStats): string {
  const left: string[] = [];
  if (stats.outsideWindow > 0) left.push(`${stats.outsideWindow} outside the window`);
  if (stats.thinned > 0) left.push(`${stats.thinned} thinned`);
  if (stats.unmapped > 0) left.push(`${stats.unmapped} skipped by --map`);
  if (stats.invalid > 0) left.push(`${stats.invalid} started before the trace`);
  return (
    `wrote ${stats.written} requests (${stats.high} high, ${stats.low} low), ` +
    `${formatSeconds(stats.firstArrivalMs)} to ${formatSeconds(stats.lastArrivalMs)}, to ${out}; ` +
    `read ${stats.rowsRead} rows, ${stats.requests} requests${left.length > 0 ? `; left out ${left.join(', ')}` : ''}`
  );
}

/**
 * `strait trace convert`: converts public-dataset files into one strait trace. Prints a
 * one-line summary (or JSON) on stdout and returns the counts. Bad input is an
 * InputError naming the file and line; no output file is left behind.
 */
export async function traceConvertCommand(format: string, inputs: string[], options: TraceConvertOptions): Promise<ConvertStats> {
  const fmt = checkFormat(format);
  if (options.out === undefined || options.out === '') throw new InputError('--out: expected the trace to write (.csv or .arrow)');
  const out = options.out;
  traceFormatOf(out);
  if (!existsSync(dirname(resolve(out)))) throw new InputError(`--out ${out}: no such directory ${dirname(out)}`);
  if (inputs.length === 0) throw new InputError(`trace convert: expected at least one ${fmt} input file`);
  for (const input of inputs) {
    if (resolve(input) === resolve(out)) throw new InputError(`--out ${out}: is also an input`);
  }
  onlyFor(fmt, '--bytes-per-token', options.bytesPerToken, 'azure-llm-2023');
  onlyFor(fmt, '--no-tokens', options.tokens === false ? false : undefined, 'azure-llm-2023');
  onlyFor(fmt, '--no-durations', options.durations === false ? false : undefined, 'azure-functions-2021');
  onlyFor(fmt, '--spread', options.spread, 'azure-functions-2019');
  onlyFor(fmt, '--days', options.days, 'azure-functions-2019');

  const settings: ConvertSettings = {
    window: options.window === undefined ? undefined : parseWindow(options.window),
    scale: options.scale === undefined ? undefined : parsePositiveNumber(options.scale, '--scale'),
    scaleMode: options.scaleMode === undefined ? undefined : parseScaleMode(options.scaleMode),
    seed: options.seed === undefined ? undefined : parseSeed(options.seed),
    deadlines: options.deadline === undefined ? undefined : parseDeadlines(options.deadline),
    // Model names and solo latencies (for Nx deadlines) come from the scenario (default: the built-in default).
    models: scenarioModelFacts(loadScenario(options.scenario)),
    onProgress: progressReporter(),
    onWarning: (message) => process.stderr.write(`strait: warning: ${message}\n`),
  };
  if (settings.scaleMode === 'thin' && (settings.scale ?? 1) > 1) {
    throw new InputError(`--scale ${settings.scale}: --scale-mode thin can only lower the rate (scale <= 1); use compress`);
  }
  const mapping = options.map === undefined ? undefined : parseTargetMapping(options.map);

  let convert: () => Promise<ConvertStats>;
  if (fmt === 'azure-llm-2023') {
    if (mapping?.kind === 'hash') throw new InputError('--map: azure-llm-2023 maps by source (code=MODEL:PRIORITY,conv=MODEL:PRIORITY); hash: is for the Functions traces');
    let bytesPerToken: number | null | undefined;
    if (options.bytesPerToken === 'none') bytesPerToken = null;
    else if (options.bytesPerToken !== undefined) {
      const text = String(options.bytesPerToken).trim();
      bytesPerToken = text !== '' && Number(text) >= 0 ? Number(text) : NaN;
      if (!Number.isFinite(bytesPerToken)) throw new InputError(`--bytes-per-token: expected a number >= 0 or none, got "${options.bytesPerToken}"`);
    }
    convert = () => convertAzureLlm2023(inputs, out, { ...settings, mapping, bytesPerToken, tokens: options.tokens !== false });
  } else if (fmt === 'azure-functions-2019') {
    const spread = options.spread;
    if (spread !== undefined && spread !== 'uniform' && spread !== 'even') throw new InputError(`--spread: expected uniform or even, got "${spread}"`);
    const days = options.days;
    if (days !== undefined && days !== 'auto' && days !== 'name' && days !== 'order') throw new InputError(`--days: expected auto, name or order, got "${days}"`);
    convert = () => convertAzureFunctions2019(inputs, out, { ...settings, mapping, spread: spread as Spread | undefined, days: days as DayRule | undefined });
  } else {
    if (mapping?.kind === 'keyed') throw new InputError('--map: azure-functions-2021 has no trigger to map by; use hash:MODEL[+MODEL...][:high=SHARE][:batch=N]');
    convert = () => convertAzureFunctions2021(inputs, out, { ...settings, mapping, durations: options.durations !== false });
  }
  let stats: ConvertStats;
  try {
    stats = await convert();
  } finally {
    if (settings.onProgress !== undefined) process.stderr.write('\r\x1b[K');
  }
  process.stdout.write(options.json ? `${JSON.stringify({ format: fmt, out, ...stats }, null, 2)}\n` : `${conversionSummary(out, stats)}\n`);
  return stats;
}
