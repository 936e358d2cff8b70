/**
 * strait against the floor (scripts/floor-loop.ts) on the same model, in one process:
 * pairs of runs alternated (floor then strait, then strait then floor, ...), so a
 * busy machine slows both sides of a pair alike. Prints each pair's events per second
 * and strait's as a ratio of the floor's; the last line is the ratio every speed
 * change reports. Usage:
 *   npm run bench:floor -- [--model mmc|mix] [--requests N] [--gpus N] [--pairs N] [--bookkeeping true|both]
 *
 * mmc: M/M/c, c = --gpus exclusive GPUs (one slot each), one single-phase model with
 *   exponential service of mean 1 ms, no transfers, two classes (25% high) under static
 *   priority (strait's `priority` policy), rho 0.85. Two events per request in both.
 * mix: `npm run bench`'s scenario (fifo, solo predictor, records built in batches and
 *   dropped, as `strait run` builds them for its Arrow writer) beside a
 *   floor that models its arrivals, classes, late binding to the GPU with most free
 *   slots and each request's transfers and phases at solo speed (no sharing).
 * --bookkeeping true: the floor also keeps what strait's recorder keeps, a row
 *   of 21 typed columns per request and the run summary computed from them a block at a
 *   time (scripts/floor-bookkeeping.ts), so the ratio no longer counts strait's records
 *   and summary as overhead. The default floor keeps only each completion time; its
 *   ratio is the one issue 16 asks for.
 * --bookkeeping both: each round runs the bare floor, the floor keeping records and
 *   strait (the order rotating), and prints both ratios; the last line stays the bare
 *   floor's, the line before it the bookkeeping floor's. One command, the same seeds
 *   and the same minutes of the machine for both figures.
 */
import { benchArgs, wholeNumbers } from './bench-args.ts';
import { medianMinMax } from './bench-stats.ts';
import { d2hSetupMs } from '../sim/cluster/cluster-spec.ts';
import { soloPhaseMs } from '../sim/model/profile.ts';
import { soloLatencyMs } from '../scenarios/workload-plan.ts';
import { runScenario } from '../scenarios/run-scenario.ts';
import { MMC_HIGH_SHARE, MMC_RHO, MMC_SERVICE_MS, straitMmc, type MmcRun } from './bench-mmc.ts';
import { benchScenario } from './bench-scenario.ts';
import { FloorBookkeeping } from './floor-bookkeeping.ts';
import { floorMix, floorMmc, type FloorResult } from './floor-loop.ts';
import { floorMixWithBookkeeping, floorMmcWithBookkeeping, type RecordedMixClass } from './floor-loop-with-bookkeeping.ts';

const { values } = benchArgs('bench:floor', {
  options: {
    model: { type: 'string', default: 'mmc' },
    requests: { type: 'string', default: '1000000' },
    gpus: { type: 'string', default: '8' },
    pairs: { type: 'string', default: '5' },
    bookkeeping: { type: 'string', default: 'false' },
  },
});
const { requests, gpus, pairs } = wholeNumbers('bench:floor', values, ['requests', 'gpus', 'pairs']);
if (values.model !== 'mmc' && values.model !== 'mix') {
  console.error(`bench:floor: --model must be mmc or mix, got ${values.model}`);
  process.exit(2);
}
if (values.bookkeeping !== 'true' && values.bookkeeping !== 'false' && values.bookkeeping !== 'both') {
  console.error(`bench:floor: --bookkeeping must be true, false or both, got ${values.bookkeeping}`);
  process.exit(2);
}
/** The floors each round runs: the bare one, the one keeping strait's records, or both. */
const floorKinds: readonly boolean[] = values.bookkeeping === 'both' ? [false, true] : [values.bookkeeping === 'true'];

/** One side's run: events and seconds. */
type Side = MmcRun;

/** The floor's classes for the bench mix: every stream and batch size, at solo speed. */
function mixClasses(): { classes: RecordedMixClass[]; slots: number } {
  const scenario = benchScenario({ requests, gpus });
  const models = new Map(scenario.models.map((m) => [m.name, m]));
  const gpu = scenario.cluster.gpus[0];
  const classes = scenario.workload.streams.flatMap((s) =>
    s.batchSizes.map((batch) => {
      const model = models.get(s.model)!;
      const phases = model.phases.map((_, p) => soloPhaseMs(model, p, batch));
      const h2d = gpu.link.setupMs + (model.inputBytesPerItem * batch) / gpu.link.h2dBytesPerMs;
      const d2h = d2hSetupMs(gpu.link) + (model.outputBytesPerItem * batch) / gpu.link.d2hBytesPerMs;
      const relativeDeadlineMs = s.deadline.kind === 'budget' ? s.deadline.ms : s.deadline.factor * soloLatencyMs(model, batch, scenario.cluster);
      return {
        weight: s.weight / s.batchSizes.length,
        stagesMs: [h2d, ...phases, d2h],
        // What its records hold (--bookkeeping); a model's code is its place in the scenario (strait's records number models as they meet them: the same cost).
        model: scenario.models.indexOf(model),
        batch,
        high: s.priority === 'high',
        relativeDeadlineMs,
      };
    }),
  );
  return { classes, slots: gpu.maxConcurrency };
}

let mixRate = 0; // arrivals per ms, from strait's first run of the mix (the floor draws at that rate)
async function straitMix(seed: number): Promise<Side> {
  const run = await runScenario(benchScenario({ requests, gpus, seed }), { keepRecords: false });
  if (mixRate === 0) mixRate = run.result.requests / run.result.simulatedMs;
  return { events: run.result.events, seconds: run.wallMs / 1000 };
}

function floor(seed: number, bookkeeping: boolean): FloorResult {
  if (values.model === 'mmc') {
    const mmc = { requests, servers: gpus, rho: MMC_RHO, highShare: MMC_HIGH_SHARE, serviceMs: MMC_SERVICE_MS, seed };
    return bookkeeping ? floorMmcWithBookkeeping(mmc, new FloorBookkeeping(requests)) : floorMmc(mmc);
  }
  const { classes, slots } = mixClasses();
  const mix = { requests, gpus, slotsPerGpu: slots, rate: mixRate, classes, seed };
  return bookkeeping ? floorMixWithBookkeeping(mix, new FloorBookkeeping(requests)) : floorMix(mix);
}

const strait = (seed: number): Promise<Side> => (values.model === 'mmc' ? Promise.resolve(straitMmc({ requests, gpus, seed })) : straitMix(seed));
const perSecond = (s: Side) => s.events / s.seconds;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** A floor's name in the round lines: told apart only when both run (with one, `floor`, as its output always read). */
const floorName = (keeps: boolean) => (keeps && floorKinds.length > 1 ? 'bookkeeping floor' : 'floor');
console.log(
  `model ${values.model}: ${requests.toLocaleString('en-US')} requests, ${gpus} GPUs, ${pairs} alternated ${floorKinds.length > 1 ? 'rounds' : 'pairs'}` +
    (values.bookkeeping === 'true' ? ', the floor keeping records and summary' : values.bookkeeping === 'both' ? ', against the bare floor and the floor keeping records and summary' : ''),
);
if (values.model === 'mix') await straitMix(1); // learns the arrival rate, and warms strait as floor() warms below
else straitMmc({ requests, gpus, seed: 1 });
for (const keeps of floorKinds) floor(1, keeps);
/** Per floor kind, strait's ratio to it in each round. */
const ratios: number[][] = floorKinds.map(() => []);
/** The sides of a round in the order they run: a floor kind's index, or -1 for strait. */
const sides = [...floorKinds.map((_, k) => k), -1];
for (let p = 0; p < pairs; p++) {
  const seed = p + 1;
  // Rotate which side goes first (with one floor: floor then strait, then strait then floor), so a drift in machine load favours none.
  const order = sides.map((_, i) => sides[(i + p) % sides.length]);
  const floors: FloorResult[] = [];
  let s: Side | undefined;
  for (const side of order) {
    if (side < 0) s = await strait(seed);
    else floors[side] = floor(seed, floorKinds[side]);
  }
  const parts = floorKinds.map((keeps, k) => {
    const f = floors[k];
    const ratio = perSecond(s!) / perSecond(f);
    ratios[k].push(ratio);
    return { text: `${floorName(keeps)} ${fmt(perSecond(f))} events/s (${(f.events / requests).toFixed(2)} per request)`, ratio: `${floorKinds.length > 1 ? `/${floorName(keeps)} ` : ''}${ratio.toFixed(3)}` };
  });
  console.log(
    `${floorKinds.length > 1 ? 'round' : 'pair'} ${p + 1}: ${parts.map((x) => x.text).join(', ')}, ` +
      `strait ${fmt(perSecond(s!))} events/s (${(s!.events / requests).toFixed(2)} per request), ratio ${parts.map((x) => x.ratio).join(', ')}`,
  );
}
// The bare floor's ratio last: it is the line every speed change reports.
for (let k = floorKinds.length - 1; k >= 0; k--) console.log(`strait/${floorName(floorKinds[k]).replace(' ', '-')} ratio ${medianMinMax(ratios[k])}`);
