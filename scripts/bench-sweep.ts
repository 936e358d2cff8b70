/**
 * Sweep scaling benchmark: runs the same sweep with 1 worker and with N workers
 * (alternating, `--repeats` pairs, each sweep into a fresh directory) and reports per
 * pair and over the pairs the wall times and CPU times (user + system of the sweep and
 * its workers), the CPU ratio (N workers over 1) and the wall speedup (1 worker's wall
 * over N workers'), with the load average before each pair and at the start and end:
 * the CPU ratio is steadier on a busy machine, the speedup means something only on an
 * idle one. Given several `--cli` (for instance a copy of an older commit and this one),
 * every pair runs each of them, in a rotated order. Usage:
 *   npm run bench:sweep -- [--workers N] [--repeats R] [--cli path/to/strait.js]... [--scenario S] [--policies a,b] [--loads L] [--seeds S]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchArgs, wholeNumbers } from './bench-args.ts';
import { median } from './bench-stats.ts';
import { bug } from '../sim/core/errors.ts';
import { childrenCpuMs, loadAverage } from './child-cpu.ts';

const { values } = benchArgs('bench:sweep', {
  options: {
    workers: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '5' },
    cli: { type: 'string', multiple: true },
    scenario: { type: 'string', default: 'default' },
    policies: { type: 'string', default: 'fifo,edf,priority,strait' },
    loads: { type: 'string', default: '0.5:1.2:0.1' },
    seeds: { type: 'string', default: '3' },
  },
});
const { workers: n } = wholeNumbers('bench:sweep', values, ['workers'], 2);
const { repeats } = wholeNumbers('bench:sweep', values, ['repeats']);
const clis = (values.cli ?? [join(import.meta.dirname, 'strait.js')]).map((cli) => resolve(cli));
const scratch = mkdtempSync(join(tmpdir(), 'strait-bench-sweep-'));

interface Timing {
  readonly wall: number;
  readonly cpu: number;
  /** Seconds with a worker idle at the end, from the sweep's last line (absent before this was printed). */
  readonly idleTail?: number;
}

let sweeps = 0;
/** Wall and CPU time of one whole `strait sweep` process, start-up and workers included, seconds. */
function timeSweep(cli: string, workers: number): Timing {
  const out = join(scratch, `sweep-${sweeps++}`);
  const args = [cli, 'sweep', values.scenario, '--policies', values.policies, '--loads', values.loads];
  args.push('--seeds', values.seeds, '--workers', String(workers), '--out', out);
  const cpu = childrenCpuMs();
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (childrenCpuMs() - cpu) / 1000;
  if (run.status !== 0) bug(`strait sweep: expected exit 0, got ${run.status}: ${run.stderr}`);
  rmSync(out, { recursive: true, force: true });
  const tail = /\(([\d.]+) s of it with a worker idle at the end\)/.exec(run.stderr);
  return { wall: seconds, cpu: cpuSeconds, ...(tail !== null ? { idleTail: Number(tail[1]) } : {}) };
}

const f = (x: number, digits = 2) => x.toFixed(digits);
const spread = (xs: readonly number[]) => `median ${f(median(xs), 3)} (range ${f(Math.min(...xs), 3)}-${f(Math.max(...xs), 3)})`;
const label = (i: number) => (clis.length > 1 ? ` [${values.cli![i]}]` : '');

const one = clis.map(() => [] as Timing[]);
const many = clis.map(() => [] as Timing[]);
const loadAtStart = loadAverage();
for (const cli of clis) timeSweep(cli, 1); // builds the compiled CLI if it is stale; not timed
console.log(
  `sweep ${values.scenario}: policies ${values.policies}, loads ${values.loads}, seeds ${values.seeds}; 1 vs ${n} workers, ${repeats} pairs; load average ${loadAtStart} at the start`,
);
try {
  for (let k = 0; k < repeats; k++) {
    const load = loadAverage();
    // Rotate the checkouts and alternate which side goes first, so a machine that speeds up or slows down favours none.
    for (let c = 0; c < clis.length; c++) {
      const i = (c + k) % clis.length;
      if (k % 2 === 0) {
        one[i].push(timeSweep(clis[i], 1));
        many[i].push(timeSweep(clis[i], n));
      } else {
        many[i].push(timeSweep(clis[i], n));
        one[i].push(timeSweep(clis[i], 1));
      }
    }
    for (let i = 0; i < clis.length; i++) {
      const [o, m] = [one[i][k], many[i][k]];
      const tail = m.idleTail !== undefined ? `, a worker idle ${f(m.idleTail)} s at the end` : '';
      console.log(
        `pair ${k + 1}${label(i)} (load average ${load}): 1 worker ${f(o.wall)} s wall, ${f(o.cpu)} s CPU; ` +
          `${n} workers ${f(m.wall)} s wall, ${f(m.cpu)} s CPU${tail}; CPU ratio ${f(m.cpu / o.cpu, 3)}, wall speedup ${f(o.wall / m.wall, 3)}`,
      );
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`load average ${loadAverage()} at the end`);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
for (let i = 0; i < clis.length; i++) {
  const cpuRatios = one[i].map((o, k) => many[i][k].cpu / o.cpu);
  const speedups = one[i].map((o, k) => o.wall / many[i][k].wall);
  const summed = (key: 'wall' | 'cpu') => sum(many[i].map((m) => m[key])) / sum(one[i].map((o) => o[key]));
  console.log(
    `${n} workers / 1 worker${label(i)}: CPU ratio ${spread(cpuRatios)}, summed ${f(summed('cpu'), 3)}; ` +
      `wall speedup ${spread(speedups)}, summed ${f(1 / summed('wall'), 3)}`,
  );
}
