/**
 * Instructions per request on bench:floor's M/M/c model, counted by valgrind: a measure
 * of strait's work that a busy machine does not move. On this VM wall-time ratios of two
 * versions drift by 2x and a 10% change needs dozens of alternated pairs to see; the
 * same command here gives the same count to within about 1%.
 *
 * How: each variant runs in its own `node --single-threaded` under `valgrind
 * --tool=cachegrind` (no cache simulation), after a warm-up run, at --requests and at a third of it;
 * the difference of the two instruction totals over the difference of requests is the
 * cost per request, with start-up, compilation and warm-up cancelled. --single-threaded
 * (no concurrent compiler or GC threads) is what makes the count repeatable.
 *
 * What it does not see: cache misses and page faults (an allocation's cost is mostly its
 * memory traffic). A change that cuts instructions but not allocation can leave wall time
 * where it was; report both. Variants:
 *   floor   the minimal loop (scripts/floor-loop.ts)
 *   strait  bench:floor's strait side: the `priority` policy, records built in batches and dropped
 *   core    DirectPriorityPolicy and no records (bench:layers' core)
 *   mix     `npm run bench`'s mix at --gpus GPUs (bench:floor --model mix's strait side;
 *           about 9 events per request, so its count per request is not M/M/c's)
 * Needs valgrind (Debian: apt-get install valgrind). Usage:
 *   npm run bench:instructions -- [--requests N] [--gpus N] [--variants floor,strait,core,mix] [--base DIR] [--cache true] [--warm-ups 20000,...] [--profile TOP] [--sites TOP] [--mix-policy NAME] [--profile-node-flags='--max-inlined-bytecode-size=0']
 * --mix-policy NAME runs the mix under that policy (the bench mix's own, fifo, by default).
 * --base DIR counts another checkout's strait too (git worktree add --detach DIR COMMIT)
 * and prints this/base. --cache true adds valgrind's simulated data-cache misses per
 * request (a 32 KiB L1, a 1 MiB last level): the memory traffic the count leaves out, as
 * a number that does not drift either (about three times slower). --profile TOP adds,
 * for each variant, the TOP functions by self instructions per request (callgrind, the
 * same slope per function; scripts/callgrind-js.ts), JavaScript named by its line in the
 * bundle, which is left in dist/bench-instructions/head.mjs. A loop V8 compiled on stack
 * replacement (the floor's one long function) shows as Builtins_InterpreterEntryTrampoline:
 * its code is not in node's map under its own name; strait's functions are. With
 * --cache true the profile also gives each function's simulated L1 and last-level data
 * misses per request, and a second table sorted by last-level misses: where the memory
 * traffic the instruction count leaves out comes from. --sites TOP adds, per variant, the
 * heap numbers (a double boxed for a call, a return or an object array), function
 * contexts and write-barrier calls per request, in total and at the TOP sites by count,
 * each named by its line in the same bundle (scripts/jit-sites.ts: callgrind per address
 * against node --print-opt-code). Each is an allocation or a 50-instruction call that the
 * code's own line does not show.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchArgs, wholeNumbers } from './bench-args.ts';
import { median } from './bench-stats.ts';
import { bundleCheckout } from './bundle-checkout.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { generatedCodeCosts, readPerfMap, selfCosts } from './callgrind-js.ts';
import { lineNamer, readListing, sitesByLine, sitesOf } from './jit-sites.ts';

const VARIANTS = ['floor', 'strait', 'core', 'mix'] as const;
type Variant = (typeof VARIANTS)[number];

const { values } = benchArgs('bench:instructions', {
  options: {
    requests: { type: 'string', default: '150000' },
    gpus: { type: 'string', default: '8' },
    variants: { type: 'string', default: 'floor,strait,core' },
    base: { type: 'string' },
    cache: { type: 'string', default: 'false' },
    'warm-ups': { type: 'string', default: '20000' },
    profile: { type: 'string', default: '0' },
    sites: { type: 'string', default: '0' },
    'mix-policy': { type: 'string', default: 'fifo' },
    'profile-node-flags': { type: 'string', default: '' },
  },
});

function fail(message: string): never {
  console.error(`bench:instructions: ${message}`);
  process.exit(2);
}

const { requests, gpus } = wholeNumbers('bench:instructions', values, ['requests', 'gpus']);
if (values.cache !== 'true' && values.cache !== 'false') fail(`--cache must be true or false, got ${values.cache}`);
/** --cache true: valgrind's cache simulation, a 32 KiB 8-way L1 and a 1 MiB 16-way last level (64-byte lines). */
const cacheSim = values.cache === 'true';
const { profile: profileTop, sites: sitesTop } = wholeNumbers('bench:instructions', values, ['profile', 'sites'], 0);
const warmUps = values['warm-ups']!.split(',').map(Number);
if (warmUps.length === 0 || warmUps.some((w) => !(Number.isInteger(w) && w >= 0))) {
  fail(`--warm-ups takes whole numbers of requests separated by commas, got ${values['warm-ups']}`);
}
if (requests < 3) fail(`--requests must be at least 3 (the short run is a third of it), got ${requests}`);
const variants = values.variants!.split(',').filter((v) => v !== '');
for (const v of variants) {
  if (!(VARIANTS as readonly string[]).includes(v)) fail(`--variants: expected names from ${VARIANTS.join(', ')}, got ${v}`);
}
const mixPolicy = values['mix-policy']!;
if (!POLICIES.has(mixPolicy)) fail(`--mix-policy: expected one of ${[...POLICIES.keys()].join(', ')}, got ${mixPolicy}`);
const valgrind = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
if (valgrind.error !== undefined || valgrind.status !== 0) fail('needs valgrind on PATH (Debian: apt-get install valgrind), found none');

const headDir = path.resolve(import.meta.dirname, '..');
const baseDir = values.base === undefined ? undefined : path.resolve(values.base);
const work = path.join(headDir, 'dist', `bench-instructions-${process.pid}`);
/** Where --profile leaves the bundle it names lines of. */
const keptBundleDir = path.join(headDir, 'dist', 'bench-instructions');

/**
 * Runs one variant of a bundle at `count` requests, after a warm-up run of `warm`
 * requests in the same process, as bench:floor's pairs follow its warm-up (a later run
 * can cost more instructions than a first one). Prints nothing.
 *
 * Why several warm-ups (--warm-ups): V8 compiles in an order set by call counts, and what
 * it inlines depends on that order; a one-line change elsewhere can move it. Changing
 * records' staging from 256 rows to 64 added 15% to strait's count (11,791 against
 * 10,226) with the staging code's own count unchanged: the rest went to functions no
 * longer inlined. A warm-up of another length shifts the same decisions, so the spread
 * over a few warm-ups shows how much of a difference between versions is such luck.
 */
const RUNNER = `const [bundle, variant, warm, count, gpus, mixPolicy] = process.argv.slice(2);
const m = await import(bundle);
const g = Number(gpus);
const run = async (requests, seed) => {
  if (variant === 'floor') m.floorMmc({ requests, servers: g, rho: m.MMC_RHO, highShare: m.MMC_HIGH_SHARE, serviceMs: m.MMC_SERVICE_MS, seed });
  else if (variant === 'core') m.straitMmc({ requests, gpus: g, seed, policy: new m.DirectPriorityPolicy(g), sink: { record() {} } });
  else if (variant === 'mix') await m.runScenario(m.benchScenario({ requests, gpus: g, seed, policy: mixPolicy }), { keepRecords: false });
  else m.straitMmc({ requests, gpus: g, seed });
};
if (Number(warm) > 0) await run(Number(warm), 1);
await run(Number(count), 2);
`;

/** Each checkout's scratch directory for its bundle (in its own dist/, see bundleCheckout), removed at the end. */
const bundleDirs: string[] = [];

/** One checkout's M/M/c benchmark code, bundled by esbuild under its own tsconfig.json (as bench:ab does). */
async function bundle(dir: string, name: string): Promise<string> {
  for (const file of ['scripts/bench-mmc.ts', 'scripts/direct-priority-policy.ts', 'scripts/floor-loop.ts', 'scripts/bench-scenario.ts', 'scenarios/run-scenario.ts', 'tsconfig.json']) {
    if (!existsSync(path.join(dir, file))) fail(`${dir}: expected a strait checkout with ${file}, found none there`);
  }
  const out = path.join(dir, 'dist', `bench-instructions-${process.pid}-${name}`, `${name}.mjs`);
  bundleDirs.push(path.dirname(out));
  await bundleCheckout(
    dir,
    "export { straitMmc, MMC_RHO, MMC_HIGH_SHARE, MMC_SERVICE_MS } from './scripts/bench-mmc.ts';\n" +
      "export { DirectPriorityPolicy } from './scripts/direct-priority-policy.ts';\n" +
      "export { floorMmc } from './scripts/floor-loop.ts';\n" +
      "export { benchScenario } from './scripts/bench-scenario.ts';\n" +
      "export { runScenario } from './scenarios/run-scenario.ts';\n",
    'bench-instructions-side.ts',
    out,
  );
  return out;
}

/**
 * --profile-node-flags: node flags for the profile's runs only, space-separated. With
 * `--max-inlined-bytecode-size=0` each function keeps its own cost instead of its
 * inlined callees' (the count per request rises: calls are not free; the split is
 * what to read).
 */
const profileNodeFlags = values['profile-node-flags'].split(' ').filter((f) => f !== '');
if (profileNodeFlags.some((f) => !f.startsWith('--'))) fail(`--profile-node-flags must be node flags (each starting with --), got ${values['profile-node-flags']}`);

/** The shorter of the two run lengths whose difference is measured. */
const shortRequests = Math.floor(requests / 3);

/** node running one variant of a bundle under valgrind: the command line after valgrind's own options. */
function nodeRun(bundleFile: string, variant: Variant, warm: number, count: number, nodeFlags: readonly string[] = []): string[] {
  return [process.execPath, '--single-threaded', ...nodeFlags, path.join(work, 'runner.mjs'), bundleFile, variant, String(warm), String(count), String(gpus), mixPolicy];
}

/** What one valgrind run counts: instructions, and with --cache true L1 and last-level data misses (reads and writes). */
interface Counts {
  readonly instructions: number;
  readonly l1Misses: number;
  readonly llMisses: number;
}

const cacheOptions = cacheSim ? ['--cache-sim=yes', '--D1=32768,8,64', '--LL=1048576,16,64'] : ['--cache-sim=no'];

/** The counts of one process running `variant` at `count` requests after `warm`. */
function counts(bundleFile: string, variant: Variant, warm: number, count: number): Counts {
  const run = spawnSync(
    'valgrind',
    ['--tool=cachegrind', ...cacheOptions, '--smc-check=all-non-file', '--cachegrind-out-file=/dev/null', ...nodeRun(bundleFile, variant, warm, count)],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const total = (label: string) => {
    const match = new RegExp(`${label}:\\s+([\\d,]+)`).exec(run.stderr);
    return match === null ? NaN : Number(match[1].replaceAll(',', ''));
  };
  const instructions = total('I\\s+refs');
  if (run.status !== 0 || !(instructions >= 0)) fail(`${variant} at ${count} requests: valgrind run failed: ${run.stderr.trim().split('\n').at(-1)}`);
  return { instructions, l1Misses: cacheSim ? total('D1\\s+misses') : NaN, llMisses: cacheSim ? total('LLd\\s+misses') : NaN };
}

/** Counts per request after one warm-up: the slope between a third of --requests and --requests. */
function slopeAfter(bundleFile: string, variant: Variant, warm: number): Counts {
  const long = counts(bundleFile, variant, warm, requests);
  const brief = counts(bundleFile, variant, warm, shortRequests);
  const slope = (key: keyof Counts) => (long[key] - brief[key]) / (requests - shortRequests);
  return { instructions: slope('instructions'), l1Misses: slope('l1Misses'), llMisses: slope('llMisses') };
}

/** Counts per request after each warm-up of --warm-ups, in that order. */
function perRequest(bundleFile: string, variant: Variant): Counts[] {
  return warmUps.map((warm) => slopeAfter(bundleFile, variant, warm));
}

/** Per request, by function: self instructions, and with --cache the L1 and last-level data misses too. */
type ProfileRow = [name: string, instructions: number, l1Misses: number, llMisses: number];

/** callgrind's events for a ProfileRow: instructions, then data misses (read and write) in L1 and the last level. */
const PROFILE_EVENTS = cacheSim ? ['Ir', 'D1mr', 'D1mw', 'DLmr', 'DLmw'] : ['Ir'];

/** Self costs per request by function of one variant (callgrind, the first warm-up): the same slope, per function. */
function profileOf(bundleFile: string, variant: Variant): ProfileRow[] {
  const selfAt = (count: number): Map<string, number[]> => {
    const out = path.join(work, `callgrind-${variant}-${count}.out`);
    const run = spawnSync(
      'valgrind',
      ['--tool=callgrind', '--dump-instr=yes', ...(cacheSim ? cacheOptions : []), '--smc-check=all-non-file', `--callgrind-out-file=${out}`, ...nodeRun(bundleFile, variant, warmUps[0], count, ['--perf-basic-prof', ...profileNodeFlags])],
      // In the scratch directory: with --perf-basic-prof node also writes an isolate-*.log where it runs.
      { encoding: 'utf8', maxBuffer: 64 << 20, cwd: work },
    );
    // node names its map by its own pid, which under valgrind is the child's.
    const map = `/tmp/perf-${run.pid}.map`;
    try {
      if (run.status !== 0 || !existsSync(map)) fail(`--profile: callgrind run of ${variant} failed: ${run.stderr.trim().split('\n').at(-1)}`);
      return selfCosts(out, readPerfMap(map), PROFILE_EVENTS);
    } finally {
      rmSync(map, { force: true });
    }
  };
  const long = selfAt(requests);
  const brief = selfAt(shortRequests);
  const perRequestOf = (name: string, k: number) => ((long.get(name)?.[k] ?? 0) - (brief.get(name)?.[k] ?? 0)) / (requests - shortRequests);
  const rows = [...long.keys()].map((name): ProfileRow => {
    const misses = (read: number, write: number) => (cacheSim ? perRequestOf(name, read) + perRequestOf(name, write) : NaN);
    return [name, perRequestOf(name, 0), misses(1, 2), misses(3, 4)];
  });
  return rows.sort((a, b) => b[1] - a[1]);
}

function printProfile(variant: Variant, rows: ProfileRow[]): void {
  const total = (k: number) => rows.reduce((sum, row) => sum + (row[k] as number), 0);
  const where = `(callgrind; JavaScript named by line in the bundle ${path.relative(headDir, path.join(keptBundleDir, 'head.mjs'))})`;
  if (!cacheSim) {
    console.log(`${variant}: self instructions per request by function, top ${profileTop} of ${Math.round(total(1))} ${where}`);
    for (const [name, n] of rows.slice(0, profileTop)) console.log(`${n.toFixed(0).padStart(8)} ${((100 * n) / total(1)).toFixed(1).padStart(5)}%  ${name}`);
    return;
  }
  const line = ([name, n, l1, ll]: ProfileRow) => `${n.toFixed(0).padStart(8)} ${l1.toFixed(1).padStart(8)} ${ll.toFixed(2).padStart(8)}  ${name}`;
  const header = `instructions, L1 data misses, last-level data misses per request (of ${Math.round(total(1))}, ${total(2).toFixed(1)}, ${total(3).toFixed(1)}) ${where}`;
  console.log(`${variant}: top ${profileTop} functions by self instructions; ${header}`);
  for (const row of rows.slice(0, profileTop)) console.log(line(row));
  console.log(`${variant}: top ${profileTop} functions by last-level data misses (the first writes of new memory land here)`);
  for (const row of [...rows].sort((a, b) => b[3] - a[3] || b[2] - a[2]).slice(0, profileTop)) console.log(line(row));
}

/**
 * Heap-number and context allocations and write-barrier calls per request, by site
 * (scripts/jit-sites.ts): callgrind per address against node --print-opt-code's listing,
 * the same slope between the two run lengths, sites named by their line in the bundle.
 */
function sitesPerRequest(bundleFile: string, variant: Variant): [string, number][] {
  const lineOf = lineNamer(readFileSync(bundleFile, 'utf8'));
  const sitesAt = (count: number): Map<string, number> => {
    const out = path.join(work, `sites-${variant}-${count}.out`);
    const listing = path.join(work, `sites-${variant}-${count}.txt`);
    const fd = openSync(listing, 'w');
    const run = spawnSync(
      'valgrind',
      ['--tool=callgrind', '--dump-instr=yes', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, ...nodeRun(bundleFile, variant, warmUps[0], count, ['--print-opt-code'])],
      { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20, cwd: work },
    );
    closeSync(fd);
    if (run.status !== 0) fail(`--sites: callgrind run of ${variant} failed: ${run.stderr.trim().split('\n').at(-1)}`);
    return sitesByLine(sitesOf(readListing(readFileSync(listing, 'utf8')), generatedCodeCosts(out, 'Ir')), lineOf);
  };
  const long = sitesAt(requests);
  const brief = sitesAt(shortRequests);
  const rows = [...long.keys()].map((key): [string, number] => [key, ((long.get(key) ?? 0) - (brief.get(key) ?? 0)) / (requests - shortRequests)]);
  return rows.filter(([, n]) => n >= 0.01).sort((a, b) => b[1] - a[1]);
}

function printSites(variant: Variant, rows: readonly [string, number][]): void {
  const total = (kind: string) => rows.filter(([key]) => key.startsWith(`${kind}\t`)).reduce((sum, [, n]) => sum + n, 0);
  const totals = ['heap number', 'context', 'write barrier'].map((kind) => `${kind} ${total(kind).toFixed(1)}`).join(', ');
  console.log(`${variant}: per request ${totals}; top ${sitesTop} sites (function, line in the bundle ${path.relative(headDir, path.join(keptBundleDir, 'head.mjs'))})`);
  for (const [key, n] of rows.slice(0, sitesTop)) console.log(`${n.toFixed(2).padStart(7)}  ${key.replaceAll('\t', '  ')}`);
}

const medianOf = (xs: readonly number[]) => median([...xs]);
const instructionsOf = (cs: readonly Counts[]) => cs.map((c) => c.instructions);

/** One warm-up: its counts; several: the median, range and each. */
function describe(cs: readonly Counts[]): string {
  const misses = (c: Counts) => (cacheSim ? ` (L1 data misses ${c.l1Misses.toFixed(1)}, last-level ${c.llMisses.toFixed(1)})` : '');
  if (cs.length === 1) return `${Math.round(cs[0].instructions)}${misses(cs[0])}`;
  const xs = instructionsOf(cs);
  return `median ${Math.round(medianOf(xs))} (min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))}; ${cs.map((c, k) => `${warmUps[k]}: ${Math.round(c.instructions)}${misses(c)}`).join(', ')})`;
}

// On every way out, fail()'s process.exit included (it runs no finally block).
process.on('exit', () => {
  for (const dir of [work, ...bundleDirs]) rmSync(dir, { recursive: true, force: true });
});
mkdirSync(work, { recursive: true });
writeFileSync(path.join(work, 'runner.mjs'), RUNNER);
const head = await bundle(headDir, 'head');
console.log(
  `M/M/${gpus}${variants.includes('mix') ? ` and the bench mix at ${gpus} GPUs under ${mixPolicy}` : ''}: instructions per request (valgrind, slope between ${shortRequests.toLocaleString('en-US')} and ${requests.toLocaleString('en-US')} requests` +
    `, after a warm-up of ${warmUps.map((w) => w.toLocaleString('en-US')).join(', ')})`,
);
const measured: Partial<Record<Variant, Counts[]>> = {};
for (const v of variants as Variant[]) {
  measured[v] = perRequest(head, v);
  console.log(`${v}: ${describe(measured[v])}`);
}
if (sitesTop > 0) {
  for (const v of variants as Variant[]) printSites(v, sitesPerRequest(head, v));
}
if (profileTop > 0 || sitesTop > 0) {
  if (profileTop > 0) for (const v of variants as Variant[]) printProfile(v, profileOf(head, v));
  // The bundle stays, so the lines the profile names can be read.
  mkdirSync(keptBundleDir, { recursive: true });
  copyFileSync(head, path.join(keptBundleDir, 'head.mjs'));
}
const floor = measured.floor;
if (floor !== undefined) {
  for (const v of ['core', 'strait'] as const) {
    const c = measured[v];
    if (c !== undefined) console.log(`${v}/floor instruction ratio ${(medianOf(instructionsOf(floor)) / medianOf(instructionsOf(c))).toFixed(3)}`);
  }
}
if (baseDir !== undefined) {
  const base = await bundle(baseDir, 'base');
  // strait on M/M/c always; the mix too when asked for.
  for (const v of variants.includes('mix') ? (['strait', 'mix'] as const) : (['strait'] as const)) {
    const baseCounts = perRequest(base, v);
    const headCounts = measured[v] ?? perRequest(head, v);
    // Counted here only for the ratio (not among --variants): printed too, so the ratio's two counts are both on the page.
    if (measured[v] === undefined) console.log(`${v}: ${describe(headCounts)}`);
    console.log(`base ${v}: ${describe(baseCounts)}`);
    const ratios = headCounts.map((c, k) => c.instructions / baseCounts[k].instructions);
    const range = ratios.length > 1 ? ` (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)} over the warm-ups)` : '';
    console.log(`this/base ${v === 'mix' ? 'mix ' : ''}instructions per request ${(medianOf(instructionsOf(headCounts)) / medianOf(instructionsOf(baseCounts))).toFixed(3)}${range}`);
  }
}
