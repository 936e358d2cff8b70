import { InputError } from '../../sim/core/errors.ts';
import { POLICIES } from '../../sim/policy/registry.ts';
import { PREDICTORS } from '../../sim/predictor/registry.ts';
import { applyOverrides } from '../../scenarios/scenario-overrides.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';
import { describeResolvedLoad, resolveLoadBasis } from '../../scenarios/load-basis.ts';
import { capacityProgress } from './capacity-progress.ts';
import { formatRunReport } from './run-report.ts';

export interface RunCommandOptions {
  /** Comma-separated predictors evaluated alongside the scenario's own. */
  readonly comparePredictors?: string;
  readonly policy?: string;
  readonly predictor?: string;
  readonly seed?: number;
  readonly load?: number;
  readonly out?: string;
  readonly json?: boolean;
  /** Replace a finished run directory at --out (only its own files). */
  readonly force?: boolean;
}

export function checkName(flag: string, value: string | undefined, known: Iterable<string>): void {
  const names = [...known];
  if (value !== undefined && !names.includes(value)) {
    throw new InputError(`${flag}: expected one of ${names.join(', ')}, got "${value}"`);
  }
}

function defaultOutDir(name: string, policy: string, predictor: string, seed: number, load: number): string {
  return `runs/${name}-${policy}-${predictor}-seed${seed}-load${load}`;
}

/** Progress on stderr, only when it is a terminal (a pipe or CI log gets nothing). */
function progressReporter(total: number): ((arrivals: number, simulatedMs: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const started = Date.now();
  return (arrivals, simulatedMs) => {
    const share = total > 0 ? ` (${((100 * arrivals) / total).toFixed(0)}%)` : '';
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`\r${arrivals.toLocaleString('en-US')} requests${share}, ${(simulatedMs / 1000).toFixed(1)} s simulated, ${seconds} s elapsed `);
  };
}

/** `strait run`: one scenario, one policy, one seed; writes a run directory. */
export async function runCommand(scenarioArg: string | undefined, options: RunCommandOptions): Promise<void> {
  checkName('--policy', options.policy, POLICIES.keys());
  checkName('--predictor', options.predictor, PREDICTORS.keys());
  const shadowPredictors = options.comparePredictors === undefined ? [] : options.comparePredictors.split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const name of shadowPredictors) checkName('--compare-predictors', name, PREDICTORS.keys());
  const stated = applyOverrides(loadScenario(scenarioArg), options);
  // The simulator and the Arrow writer load only now: a bad flag or scenario is answered at start-up speed.
  const { runIntoDirectory } = await import('./run-into-directory.ts');
  const resolved = await resolveLoadBasis(stated, { onProbe: capacityProgress() });
  const scenario = resolved.scenario;
  const out =
    options.out ?? defaultOutDir(scenario.name, scenario.policy.name, scenario.predictor, scenario.seed, scenario.load);
  // The default place is strait's own, named after the run: running the same again replaces it.
  const replace = options.force === true || options.out === undefined;
  const stop = scenario.workload.stop;
  const { run, summary } = await runIntoDirectory(scenario, out, {
    shadowPredictors,
    directory: { replace },
    onProgress: progressReporter(stop.kind === 'requests' ? stop.count : 0),
    onSimulated: () => {
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    },
  });
  const loadNote = describeResolvedLoad(resolved);
  process.stdout.write(options.json ? JSON.stringify(summary, null, 2) + '\n' : (loadNote === undefined ? '' : `${loadNote}\n`) + formatRunReport(run) + '\n');
  process.stderr.write(`wrote ${out}/ (summary.json, requests.arrow, scenario.json, timing.json)\n`);
}
