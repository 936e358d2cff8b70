/**
 * Two versions of strait in one process: another checkout's runScenario (--base, a
 * directory holding the repository) against this one's, on `npm run bench`'s mix, in
 * alternated pairs (base then this, then this then base, ...), each after one warm-up
 * run. Both sides are bundled by esbuild under their own tsconfig.json, as the CLI is.
 * Separate processes drift apart with the machine's speed (2x within minutes on
 * a shared VM); within a pair both sides see the same machine. Cost is CPU time per
 * event. The last line is `this/base cost per event R (min A, max B)`: below 1, this
 * checkout is faster. `--head DIR` puts another checkout in this one's place (two older
 * commits compared, neither of which has this script). `--processes N` repeats the whole
 * comparison in N fresh processes and ends with the median of their medians (see below:
 * at 1,024 GPUs one process is not enough). Usage:
 *   npm run bench:ab -- --base DIR [--head DIR] [--gpus N] [--requests N] [--policy NAME] [--load X] [--pairs N] [--processes N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchArgs, wholeNumbers } from './bench-args.ts';
import { medianMinMax } from './bench-stats.ts';
import { bundleCheckout } from './bundle-checkout.ts';

const { values } = benchArgs('bench:ab', {
  options: {
    base: { type: 'string' },
    head: { type: 'string' },
    gpus: { type: 'string', default: '8' },
    requests: { type: 'string', default: '200000' },
    policy: { type: 'string', default: 'fifo' },
    load: { type: 'string', default: '0.85' },
    pairs: { type: 'string', default: '5' },
    processes: { type: 'string', default: '1' },
  },
});

function fail(message: string): never {
  console.error(`bench:ab: ${message}`);
  process.exit(2);
}

const { gpus, requests, pairs, processes } = wholeNumbers('bench:ab', values, ['gpus', 'requests', 'pairs', 'processes']);
const load = Number(values.load);
if (!(load > 0)) fail(`--load must be a positive number, got ${values.load}`);
if (values.base === undefined) fail('--base DIR is required: a checkout of strait to compare against (git worktree add --detach DIR COMMIT)');
const baseDir = path.resolve(values.base);
const headDir = values.head === undefined ? path.resolve(import.meta.dirname, '..') : path.resolve(values.head);

/**
 * --processes N: the whole comparison in N fresh processes, one after another, and the
 * median of their medians. Within one process the pairs agree with each other, but at
 * 1,024 GPUs processes do not: an A/A test (one commit on both sides) gave 1.092, 0.650,
 * 0.942, 0.996, 0.964 and 0.846 in six processes, each with a narrow range. Something
 * fixed per process (where each side's objects and code land) weighs on one side for
 * the whole process, so one process's range understates the spread.
 */
if (processes > 1) {
  const args = process.argv.slice(2).filter((arg, k, all) => arg !== '--processes' && all[k - 1] !== '--processes' && !arg.startsWith('--processes='));
  const medians: number[] = [];
  for (let p = 0; p < processes; p++) {
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], ...args], { encoding: 'utf8' });
    const last = child.stdout.trim().split('\n').at(-1) ?? '';
    const match = /^this\/base cost per event (\S+) /.exec(last);
    if (child.status !== 0 || match === null) fail(`process ${p + 1} of ${processes} failed: ${(child.stderr || last).trim().split('\n').at(-1)}`);
    medians.push(Number(match[1]));
    console.log(`process ${p + 1}: ${last}`);
  }
  console.log(`this/base cost per event ${medianMinMax(medians)} over ${processes} processes`);
  process.exit(0);
}

type Run = (scenario: never) => Promise<{ result: { events: number } }>;
type Bench = (options: { requests: number; gpus: number; seed: number; policy: string; load: number }) => unknown;
interface Side {
  readonly runScenario: Run;
  readonly benchScenario: Bench;
}

/**
 * One checkout's runScenario and benchScenario, bundled into plain JavaScript by esbuild
 * under that checkout's own tsconfig.json, as its CLI is (compiled-cli.mjs). Why not
 * import both through tsx: tsx applies a tsconfig only to the files it includes, and the
 * one it finds is the working directory's, so the other checkout was compiled with
 * class fields under define semantics, which tsconfig.json turns off for speed. An A/A
 * test (the same commit on both sides) then gave 0.77-0.83 in favour of the checkout in
 * the working directory, and 1.66 against it when run from the other one; tsx's transform
 * cache kept a bias even when each side was named its tsconfig. Every bench:ab figure
 * before this change (RESULTS.md says which) carries that bias.
 */
async function loadSide(dir: string, option: string, side: 'base' | 'head'): Promise<Side> {
  for (const file of ['scenarios/run-scenario.ts', 'scripts/bench-scenario.ts', 'tsconfig.json']) {
    if (!existsSync(path.join(dir, file))) fail(`${option} ${dir}: expected a strait checkout with ${file}, found none there`);
  }
  // Two levels below the root, as the sources are: node_modules and paths found from
  // import.meta.url resolve as they do from the sources. A file per side, so an A/A run
  // of one directory against itself still loads two separate copies.
  const out = path.join(dir, 'dist', `bench-ab-${process.pid}`, `${side}.mjs`);
  await bundleCheckout(
    dir,
    "export { runScenario } from './scenarios/run-scenario.ts';\nexport { benchScenario } from './scripts/bench-scenario.ts';\n",
    'bench-ab-side.ts',
    out,
  );
  try {
    return (await import(pathToFileURL(out).href)) as Side;
  } finally {
    rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

const base = await loadSide(baseDir, '--base', 'base');
const current = await loadSide(headDir, values.head === undefined ? 'this checkout' : '--head', 'head');

/** CPU microseconds per event of one run of the mix by one side. */
async function cost(side: Side, seed: number): Promise<number> {
  const scenario = side.benchScenario({ requests, gpus, seed, policy: values.policy!, load });
  const before = process.cpuUsage();
  const run = await side.runScenario(scenario as never);
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / run.result.events;
}

console.log(`bench mix at load ${load}, ${gpus} GPUs, ${requests.toLocaleString('en-US')} requests, policy ${values.policy}; base ${baseDir}, this ${headDir}; ${pairs} alternated pairs`);
await cost(base, 1); // warm-up of both sides
await cost(current, 1);
const ratios: number[] = [];
for (let p = 0; p < pairs; p++) {
  const baseFirst = p % 2 === 0;
  const first = await cost(baseFirst ? base : current, p + 1);
  const second = await cost(baseFirst ? current : base, p + 1);
  const [b, c] = baseFirst ? [first, second] : [second, first];
  ratios.push(c / b);
  console.log(`pair ${p + 1}: base ${b.toFixed(3)} us/event, this ${c.toFixed(3)} us/event, ratio ${(c / b).toFixed(3)}`);
}
console.log(`this/base cost per event ${medianMinMax(ratios)}`);
