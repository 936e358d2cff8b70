/**
 * What allocation costs strait's bench mix in wall time: the same run with and without
 * extra garbage of request-like objects (about 440 bytes each; a Request with its
 * times array is 400), alternated in one process, the same seed on both sides of a pair.
 * The garbage is made as each arrival is buffered and kept in a ring of 256 (as long as
 * requests in flight live), so it dies young, as most of strait's allocation does. The
 * ratio with/without, per extra byte, bounds what removing allocation can gain. Usage:
 *   npm run bench:alloc-cost -- [--requests N] [--objects-per-request K] [--pairs N]
 * Not a test: it times, and a busy machine moves both sides of a pair alike, not the ratio's spread.
 */
import { benchArgs, wholeNumbers } from './bench-args.ts';
import { medianMinMax } from './bench-stats.ts';
import { runScenario } from '../scenarios/run-scenario.ts';
import { benchScenario } from './bench-scenario.ts';

const { values } = benchArgs('bench:alloc-cost', {
  options: {
    requests: { type: 'string', default: '300000' },
    'objects-per-request': { type: 'string', default: '3' },
    pairs: { type: 'string', default: '8' },
  },
});
const { requests, pairs } = wholeNumbers('bench:alloc-cost', values, ['requests', 'pairs']);
const { 'objects-per-request': objects } = wholeNumbers('bench:alloc-cost', values, ['objects-per-request']);

/**
 * About a Request's size: 440 bytes with its two number boxes and two arrays (a Request
 * is 400; measured by heap use after collection, 200,000 kept, node 20 on x64).
 */
class Garbage {
  readonly a: number;
  readonly b: number;
  readonly f: number[] = new Array<number>(22).fill(0);
  readonly times = [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN];
  constructor(i: number) {
    this.a = i * 0.5;
    this.b = i * 0.25;
    this.times[1] = i * 0.125;
  }
}
const ring: unknown[] = new Array<unknown>(256).fill(null);
let made = 0;
function garbage(): boolean {
  for (let k = 0; k < objects; k++) ring[made++ & 255] = new Garbage(made);
  return true;
}

/** One run of the mix; `extra` makes the garbage. Returns wall ms of the simulation alone. */
async function run(extra: boolean, seed: number): Promise<number> {
  const keepArrival = extra ? garbage : () => true; // both sides filter, so only the garbage differs
  const r = await runScenario(benchScenario({ requests, gpus: 8, seed }), { keepRecords: false, keepArrival });
  return r.wallMs;
}

const GARBAGE_BYTES = 440;
console.log(`bench mix: ${requests.toLocaleString('en-US')} requests, ${objects} extra objects per request (about ${objects * GARBAGE_BYTES} bytes), ${pairs} alternated pairs`);
await run(false, 1);
await run(true, 1);
const ratios: number[] = [];
for (let p = 0; p < pairs; p++) {
  const seed = p + 2;
  const order = p % 2 === 0 ? [false, true] : [true, false];
  const ms: Record<string, number> = {};
  for (const extra of order) ms[String(extra)] = await run(extra, seed);
  const ratio = ms.true / ms.false;
  ratios.push(ratio);
  console.log(`pair ${p + 1}: plain ${ms.false.toFixed(0)} ms, with garbage ${ms.true.toFixed(0)} ms, ratio ${ratio.toFixed(3)}`);
}
console.log(`with/without garbage ${medianMinMax(ratios)}`);
