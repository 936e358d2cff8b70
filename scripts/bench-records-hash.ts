/**
 * A byte-identity check for large clusters: runs the benchmark mix (bench-scenario.ts)
 * at each --gpus size for every policy (and, for the predictor-driven ones, every
 * predictor), and prints a SHA-256 of each run's record columns and summary. The
 * reference runs (scripts/README.md) have 2-4 GPUs; a change to how a policy picks among
 * hundreds of GPUs is checked by diffing this output before and after. Usage:
 *   npx tsx scripts/bench-records-hash.ts [--gpus 128,1024] [--requests-per-gpu 200] [--loads 0.85,1.4]
 */
import { createHash } from 'node:crypto';
import { RecordColumn } from '../sim/metrics/request-records.ts';
import { benchArgs } from './bench-args.ts';
import { runScenario } from '../scenarios/run-scenario.ts';
import { parseScenario } from '../scenarios/parse-scenario.ts';
import { benchScenarioJson } from './bench-scenario.ts';

const { values } = benchArgs('bench-records-hash', {
  options: {
    gpus: { type: 'string', default: '128,1024' },
    'requests-per-gpu': { type: 'string', default: '200' },
    policies: { type: 'string', default: 'fifo,edf,priority,preempt,strait,clockwork' },
    // below and above capacity: queues and drops only show in the second
    loads: { type: 'string', default: '0.85,1.4' },
    // uniform: the bench cluster; mixed: GPUs of several kinds (slots, link speed,
    // models hosted), so a policy choosing among kinds of GPUs is checked too
    clusters: { type: 'string', default: 'uniform,mixed' },
  },
});
const sizes = values.gpus.split(',').map(Number);
const perGpu = Number(values['requests-per-gpu']);
const PREDICTED = new Set(['strait', 'clockwork']);

/** The bench cluster with, on each host, GPUs that differ in slots, link speed and models hosted. */
function mixed(json: Record<string, unknown>): Record<string, unknown> {
  const cluster = json.cluster as { hosts: { gpus: number }[] };
  const hosts = cluster.hosts.map((host, h) => ({
    ...host,
    gpus: Array.from({ length: host.gpus }, (_, i) => ({
      maxConcurrency: [4, 2, 3, 4][i % 4],
      link: { h2dGBps: h % 2 === 0 ? 12 : 6, d2hGBps: 12, setupMs: 0.01 },
      ...(i === 2 ? { models: ['mobilenet_v2', 'bert_base', 'mlp'] } : i === 3 ? { models: ['resnet152', 'mlp'] } : {}),
    })),
  }));
  return { ...json, cluster: { ...json.cluster as object, hosts } };
}

/** One run's record columns and summary, hashed. */
async function hashRun(gpus: number, cluster: string, load: number, policy: string, predictor: string): Promise<string> {
  const json = benchScenarioJson({ requests: perGpu * gpus, gpus, policy, predictor, load });
  const run = await runScenario(parseScenario(cluster === 'mixed' ? mixed(json) : json, 'bench', 'bench'));
  const hash = createHash('sha256');
  // view(), not the backing array: rows still staged reach the columns only when viewed.
  for (const [name, column] of Object.entries(run.records)) {
    if (!(column instanceof RecordColumn)) continue;
    const data = column.view();
    hash.update(name);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  hash.update(JSON.stringify(run.records.models));
  hash.update(JSON.stringify(run.summary));
  return `${run.records.length} records, ${run.result.events} events, ${hash.digest('hex').slice(0, 16)}`;
}

for (const gpus of sizes) {
  for (const cluster of values.clusters.split(',')) {
    for (const load of values.loads.split(',').map(Number)) {
      for (const policy of values.policies.split(',')) {
        for (const predictor of PREDICTED.has(policy) ? ['solo', 'static', 'adaptive'] : ['solo']) {
          console.log(`${gpus} GPUs ${cluster} load ${load} ${policy}/${predictor}: ${await hashRun(gpus, cluster, load, policy, predictor)}`);
        }
      }
    }
  }
}
