/**
 * Simulator throughput benchmark: large runs (three by default), each timed end to
 * end inside the process. Reports events per second, cost per event and per request
 * of the median run, and peak resident memory. Usage:
 *   npm run bench -- [--requests N] [--gpus N] [--policy P] [--predictor Q] [--load X] [--seed N] [--records file|memory] [--repeat N]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.ts';
import { benchScenario } from './bench-scenario.ts';
import { runScenario } from '../scenarios/run-scenario.ts';
import type { Scenario } from '../scenarios/scenario.ts';

const { values } = benchArgs('bench', {
  options: {
    requests: { type: 'string', default: '1000000' },
    gpus: { type: 'string', default: '8' },
    policy: { type: 'string', default: 'fifo' },
    predictor: { type: 'string', default: 'solo' },
    load: { type: 'string', default: '0.85' },
    seed: { type: 'string', default: '1' },
    // file: stream requests.arrow to disk as `strait run` does; memory: keep the
    // records in memory columns (the simulator and its bookkeeping, without Arrow I/O)
    records: { type: 'string', default: 'file' },
    // Runs timed one after another in this process, each from a fresh scenario and
    // simulator; the report gives every run and the median one. One run alone moves
    // by up to 50% with the hour on a shared VM.
    repeat: { type: 'string', default: '3' },
  },
});

const gpus = Number(values.gpus);
const requests = Number(values.requests);
const repeat = Number(values.repeat);
if (!(Number.isInteger(repeat) && repeat >= 1)) {
  console.error(`bench: --repeat must be a whole number of at least 1, got ${values.repeat}`);
  process.exit(2);
}
const toFile = values.records !== 'memory';

interface Timing {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly events: number;
  readonly recordsBytes: number;
  readonly simulatedMs: number;
  readonly gpuUtilization: number;
}

function makeScenario(): Scenario {
  return benchScenario({
    requests,
    gpus,
    policy: values.policy,
    predictor: values.predictor,
    load: Number(values.load),
    seed: Number(values.seed),
  });
}

/** One whole run, a fresh scenario and simulator, timed inside this process. */
async function timeOneRun(): Promise<Timing> {
  const scenario = makeScenario();
  // Records stream to a scratch file, as `strait run` does, so the figures include
  // writing requests.arrow.
  const scratch = mkdtempSync(join(tmpdir(), 'strait-bench-'));
  try {
    const cpuBefore = process.cpuUsage();
    const run = await runScenario(scenario, toFile ? { recordsPath: join(scratch, 'requests.arrow') } : {});
    const cpu = process.cpuUsage(cpuBefore);
    return {
      seconds: run.wallMs / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      events: run.result.events,
      recordsBytes: toFile ? statSync(join(scratch, 'requests.arrow')).size : 0,
      simulatedMs: run.result.simulatedMs,
      gpuUtilization: run.summary.overall.gpuUtilization,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const hosts = makeScenario().cluster.hosts.length;
const header = `scenario: ${requests.toLocaleString('en-US')} requests, ${gpus} GPUs on ${hosts} hosts, policy ${values.policy}, predictor ${values.predictor}, load ${values.load}`;
console.log(header);
const timings: Timing[] = [];
for (let r = 0; r < repeat; r++) {
  const t = await timeOneRun();
  timings.push(t);
  if (repeat > 1) {
    console.log(`run ${r + 1} of ${repeat}: ${t.seconds.toFixed(2)} s, ${Math.round(t.events / t.seconds).toLocaleString('en-US')} events per second`);
  }
}

/** The median run by wall time (the slower middle one for an even count). */
const byWall = [...timings].sort((a, b) => a.seconds - b.seconds);
const median = byWall[byWall.length >> 1];
const fastest = byWall[0];
const slowest = byWall[byWall.length - 1];
const rate = (t: Timing) => Math.round(t.events / t.seconds).toLocaleString('en-US');
const of = repeat > 1 ? `; median of ${repeat} runs, range ${rate(slowest)} to ${rate(fastest)}` : '';
const peakRssMiB = process.resourceUsage().maxRSS / 1024;
const lines = [
  `wall time:         ${median.seconds.toFixed(2)} s (simulation, summary, and ${toFile ? `${(median.recordsBytes / 2 ** 20).toFixed(0)} MiB of records written` : 'records kept in memory'}; excludes start-up)`,
  `events:            ${median.events.toLocaleString('en-US')} (${(median.events / requests).toFixed(2)} per request)`,
  `events per second: ${rate(median)} (wall${of}), ${Math.round(median.events / median.cpuSeconds).toLocaleString('en-US')} per CPU-second (${median.cpuSeconds.toFixed(2)} s CPU)`,
  `cost per event:    ${((median.seconds * 1e6) / median.events).toFixed(3)} us`,
  `cost per request:  ${((median.seconds * 1e6) / requests).toFixed(3)} us`,
  `simulated time:    ${(median.simulatedMs / 1000).toFixed(1)} s`,
  `GPU utilization:   ${(100 * median.gpuUtilization).toFixed(1)}%`,
  `peak RSS:          ${peakRssMiB.toFixed(0)} MiB${repeat > 1 ? ' (the process, over all runs)' : ''}`,
];
console.log(lines.join('\n'));
