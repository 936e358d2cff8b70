/**
 * Machine control for parallel speed-ups: the same fixed CPU-bound unit of work timed as
 * CPU per unit when one process runs it alone and when two identical processes run it at
 * once, in alternated rounds (alone then together, then together then alone, ...). If
 * even a loop with no memory traffic costs more CPU per unit when two run at once, the
 * cost is the machine's (a VM whose vCPUs share a physical core or caches, the host's
 * scheduling), not the code that runs two workers. Usage:
 *   npm run bench:contention -- [--work spin,floor,sim,point] [--rounds N] [--seconds S]
 *
 * Work units (each the same every time):
 *   spin   an integer loop that touches no memory (2^24 xorshift steps);
 *   floor  the floor event loop (scripts/floor-loop.ts), M/M/8, 100,000 requests;
 *   sim    one point of `npm run bench:sweep`'s sweep: the default scenario (20,000
 *          requests), strait policy, load 0.8, seed 1, records kept in memory;
 *   point  the same point as a sweep runs it: its run directory written (requests.arrow
 *          streamed, the JSON files, the rename), then removed.
 * Each process loads its work, runs it for a second to warm the JIT, then waits until
 * every process of the phase is ready; all start together and run whole units for
 * --seconds, each timing its own CPU (user + system) over those units. Steal time (from
 * /proc/stat) is printed beside each phase: CPU the host gave to others while we waited.
 * A round in which a process ran fewer than 5 units (starved by other work) is printed
 * but left out of the medians.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { benchArgs } from './bench-args.ts';
import { median } from './bench-stats.ts';
import { bug } from '../sim/core/errors.ts';
import { loadAverage } from './child-cpu.ts';

const WORKS = ['spin', 'floor', 'sim', 'point'] as const;
/** Fewer units than this in one process of a phase, and the round is left out of the medians. */
const MIN_UNITS = 5;
type Work = (typeof WORKS)[number];

const { values } = benchArgs('bench:contention', {
  options: {
    work: { type: 'string', default: WORKS.join(',') },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    child: { type: 'string' },
  },
});

/** One unit of the named work; returns something derived from it, so the JIT cannot drop it. */
async function unitOf(work: Work): Promise<() => Promise<number> | number> {
  if (work === 'spin') {
    return () => {
      let x = 0x9e3779b9 | 0;
      for (let i = 0; i < 1 << 24; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
      }
      return x;
    };
  }
  if (work === 'floor') {
    const { floorMmc } = await import('./floor-loop.ts');
    return () => floorMmc({ requests: 100_000, servers: 8, rho: 0.85, highShare: 0.25, serviceMs: 1, seed: 1 }).meanLatencyMs;
  }
  const { loadScenario } = await import('../scenarios/load-scenario.ts');
  const { applyOverrides, runScenario } = await import('../scenarios/run-scenario.ts');
  const scenario = applyOverrides(loadScenario('default'), { policy: 'strait', load: 0.8, seed: 1 });
  if (work === 'sim') return async () => (await runScenario(scenario)).result.events;
  const { runIntoDirectory } = await import('./cli/run-into-directory.ts');
  const scratch = mkdtempSync(join(tmpdir(), 'strait-bench-contention-'));
  process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
  return async () => {
    const out = join(scratch, 'run');
    const { run } = await runIntoDirectory(scenario, out, { directory: { lock: false } });
    rmSync(out, { recursive: true });
    return run.result.events;
  };
}

/** What one process reports for a phase. */
interface ChildResult {
  readonly units: number;
  readonly cpuMs: number;
  readonly wallMs: number;
}

const cpuMsNow = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** A child process: warm up, say ready, wait for go, run units for the phase, print the result. */
async function runChild(work: Work, seconds: number): Promise<void> {
  const unit = await unitOf(work);
  const warmUntil = performance.now() + 1000;
  do await unit();
  while (performance.now() < warmUntil);
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const cpu = cpuMsNow();
  const started = performance.now();
  let units = 0;
  do {
    await unit();
    units++;
  } while (performance.now() - started < seconds * 1000);
  const result: ChildResult = { units, cpuMs: cpuMsNow() - cpu, wallMs: performance.now() - started };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Steal and total jiffies of the whole machine so far (/proc/stat's cpu line). */
function stealJiffies(): { steal: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { steal: fields[7] ?? 0, total: fields.reduce((a, b) => a + b, 0) };
}

/** Starts `count` child processes of the work, starts them together, and collects their results. */
async function phase(work: Work, count: number, seconds: number): Promise<{ results: ChildResult[]; stealShare: number }> {
  // tsx's loader flags are in execArgv: the children run this file the way this process does.
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, [...process.execArgv, import.meta.filename, '--child', work, '--seconds', String(seconds)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const lines = children.map((child) => createInterface({ input: child.stdout! })[Symbol.asyncIterator]());
  const nextLine = async (k: number) => {
    const line = await lines[k].next();
    if (line.done === true) bug(`bench:contention: a ${work} process ended early (exit ${children[k].exitCode})`);
    return line.value;
  };
  for (let k = 0; k < count; k++) await nextLine(k); // ready
  const before = stealJiffies();
  for (const child of children) child.stdin!.write('go\n');
  const results = await Promise.all(children.map(async (_, k) => JSON.parse(await nextLine(k)) as ChildResult));
  const after = stealJiffies();
  const total = after.total - before.total;
  return { results, stealShare: total > 0 ? (after.steal - before.steal) / total : 0 };
}

const f = (x: number, digits = 3) => x.toFixed(digits);
const spread = (xs: number[]) => `median ${f(median(xs))} (range ${f(Math.min(...xs))}-${f(Math.max(...xs))})`;

async function main(): Promise<void> {
  const seconds = Number(values.seconds);
  if (values.child !== undefined) return runChild(values.child as Work, seconds);
  const rounds = Number(values.rounds);
  const works = values.work.split(',');
  for (const w of works) {
    if (!(WORKS as readonly string[]).includes(w)) {
      console.error(`bench:contention: --work: expected some of ${WORKS.join(', ')}, got ${w}`);
      process.exit(2);
    }
  }
  if (!(Number.isInteger(rounds) && rounds >= 1) || !(seconds > 0)) {
    console.error(`bench:contention: --rounds must be a whole number >= 1 and --seconds > 0, got ${values.rounds} and ${values.seconds}`);
    process.exit(2);
  }
  console.log(`load average ${loadAverage()} at the start; ${rounds} rounds of ${seconds} s per phase`);
  const summary: string[] = [];
  for (const work of works as Work[]) {
    const cpuRatios: number[] = [];
    const speedups: number[] = [];
    for (let k = 0; k < rounds; k++) {
      const load = loadAverage();
      // Alternate which phase goes first, so a machine that speeds up or slows down favours neither.
      const order = k % 2 === 0 ? [1, 2] : [2, 1];
      const phases = new Map<number, Awaited<ReturnType<typeof phase>>>();
      for (const count of order) phases.set(count, await phase(work, count, seconds));
      const alone = phases.get(1)!;
      const together = phases.get(2)!;
      const cpuPerUnit = (r: ChildResult) => r.cpuMs / r.units;
      const unitsPerSecond = (rs: ChildResult[]) => rs.reduce((a, r) => a + (r.units * 1000) / r.wallMs, 0);
      const aloneCpu = cpuPerUnit(alone.results[0]);
      const togetherCpu = together.results.reduce((a, r) => a + r.cpuMs, 0) / together.results.reduce((a, r) => a + r.units, 0);
      const cpuRatio = togetherCpu / aloneCpu;
      const speedup = unitsPerSecond(together.results) / unitsPerSecond(alone.results);
      // A process the busy machine starved ran too few units to time its CPU per unit.
      const starved = [...alone.results, ...together.results].some((r) => r.units < MIN_UNITS);
      if (!starved) {
        cpuRatios.push(cpuRatio);
        speedups.push(speedup);
      }
      console.log(
        `${work} round ${k + 1} (load average ${load}): alone ${f(aloneCpu, 1)} ms CPU per unit (${alone.results[0].units} units, steal ${f(alone.stealShare * 100, 1)}%), ` +
          `two at once ${f(togetherCpu, 1)} ms (${together.results.map((r) => r.units).join('+')} units, steal ${f(together.stealShare * 100, 1)}%); ` +
          `CPU ratio ${f(cpuRatio)}, throughput speedup ${f(speedup)}${starved ? ` (left out: a process ran fewer than ${MIN_UNITS} units)` : ''}`,
      );
    }
    const kept = cpuRatios.length === rounds ? '' : ` (${cpuRatios.length} of ${rounds} rounds)`;
    summary.push(
      cpuRatios.length === 0
        ? `${work}: no round ran ${MIN_UNITS} units in every process; try more --seconds`
        : `${work}: two at once / alone, CPU per unit ${spread(cpuRatios)}, throughput speedup ${spread(speedups)}${kept}`,
    );
  }
  console.log(`load average ${loadAverage()} at the end`);
  for (const line of summary) console.log(line);
}

await main();
