/**
 * Cost per event as the cluster grows: `npm run bench`'s mix (records built in batches and
 * dropped, as `strait run` builds them for its writer) at 8
 * GPUs and at each --gpus N, the same requests per GPU but at least --min-requests a run
 * (so an 8-GPU run is long enough to time), runs alternated in one process (8, N, 8,
 * N, ...) after one warm-up run of each size. Cost is CPU time per event, so other work on a shared machine
 * counts less than in wall time. Prints each N's cost as a ratio to 8's, for each
 * policy of --policies in turn, and then the floor's: the minimal event loop of
 * scripts/floor-loop.ts (M/M/c, one binary heap, no per-server scan) with as many
 * servers as the mix has slots, so its heap holds as many events in flight. What the
 * floor's ratio grows by is the part no simulator can beat. Usage:
 *   npm run bench:gpus -- [--gpus 128,1024] [--requests-per-gpu N] [--pairs N]
 *                         [--policies fifo,edf,priority,preempt,strait,clockwork] [--floor true|false]
 *                         [--floor-requests-per-gpu N] [--min-requests N] [--load X]
 */
import { benchArgs } from './bench-args.ts';
import { runScenario } from '../scenarios/run-scenario.ts';
import { benchScenario } from './bench-scenario.ts';
import { floorMmc } from './floor-loop.ts';

const { values } = benchArgs('bench:gpus', {
  options: {
    gpus: { type: 'string', default: '128,1024' },
    'requests-per-gpu': { type: 'string', default: '12500' },
    pairs: { type: 'string', default: '5' },
    policies: { type: 'string', default: 'fifo,edf,priority,preempt,strait,clockwork' },
    // the old name of --policies, kept for earlier commands
    policy: { type: 'string' },
    floor: { type: 'string', default: 'true' },
    // the floor runs ten times faster per event: more requests keep its 8-GPU runs measurable
    'floor-requests-per-gpu': { type: 'string', default: '2500' },
    // a short 8-GPU run times mostly start-up and a cold JIT: 4,000 requests gave
    // 0.4-2.1 us/event across the pairs of one process
    'min-requests': { type: 'string', default: '100000' },
    // the mix's offered load (bench-scenario.ts); above 1, queues form on most GPUs
    load: { type: 'string', default: '0.85' },
  },
});
const policies = (values.policy ?? values.policies).split(',').filter((p) => p !== '');
const sizes = values.gpus.split(',').map(Number);
const perGpu = Number(values['requests-per-gpu']);
const pairs = Number(values.pairs);
const floorPerGpu = Number(values['floor-requests-per-gpu']);
const minRequests = Number(values['min-requests']);
const load = Number(values.load);
if (sizes.some((n) => !(Number.isInteger(n) && n >= 1)) || !(perGpu >= 1) || !(floorPerGpu >= 1) || !(minRequests >= 1) || !(load > 0) || !(pairs >= 1) || !['true', 'false'].includes(values.floor)) {
  console.error(`bench:gpus: --gpus takes whole numbers separated by commas, --requests-per-gpu, --floor-requests-per-gpu, --min-requests and --pairs whole numbers of at least 1, --load a positive number, --floor true or false`);
  process.exit(2);
}

/** Slots per GPU in the bench mix (bench-scenario.ts): the floor gets as many servers. */
const SLOTS_PER_GPU = 4;

/** CPU microseconds per event of one run at `gpus` GPUs. */
async function costPerEvent(policy: string, gpus: number, seed: number): Promise<number> {
  const scenario = benchScenario({ requests: Math.max(perGpu * gpus, minRequests), gpus, seed, policy, load });
  const before = process.cpuUsage();
  const run = await runScenario(scenario, { keepRecords: false });
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / run.result.events;
}

/** CPU microseconds per event of the floor loop with the slots of `gpus` GPUs as servers. */
async function floorCostPerEvent(gpus: number, seed: number): Promise<number> {
  const before = process.cpuUsage();
  // The floor runs about ten times faster per event: ten times the minimum keeps it timeable.
  const run = floorMmc({ requests: Math.max(floorPerGpu * gpus, 10 * minRequests), servers: SLOTS_PER_GPU * gpus, rho: 0.85, highShare: 0.25, serviceMs: 1, seed });
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / run.events;
}

/** Alternated pairs of 8 GPUs and n GPUs; prints each pair and the median ratio. */
async function compare(label: string, cost: (gpus: number, seed: number) => Promise<number>): Promise<void> {
  await cost(8, 1); // warm-up
  for (const n of sizes) {
    await cost(n, 1); // warm-up of this size's code paths and heap
    const ratios: number[] = [];
    for (let p = 0; p < pairs; p++) {
      const first = p % 2 === 0;
      const a = first ? await cost(8, p + 1) : 0;
      const b = await cost(n, p + 1);
      const base = first ? a : await cost(8, p + 1);
      ratios.push(b / base);
      console.log(`${n} GPUs pair ${p + 1}: 8 GPUs ${base.toFixed(3)} us/event, ${n} GPUs ${b.toFixed(3)} us/event, ratio ${(b / base).toFixed(3)}`);
    }
    const sorted = [...ratios].sort((x, y) => x - y);
    console.log(`${label}: ${n}/8 GPUs cost per event ${sorted[sorted.length >> 1].toFixed(3)} (min ${sorted[0].toFixed(3)}, max ${sorted[sorted.length - 1].toFixed(3)})`);
  }
}

for (const policy of policies) {
  console.log(`bench mix at load ${load}, ${perGpu.toLocaleString('en-US')} requests per GPU (at least ${minRequests.toLocaleString('en-US')}), policy ${policy}, ${pairs} alternated pairs per size`);
  await compare(policy, (gpus, seed) => costPerEvent(policy, gpus, seed));
}
if (values.floor === 'true') {
  console.log(`floor loop (M/M/c, ${SLOTS_PER_GPU} servers per GPU), ${floorPerGpu.toLocaleString('en-US')} requests per GPU (at least ${(10 * minRequests).toLocaleString('en-US')}), ${pairs} alternated pairs per size`);
  await compare('floor', floorCostPerEvent);
}
