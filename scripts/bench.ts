/**
 * Simulator throughput benchmark: one large run, timed end to end inside the
 * process. Reports events per second, cost per event and per request, and peak
 * resident memory. Usage:
 *   npm run bench -- [--requests N] [--gpus N] [--policy P] [--predictor Q] [--load X] [--seed N] [--records file|memory]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchScenario } from './bench-scenario.ts';
import { runScenario } from '../sim/run-scenario.ts';

const { values } = parseArgs({
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
  },
});

const gpus = Number(values.gpus);
const requests = Number(values.requests);
const scenario = benchScenario({
  requests,
  gpus,
  policy: values.policy,
  predictor: values.predictor,
  load: Number(values.load),
  seed: Number(values.seed),
});
const hosts = scenario.cluster.hosts;

// Records stream to a scratch file, as `strait run` does, so the figures include
// writing requests.arrow.
const scratch = mkdtempSync(join(tmpdir(), 'strait-bench-'));
const cpuBefore = process.cpuUsage();
const toFile = values.records !== 'memory';
const run = await runScenario(scenario, toFile ? { recordsPath: join(scratch, 'requests.arrow') } : {});
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const recordsBytes = toFile ? statSync(join(scratch, 'requests.arrow')).size : 0;
rmSync(scratch, { recursive: true, force: true });
const seconds = run.wallMs / 1000;
const { events } = run.result;
const peakRssMiB = process.resourceUsage().maxRSS / 1024;
const lines = [
  `scenario: ${requests.toLocaleString('en-US')} requests, ${gpus} GPUs on ${hosts.length} hosts, policy ${values.policy}, predictor ${values.predictor}, load ${values.load}`,
  `wall time:         ${seconds.toFixed(2)} s (simulation, summary, and ${toFile ? `${(recordsBytes / 2 ** 20).toFixed(0)} MiB of records written` : 'records kept in memory'}; excludes start-up)`,
  `events:            ${events.toLocaleString('en-US')} (${(events / requests).toFixed(2)} per request)`,
  `events per second: ${Math.round(events / seconds).toLocaleString('en-US')} (wall), ${Math.round(events / cpuSeconds).toLocaleString('en-US')} per CPU-second (${cpuSeconds.toFixed(2)} s CPU)`,
  `cost per event:    ${((run.wallMs * 1e3) / events).toFixed(3)} us`,
  `cost per request:  ${((run.wallMs * 1e3) / requests).toFixed(3)} us`,
  `simulated time:    ${(run.result.simulatedMs / 1000).toFixed(1)} s`,
  `GPU utilization:   ${(100 * run.summary.overall.gpuUtilization).toFixed(1)}%`,
  `peak RSS:          ${peakRssMiB.toFixed(0)} MiB`,
];
console.log(lines.join('\n'));
