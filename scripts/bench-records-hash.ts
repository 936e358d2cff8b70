/**
 * A byte-identity check for large clusters: runs the benchmark mix (bench-scenario.ts)
 * at each --gpus size for every policy (and, for the predictor-driven ones, every
 * predictor), and prints a SHA-256 of each run's record columns and summary. The
 * reference runs of /tmp/refcmp.sh have 2-4 GPUs; a change to how a policy picks among
 * hundreds of GPUs is checked by diffing this output before and after. Usage:
 *   npx tsx scripts/bench-records-hash.ts [--gpus 128,1024] [--requests-per-gpu 200] [--loads 0.85,1.4]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { runScenario } from '../scenarios/run-scenario.ts';
import { benchScenario } from './bench-scenario.ts';

const { values } = parseArgs({
  options: {
    gpus: { type: 'string', default: '128,1024' },
    'requests-per-gpu': { type: 'string', default: '200' },
    policies: { type: 'string', default: 'fifo,edf,priority,preempt,strait,clockwork' },
    // below and above capacity: queues and drops only show in the second
    loads: { type: 'string', default: '0.85,1.4' },
  },
});
const sizes = values.gpus.split(',').map(Number);
const perGpu = Number(values['requests-per-gpu']);
const PREDICTED = new Set(['strait', 'clockwork']);

/** One run's record columns and summary, hashed. */
async function hashRun(gpus: number, load: number, policy: string, predictor: string): Promise<string> {
  const run = await runScenario(benchScenario({ requests: perGpu * gpus, gpus, policy, predictor, load }));
  const hash = createHash('sha256');
  for (const [name, column] of Object.entries(run.records)) {
    if (typeof column !== 'object' || column === null || !('data' in column)) continue;
    const { data, length } = column as { data: Float64Array | Int32Array; length: number };
    hash.update(name);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, length * data.BYTES_PER_ELEMENT));
  }
  hash.update(JSON.stringify(run.records.models));
  hash.update(JSON.stringify(run.summary));
  return `${run.records.length} records, ${run.result.events} events, ${hash.digest('hex').slice(0, 16)}`;
}

for (const gpus of sizes) {
  for (const load of values.loads.split(',').map(Number)) {
    for (const policy of values.policies.split(',')) {
      for (const predictor of PREDICTED.has(policy) ? ['solo', 'static', 'adaptive'] : ['solo']) {
        console.log(`${gpus} GPUs load ${load} ${policy}/${predictor}: ${await hashRun(gpus, load, policy, predictor)}`);
      }
    }
  }
}
