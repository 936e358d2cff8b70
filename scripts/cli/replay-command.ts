import { CheckFailure } from '../../sim/core/errors.ts';
import { POLICIES } from '../../sim/policy/registry.ts';
import { PREDICTORS } from '../../sim/predictor/registry.ts';
import { applyOverrides } from '../../scenarios/run-scenario.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';
import { requireNominalLoad } from '../../scenarios/load-basis.ts';
import { interferenceRows } from '../../replay/interference.ts';
import { planBackend, withSharingDaemon } from '../../replay/plan-backend.ts';
import { checkReplayable, replayIntoDirectory, scenarioForReplay, type ReplayMeta } from '../../replay/run-replay.ts';
import { backendName, parseWorkerBackend } from '../../replay/worker-launch.ts';
import { hostLoadWarning } from '../../replay/host-load.ts';
import { fixed, table } from './format.ts';
import { formatRunReport } from './run-report.ts';
import { checkName } from './run-command.ts';

export interface ReplayCommandOptions {
  readonly out?: string;
  readonly backend?: string;
  readonly device?: string;
  readonly sharing?: string;
  readonly streamPriority?: boolean;
  readonly python?: string;
  readonly timeScale?: number;
  readonly warmup?: number;
  readonly pin?: string;
  readonly requests?: number;
  readonly policy?: string;
  readonly predictor?: string;
  readonly seed?: number;
  readonly load?: number;
  readonly json?: boolean;
  /** Replace a finished replay directory at --out. */
  readonly force?: boolean;
}

/** Progress on stderr: a rewritten line on a terminal, a line per tenth otherwise. */
function progressReporter(): (left: number, total: number, elapsedMs: number) => void {
  let lastTenth = -1;
  return (left, total, elapsedMs) => {
    const done = total - left;
    const text = `replayed ${done}/${total} arrivals, ${(elapsedMs / 1000).toFixed(1)} s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${text} `);
    else {
      const tenth = Math.floor((10 * done) / total);
      if (tenth !== lastTenth) process.stderr.write(`${text}\n`);
      lastTenth = tenth;
    }
  };
}

/** The first line of the report: what ran the requests, and how they shared the device. */
function backendLine(meta: ReplayMeta): string {
  const runtime = meta.python !== undefined ? `python ${meta.python.executable}, torch ${meta.python.torch}` : `tfjs ${meta.tfjsVersion}`;
  return `backend ${meta.backend} on ${meta.device} (${runtime}); ${meta.pinning}; time scale ${meta.timeScale}\nsharing: ${meta.sharing.mode}: ${meta.sharing.description}`;
}

/** `strait replay`: a scenario's trace on real workers (TensorFlow.js or torch), in wall-clock time. */
export async function replayCommand(scenarioArg: string | undefined, options: ReplayCommandOptions): Promise<void> {
  parseWorkerBackend(options.backend ?? 'auto');
  checkName('--policy', options.policy, POLICIES.keys());
  checkName('--predictor', options.predictor, PREDICTORS.keys());
  checkName('--pin', options.pin, ['auto', 'none']);
  const loaded = applyOverrides(loadScenario(scenarioArg), options);
  requireNominalLoad(loaded, 'strait replay');
  const out = options.out ?? `runs/replay-${loaded.name}-${loaded.policy.name}-seed${loaded.seed}-load${loaded.load}`;
  checkReplayable(loaded);
  const planned = planBackend(options, loaded);
  const scenario = scenarioForReplay(loaded, planned);
  const devices = scenario.cluster.gpus;
  const where = planned.kind === 'torch' ? ` on ${planned.device}, sharing ${planned.sharing}, python ${planned.python.path} (${planned.python.chosenBy}, torch ${planned.python.torch})` : '';
  process.stderr.write(
    `replay ${scenario.name}: ${devices.length} device(s), ${devices.reduce((n, g) => n + g.maxConcurrency, 0)} worker(s), backend ${backendName(planned)}${where}; starting workers and warming up\n`,
  );
  const { run, meta, colocation } = await withSharingDaemon(planned, (backend) => replayIntoDirectory(scenario, out, {
    backend,
    timeScale: options.timeScale ?? 1,
    warmupRuns: options.warmup ?? 3,
    pin: (options.pin ?? 'auto') === 'auto',
    requests: options.requests,
    // The default place is strait's own, named after the replay: the same replay again replaces it.
    replace: options.force === true || options.out === undefined,
    onProgress: progressReporter(),
    // Fault injection for the tests of a worker dying mid-replay (not a user option).
    crashAfterRuns: process.env.STRAIT_REPLAY_CRASH_AFTER !== undefined ? Number(process.env.STRAIT_REPLAY_CRASH_AFTER) : undefined,
  }));
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const rows = interferenceRows(run.records, colocation);
  if (options.json) {
    process.stdout.write(JSON.stringify({ replay: meta, summary: run.summary, interference: rows }, null, 2) + '\n');
  } else {
    const lines = [
      backendLine(meta),
      formatRunReport(run),
      '',
      'execution alone vs sharing the device (at least half the time):',
      table(
        ['model', 'batch', 'alone n', 'alone ms', 'shared n', 'shared ms', 'slowdown'],
        rows.map((r) => [r.model, String(r.batch), String(r.soloCount), fixed(r.soloMeanMs), String(r.sharedCount), fixed(r.sharedMeanMs), `${fixed(r.slowdown)}x`]),
      ),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  process.stderr.write(`wrote ${out}/ (requests.arrow, summary.json, scenario.json, replay.json)\n`);
  const busy = hostLoadWarning(meta.hostLoad, meta.host.cores);
  if (busy !== undefined) process.stderr.write(`${busy}\n`);
  if (meta.failure !== undefined) {
    const f = meta.failure;
    throw new CheckFailure(
      `${f.message}: lost request${f.lost.length === 1 ? '' : 's'} ${f.lost.join(', ') || '(none in flight on it)'}; ${f.notReplayed} not replayed; the ${run.records.length} records it has are in ${out}/requests.arrow`,
    );
  }
}
