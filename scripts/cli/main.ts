import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { bug, CheckFailure, EXIT, exitCodeOf, InputError } from '../../sim/core/errors.ts';
import { environmentFailure } from '../../sim/core/output-errors.ts';
import { TRACE_GEN_FLAGS } from '../../scenarios/trace-gen-flags.ts';
import { TRACE_CONVERT_HELP } from './trace-convert-help.ts';

// Commands load their modules on use: start-up then pays only for what runs
// (apache-arrow and the simulator are not needed to print help or reject a flag).
type Action = (...args: never[]) => unknown;
function lazy<M>(load: () => Promise<M>, pick: (module: M) => Action) {
  return async (...args: unknown[]): Promise<void> => {
    await (pick(await load().catch(missingPackage)) as (...a: unknown[]) => unknown)(...args);
  };
}

/** A command whose package is absent (the offline GPU bundle leaves out report rendering): one line, not a bug. */
function missingPackage(error: NodeJS.ErrnoException): never {
  const pkg = error.code === 'ERR_MODULE_NOT_FOUND' ? /Cannot find package '([^']+)'/.exec(error.message)?.[1] : undefined;
  if (pkg === undefined) throw error;
  throw new InputError(`this command needs the package ${pkg}, which this strait does not have (the offline GPU bundle leaves it out); run it from strait's repository after npm ci`);
}
const runCommand = lazy(() => import('./run-command.ts'), (m) => m.runCommand);
const listCommand = lazy(() => import('./list-command.ts'), (m) => m.listCommand);
const compareCommand = lazy(() => import('./compare-command.ts'), (m) => m.compareCommand);
const capacityCommand = lazy(() => import('./capacity-command.ts'), (m) => m.capacityCommand);
const sweepCommand = lazy(() => import('./sweep-command.ts'), (m) => m.sweepCommand);
const sweepMergeCommand = lazy(() => import('./sweep-merge-command.ts'), (m) => m.sweepMergeCommand);
const regressCommand = lazy(() => import('./regress-command.ts'), (m) => m.regressCommand);
const traceGenCommand = lazy(() => import('./trace-gen-command.ts'), (m) => m.traceGenCommand);
const traceConvertCommand = lazy(() => import('./trace-convert-command.ts'), (m) => m.traceConvertCommand);
const traceInspectCommand = lazy(() => import('./trace-inspect-command.ts'), (m) => m.traceInspectCommand);
const reportCommand = lazy(() => import('./report-command.ts'), (m) => m.reportCommand);
const replayCommand = lazy(() => import('./replay-command.ts'), (m) => m.replayCommand);
const calibrateCommand = lazy(() => import('./calibrate-command.ts'), (m) => m.calibrateCommand);
const campaignCommand = lazy(() => import('./campaign-command.ts'), (m) => m.campaignCommand);
const validateCommand = lazy(() => import('./validate-command.ts'), (m) => m.validateCommand);

function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function packageVersion(): string {
  // The offline GPU bundle has no package.json: scripts/bundle-gpu.mjs writes the version in.
  const bundled = process.env.STRAIT_BUNDLED_VERSION;
  if (bundled !== undefined) return bundled;
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export { EXIT };

function buildProgram(): Command {
  const program = new Command('strait')
    .description('Simulate and replay dual-priority GPU inference scheduling policies')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride();

  program
    .command('run')
    .description('simulate one scenario and write a run directory (no scenario: the built-in default)')
    .argument('[scenario]', 'scenario file or built-in scenario name')
    .option('--policy <name>', 'scheduling policy (see `strait list`)')
    .option('--predictor <name>', 'latency predictor (see `strait list`)')
    .option('--compare-predictors <list>', 'also evaluate these predictors on the same run, without steering it (e.g. solo,static)')
    .option('--seed <n>', 'random seed', nonNegativeInteger)
    .option('--load <x>', 'scale the arrival rate (with a capacity-based rate: fraction of capacity)', positiveNumber)
    .option('--out <dir>', 'run directory to write (default runs/<scenario>-<policy>-<predictor>-seed<n>-load<x>, replaced by the same run)')
    .option('--force', 'replace a finished run directory at --out (only if it holds nothing but a run\'s files)')
    .option('--json', 'print the summary as JSON instead of a table')
    .action(runCommand);

  const trace = program.command('trace').description('generate, convert and inspect request traces');
  const gen = trace.command('gen').description('write a synthetic dual-priority trace (CSV or Arrow by --out extension)');
  for (const flag of TRACE_GEN_FLAGS) gen.option(flag.flags, flag.description);
  gen.action(traceGenCommand);

  const convert = trace
    .command('convert')
    .description('convert a public dataset trace (Azure LLM 2023, Azure Functions 2019 / 2021) into a strait trace')
    .argument('<inputs...>', 'dataset files')
    .requiredOption('--format <format>', TRACE_CONVERT_HELP.format)
    .requiredOption('--out <file>', TRACE_CONVERT_HELP.out)
    .option('--window <start:end>', TRACE_CONVERT_HELP.window)
    .option('--scale <x>', TRACE_CONVERT_HELP.scale)
    .option('--scale-mode <mode>', TRACE_CONVERT_HELP.scaleMode)
    .option('--seed <n>', TRACE_CONVERT_HELP.seed)
    .option('--map <spec>', TRACE_CONVERT_HELP.map)
    .option('--deadline <rule>', TRACE_CONVERT_HELP.deadline)
    .option('--scenario <name|file>', TRACE_CONVERT_HELP.scenario)
    .option('--bytes-per-token <n>', TRACE_CONVERT_HELP.bytesPerToken)
    .option('--no-tokens', TRACE_CONVERT_HELP.noTokens)
    .option('--no-durations', TRACE_CONVERT_HELP.noDurations)
    .option('--spread <mode>', TRACE_CONVERT_HELP.spread)
    .option('--days <mode>', TRACE_CONVERT_HELP.days)
    .option('--json', TRACE_CONVERT_HELP.json);
  convert.action((inputs: string[], options: { format: string }) => traceConvertCommand(options.format, inputs, options));

  trace
    .command('inspect')
    .description('requests per class and model, duration, rate over time, inter-arrival variability')
    .argument('<file>', 'trace file (.csv or .arrow)')
    .action(traceInspectCommand);

  program
    .command('compare')
    .description('run several policies (and predictors) on one scenario over several seeds; mean ± spread per class')
    .argument('[scenario]', 'scenario file or built-in scenario name')
    .option('--policies <list>', 'comma-separated policies (default: all registered)')
    .option('--predictors <list>', "comma-separated predictors (default: the scenario's)")
    .option('--seeds <n>', 'number of seeds, from the scenario seed up (default 5)', positiveInteger)
    .option('--load <x>', 'scale the arrival rate', positiveNumber)
    .option('--loads <range|list>', 'compare at each of these loads (a:b:step or a comma-separated list)')
    .option('--tune', "also search each policy's knobs (concurrency, reserve, mode) over the same seeds and show its best setting beside the untuned one")
    .option('--no-floor', 'leave out the high-only row (the high class alone on the same cluster)')
    .option('--figures <dir>', 'write the figure set: violations per class against load (untuned, tuned, the floor) as .vl.json/.svg/.png, the tables as Markdown, index.html')
    .option('--out <file>', 'also write the comparison as JSON to this file (several loads: {scenario, loads, documents})')
    .option('--json', 'print JSON instead of a table')
    .action(compareCommand);

  program
    .command('capacity')
    .description('the highest arrival rate the cluster sustains (bisection on load under fifo), per concurrency: exclusive, best, and the nominal capacity')
    .argument('[scenario]', 'scenario file or built-in scenario name')
    .option('--seeds <n>', 'a load counts as sustained only on all of n seeds, from the scenario seed up (default 3)', positiveInteger)
    .option('--concurrencies <list>', 'comma-separated slots per GPU to measure (default: 1 up to the GPUs\' slots)')
    .option('--json', 'print JSON instead of a table')
    .action(capacityCommand);

  const sweep = program
    .command('sweep')
    .description('run a scenario over a grid of policies x predictors x loads x seeds on worker processes; a run directory per point and an index')
    .argument('[scenario]', 'scenario file or built-in scenario name')
    .option('--policies <list>', 'comma-separated policies (default: all registered)')
    .option('--predictors <list>', "comma-separated predictors (default: the scenario's)")
    .option('--loads <range|list>', "loads as a:b:step (inclusive) or a comma-separated list (default: the scenario's)")
    .option('--seeds <n|a:b|list>', 'N seeds from the scenario seed up, a range a:b, or a comma-separated list (default 5)')
    .option('--out <dir>', 'sweep directory to write (a restarted sweep skips the points already complete)')
    .option('--workers <n>', 'worker processes (default: one per core)', positiveInteger)
    .option('--shard <i/n>', 'run only the i-th (0-based) of n round-robin slices of the grid; join them with `strait sweep merge`')
    .action(sweepCommand);
  sweep
    .command('merge')
    .description('join the directories of a sharded sweep into one sweep directory')
    .argument('<out>', 'sweep directory to write (must not exist, or be empty)')
    .argument('<shards...>', 'shard directories, all of one grid')
    .option('--move', 'move the run directories out of the shards instead of copying them')
    .action((out: string, shards: string[], options: { move?: boolean }) => sweepMergeCommand(out, shards, options));

  program
    .command('regress')
    .description("compare a sweep's per-policy, per-class violation rates with a baseline; exit 1 if one is worse or missing")
    .argument('<sweeps...>', 'sweep directories (written by `strait sweep`)')
    .requiredOption('--baseline <file>', 'baseline file (JSON)')
    .option('--tolerance <pp>', 'percentage points a rate may exceed its baseline by (default 1.0)', nonNegativeNumber)
    .option('--update', 'rewrite the baseline from the sweeps instead of checking')
    .action((sweeps: string[], options: object) => regressCommand(sweeps, options));

  program
    .command('replay')
    .description("replay a scenario's trace on real workers (TensorFlow.js or PyTorch) in wall-clock time, driving the same policy objects")
    .argument('[scenario]', 'scenario file or built-in scenario name (e.g. replay-cpu)')
    .option('--out <dir>', 'replay directory to write (default runs/replay-<scenario>-<policy>-seed<n>-load<x>, replaced by the same replay)')
    .option('--force', 'replace a finished replay directory at --out (only if it holds nothing but a replay\'s files)')
    .option('--backend <name>', 'auto, node-gpu, node, wasm, cpu (TensorFlow.js; auto: the first that loads) or torch (a Python worker; default auto)')
    .option('--device <name>', 'torch: cuda or cpu (default cuda)')
    .option('--sharing <mode>', "how a device's workers share it: processes, mps (torch, CUDA) or streams (torch); default: the scenario's law (time-sliced: processes, spatial: streams)")
    .option('--stream-priority', 'torch on CUDA: run the high class on high-priority CUDA streams')
    .option('--python <path>', 'torch: the Python interpreter that imports torch (default: $STRAIT_PYTHON, else python3 on PATH, /usr/bin/python3, /usr/local/bin/python3)')
    .option('--time-scale <x>', 'stretch the trace: arrival t ms is replayed at t * x (default 1)', positiveNumber)
    .option('--warmup <n>', 'warm-up passes per worker over the model/batch pairs before the trace, then 5 measured probe passes; none recorded (default 3)', nonNegativeInteger)
    .option('--pin <mode>', 'auto: pin each device and the dispatcher to CPU cores with taskset (CPU backends); none', 'auto')
    .option('--requests <n>', 'replay only the first n arrivals', positiveInteger)
    .option('--policy <name>', 'scheduling policy (see `strait list`)')
    .option('--predictor <name>', 'latency predictor (see `strait list`)')
    .option('--seed <n>', 'random seed (trace and model weights)', nonNegativeInteger)
    .option('--load <x>', 'scale the arrival rate', positiveNumber)
    .option('--json', 'print JSON instead of tables')
    .action(replayCommand);

  program
    .command('campaign')
    .description('record a validation campaign: each configuration of a plan replayed R times in a randomized interleaved order, with speed probes before and after each replay')
    .argument('<plan>', 'campaign plan (JSON: configurations of scenario, policy, seed, load and role calibration|heldout; replicates; probeThreshold; backend options)')
    .requiredOption('--out <dir>', 'campaign directory to write (campaign.json, replays/<configuration>/r<k>/)')
    .option('--force', 'replace an earlier campaign in --out')
    .action((plan: string, options: object) => campaignCommand(plan, options));

  program
    .command('calibrate')
    .description('fit solo times, the sharing model and link parameters from replay directories into a calibration profile')
    .argument('<replays...>', 'directories written by `strait replay`, or a campaign directory (`strait campaign`: its calibration-role replays)')
    .option('--out <file>', 'calibration profile to write (JSON)')
    .option('--accept-poor-fit', 'write the profile even when the fit is refused (busy device, a parameter at its bound, a law that explains little); the problems are still printed and recorded')
    .option('--json', 'print the fit as JSON')
    .action((dirs: string[], options: object) => calibrateCommand(dirs, options));

  program
    .command('validate')
    .description("simulate a replay's trace with a calibration profile; per model and class, the simulator's error against the replay")
    .option('--replay <dir>', 'a directory written by `strait replay` (ideally not one the profile was fitted on)')
    .option('--campaign <dir>', 'a directory written by `strait campaign`: per configuration, model, class and metric the noise floor N, the error E with its bootstrap interval and a PASS/FAIL/INCONCLUSIVE verdict; then the trends')
    .option('--profile <file>', 'calibration profile written by `strait calibrate`')
    .option('--against <file>', '--campaign: a second profile (e.g. interference switched off): validated too, and whether the replays tell the two apart where their predictions differ')
    .option('--out <file>', 'also write the comparison as JSON')
    .option('--json', 'print JSON instead of tables')
    .option('--check', 'exit 1 when an error is beyond the bounds (10% mean, 20% p99, 3 pp violations); with --campaign, on a FAIL, or with --against when the replays do not favour the profile')
    .option('--resamples <n>', '--campaign: bootstrap resamples (default 1000)', positiveInteger)
    .option('--seed <n>', '--campaign: seed of the bootstrap (default 1)', nonNegativeInteger)
    .option('--rescale', "scale the profile's solo times by the replay's device speed: its clean solo executions against the calibration replays'")
    .option('--sim-seeds <n>', 'simulations pooled, each with its own variability seed', positiveInteger, 8)
    .action(validateCommand);

  program
    .command('report')
    .description('figures (Vega-Lite spec, SVG, PNG) and one self-contained index.html from a run directory, a sweep directory or a campaign validation')
    .argument('<dir>', 'a run directory (summary.json, requests.arrow), a sweep directory (sweep.json, runs/) or a validation file (strait validate --campaign DIR --out FILE)')
    .requiredOption('--out <dir>', 'report directory to write (an earlier report there is replaced, if it holds nothing but a report\'s files)')
    .option('--run <name>', "sweep only: the run under runs/ whose per-run figures are shown (default: highest load, strait/adaptive if swept, lowest seed)")
    .action(reportCommand);

  program.command('list').description('list policies, predictors, built-in scenarios and models').action(listCommand);
  return program;
}

/**
 * Runs the CLI; returns the exit code: 0 success (--help and --version included),
 * 1 a check failed, 2 usage or input error, 3 internal error (a bug). Bad input is
 * one line on stderr, never a stack trace.
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    // Fault injection for the test of the internal-error exit code (not a user option).
    if (process.env.STRAIT_FAULT === 'internal') bug('fault injected by STRAIT_FAULT=internal');
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    // Commander has printed its own line ("error: unknown option '--x'") or the help.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const input = error instanceof InputError ? error : environmentFailure(error);
    if (input !== undefined) {
      process.stderr.write(`strait: ${input.message}\n`);
      return exitCodeOf(input);
    }
    if (error instanceof CheckFailure) {
      process.stderr.write(`strait: ${error.message}\n`);
      return exitCodeOf(error);
    }
    process.stderr.write(`strait: internal error: ${(error as Error).message}\n`);
    if (process.env.STRAIT_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    else process.stderr.write('(set STRAIT_DEBUG=1 for the stack trace; this is a bug, please report it)\n');
    return EXIT.internal;
  }
}

process.exitCode = await main(process.argv.slice(2));
