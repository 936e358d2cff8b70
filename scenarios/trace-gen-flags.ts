// The flags of `strait trace gen`, apart from the generator so that the CLI can build its
// help without loading the workload planner (and the trace readers behind it).
import { ARRIVAL_PROCESS_KINDS } from '../traces/arrival-processes.ts';

/**
 * The flags of `strait trace gen`, for commander: `for (const f of TRACE_GEN_FLAGS)
 * command.option(f.flags, f.description)`, then hand the parsed options object (keys
 * in camelCase, values as strings) to parseTraceGenArgs (or traceGenCommand). Example:
 *
 *   strait trace gen --process gamma --cv 3 --rate 200 --duration-ms 60000 \
 *     --high-share 0.25 --models mobilenet_v2:1,resnet152:0.5 --slo-high 5 --slo-low 10 \
 *     --seed 1 --out t.csv
 */
export const TRACE_GEN_FLAGS: readonly { readonly flags: string; readonly description: string }[] = [
  { flags: '--out <file>', description: 'trace file to write (.csv or .arrow)' },
  { flags: '--process <kind>', description: `arrival process: ${ARRIVAL_PROCESS_KINDS.join(', ')} (default poisson)` },
  { flags: '--cv <x>', description: 'gamma: coefficient of variation of the gaps (1 = poisson, > 1 bursty, < 1 smooth, 0 even)' },
  { flags: '--burst-ratio <x>', description: 'mmpp: rate in a burst over the rate in calm (>= 1)' },
  { flags: '--burst-share <f>', description: 'mmpp: fraction of time in bursts (0 < f < 1)' },
  { flags: '--mean-burst-ms <ms>', description: 'mmpp: mean length of a burst' },
  { flags: '--period-ms <ms>', description: 'diurnal: period of the sinusoidal rate' },
  { flags: '--amplitude <a>', description: 'diurnal: relative swing of the rate, 0 to 1' },
  { flags: '--phase <radians>', description: 'diurnal: phase of the sinusoid at time 0 (default 0)' },
  { flags: '--scope <scope>', description: 'workload (default): one process for the whole trace, so it has the asked cv; stream: a process per model and class' },
  { flags: '--rate <per-sec>', description: 'total requests per second (default: the capacity rate of the scenario\'s cluster)' },
  { flags: '--load <x>', description: 'multiply the rate (default 1)' },
  { flags: '--duration-ms <ms>', description: 'length of the trace in ms (or --requests)' },
  { flags: '--requests <n>', description: 'number of requests (or --duration-ms)' },
  { flags: '--models <list>', description: 'models and weights, e.g. mobilenet_v2:1,resnet152:0.5 (default: the scenario\'s models, equal weights)' },
  { flags: '--high-share <f>', description: 'fraction of requests at high priority (default 0.25)' },
  { flags: '--slo-high <x>', description: 'high-priority deadline: x times solo latency (default 5)' },
  { flags: '--slo-low <x>', description: 'low-priority deadline: x times solo latency (default 10)' },
  { flags: '--deadline-high <ms>', description: 'high-priority deadline budget in ms, one or per model (model:ms,...), instead of --slo-high' },
  { flags: '--deadline-low <ms>', description: 'low-priority deadline budget in ms, one or per model (model:ms,...), instead of --slo-low' },
  { flags: '--batch-high <list>', description: 'high-priority batch sizes, e.g. 1,2,4 (default 1)' },
  { flags: '--batch-low <list>', description: 'low-priority batch sizes, e.g. 4,8,16 (default 1)' },
  { flags: '--seed <n>', description: 'random seed (default 1)' },
  { flags: '--scenario <name|file>', description: 'scenario whose models and cluster set solo latencies and capacity (default: the built-in default)' },
];
