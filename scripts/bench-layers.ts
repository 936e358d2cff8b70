/**
 * Where strait's time goes on bench:floor's M/M/c model, layer by layer, against the
 * floor in one process. Each round runs the floor loop and four strait variants, in
 * alternated order (forward, then backward, ...), each after one warm-up run:
 *   strait      the `priority` policy and a RunRecorder (bench:floor's strait side)
 *   no records  the same with a sink that keeps nothing (no records, no summary)
 *   direct      DirectPriorityPolicy (same decisions, no general queue machinery) and a RunRecorder
 *   core        DirectPriorityPolicy and no records: the engine, arrivals, decision
 *               applier, request life, GPU executor, PCIe fabric and solo predictor
 * Prints each variant's events per second as a ratio of the floor's, and the cost per
 * request of the records and of the policy machinery (a difference within each round,
 * so a drift of the machine between rounds does not enter). The last line,
 * `core/floor ratio R (min A, max B)`, is the most any change outside the core can
 * bring strait to. Usage:
 *   npm run bench:layers -- [--requests N] [--gpus N] [--rounds N]
 */
import { benchArgs, wholeNumbers } from './bench-args.ts';
import { median, medianMinMax } from './bench-stats.ts';
import { straitMmc, MMC_HIGH_SHARE, MMC_RHO, MMC_SERVICE_MS, type MmcRun } from './bench-mmc.ts';
import { DirectPriorityPolicy } from './direct-priority-policy.ts';
import { floorMmc } from './floor-loop.ts';

const { values } = benchArgs('bench:layers', {
  options: {
    requests: { type: 'string', default: '1000000' },
    gpus: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '5' },
  },
});
const { requests, gpus, rounds } = wholeNumbers('bench:layers', values, ['requests', 'gpus', 'rounds']);

const noRecords = { record(): void {} };
const VARIANTS: Record<string, (seed: number) => MmcRun> = {
  floor: (seed) => floorMmc({ requests, servers: gpus, rho: MMC_RHO, highShare: MMC_HIGH_SHARE, serviceMs: MMC_SERVICE_MS, seed }),
  strait: (seed) => straitMmc({ requests, gpus, seed }),
  'no records': (seed) => straitMmc({ requests, gpus, seed, sink: noRecords }),
  direct: (seed) => straitMmc({ requests, gpus, seed, policy: new DirectPriorityPolicy(gpus) }),
  core: (seed) => straitMmc({ requests, gpus, seed, policy: new DirectPriorityPolicy(gpus), sink: noRecords }),
};
const names = Object.keys(VARIANTS);
/** Nanoseconds of wall time per request of one run. */
const nsPerRequest = (run: MmcRun) => (run.seconds * 1e9) / requests;

console.log(`M/M/${gpus}: ${requests.toLocaleString('en-US')} requests, ${rounds} rounds of ${names.join(', ')}`);
for (const name of names) VARIANTS[name](1); // warm-up
const ns: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? names : [...names].reverse();
  const costs: Record<string, number> = {};
  for (const name of order) {
    costs[name] = nsPerRequest(VARIANTS[name](r + 1));
    ns[name].push(costs[name]);
  }
  console.log(`round ${r + 1}: ` + names.map((name) => `${name} ${costs[name].toFixed(0)}`).join(', ') + ' ns/request');
}
// Events per request are the same (two) on every side, so a ratio of events per second is a ratio of ns per request.
const ratioToFloor = (name: string) => ns[name].map((cost, r) => ns.floor[r] / cost);
const difference = (a: string, b: string) => ns[a].map((cost, r) => cost - ns[b][r]);
const spread = (xs: number[]) => `${median(xs).toFixed(0)} (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
console.log(`records and summary: ${spread(difference('strait', 'no records'))} ns/request (strait less no records)`);
console.log(`policy machinery: ${spread(difference('strait', 'direct'))} ns/request (strait less direct)`);
console.log(`core: ${spread(ns.core)} ns/request; floor: ${spread(ns.floor)} ns/request`);
for (const name of names.slice(1, -1)) console.log(`${name}/floor ratio ${medianMinMax(ratioToFloor(name))}`);
console.log(`core/floor ratio ${medianMinMax(ratioToFloor('core'))}`);
