// The formats and one-line help of `strait trace convert`, apart from the command so that
// the CLI can build its help without loading the converters (and csv-parse with them).
import {
  AZURE_FUNCTIONS_2019_DEFAULT_MAP,
  AZURE_FUNCTIONS_2021_DEFAULT_MAP,
  AZURE_LLM_2023_DEFAULT_MAP,
  DEFAULT_BYTES_PER_TOKEN,
} from '../../traces/converters/converter-defaults.ts';

export const TRACE_CONVERT_FORMATS = ['azure-llm-2023', 'azure-functions-2019', 'azure-functions-2021'] as const;
export type TraceConvertFormat = (typeof TRACE_CONVERT_FORMATS)[number];

/** One-line help for each option, for wiring the command into the CLI. */
export const TRACE_CONVERT_HELP = {
  format: `dataset format: ${TRACE_CONVERT_FORMATS.join(', ')}`,
  out: 'trace to write: .csv or .arrow (.feather, .ipc)',
  window: 'trace time to keep, START:END, ms or with a unit (0:3600000, 1h:2h, 30m:)',
  scale: 'rate multiplier (default 1): below 1 thins, above 1 compresses time (see --scale-mode)',
  scaleMode: 'auto | thin (keep each arrival with probability scale) | compress (times / scale)',
  seed: 'random seed for thinning and spreading within a minute (default 1)',
  map:
    `requests to MODEL:PRIORITY[:BATCH]: KEY=TARGET,... by LLM source (default ${AZURE_LLM_2023_DEFAULT_MAP}) ` +
    `or by 2019 trigger (default ${AZURE_FUNCTIONS_2019_DEFAULT_MAP}; * = the rest, TARGET skip = leave out), ` +
    `or hash:MODEL+MODEL...[:high=SHARE][:batch=N] for 2019 and 2021 (default ${AZURE_FUNCTIONS_2021_DEFAULT_MAP})`,
  deadline: 'RULE or high=RULE,low=RULE; RULE is Nx (N x solo latency) or a duration (50ms); default high=5x,low=10x',
  scenario: 'scenario whose cluster and models give solo latencies (default: the built-in default)',
  bytesPerToken: `azure-llm-2023: bytes per token for input/output bytes, or none (default ${DEFAULT_BYTES_PER_TOKEN})`,
  noTokens: 'azure-llm-2023: leave out input_tokens and output_tokens (every request then takes its model\'s solo time at the batch)',
  noDurations: 'azure-functions-2021: leave out duration_ms, the measured duration (every request then takes its model\'s solo time)',
  spread: 'azure-functions-2019: uniform or even arrivals within each minute (default uniform)',
  days: 'azure-functions-2019: day of each file from its name (d01 = first day), its position (order), or auto',
  json: 'print the counts as JSON',
} as const;
