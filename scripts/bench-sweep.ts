/**
 * Sweep scaling benchmark: runs the same sweep with 1 worker and with N workers
 * (alternating, `--repeats` times each, each into a fresh directory) and reports the
 * wall times and CPU times (user + system of the sweep and its workers) and their
 * ratios, per pair and over all pairs, with the load average before each pair: the CPU
 * ratio is steadier on a busy machine, the wall ratio means something only on an idle one. Usage:
 *   npm run bench:sweep -- [--workers N] [--repeats R] [--scenario S] [--policies a,b] [--loads L] [--seeds S]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bug } from '../sim/core/errors.ts';
import { childrenCpuMs, loadAverage } from './child-cpu.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '2' },
    scenario: { type: 'string', default: 'default' },
    policies: { type: 'string', default: 'fifo,edf,priority,strait' },
    loads: { type: 'string', default: '0.5:1.2:0.1' },
    seeds: { type: 'string', default: '3' },
  },
});

const cli = join(import.meta.dirname, 'strait.js');
const scratch = mkdtempSync(join(tmpdir(), 'strait-bench-sweep-'));

/** Wall and CPU time of one whole `strait sweep` process, start-up and workers included, seconds. */
function timeSweep(workers: number, k: number): { wall: number; cpu: number } {
  const out = join(scratch, `w${workers}-${k}`);
  const args = [cli, 'sweep', values.scenario, '--policies', values.policies, '--loads', values.loads];
  args.push('--seeds', values.seeds, '--workers', String(workers), '--out', out);
  const cpu = childrenCpuMs();
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (childrenCpuMs() - cpu) / 1000;
  if (run.status !== 0) bug(`strait sweep: expected exit 0, got ${run.status}: ${run.stderr}`);
  rmSync(out, { recursive: true, force: true });
  return { wall: seconds, cpu: cpuSeconds };
}

const n = Number(values.workers);
const repeats = Number(values.repeats);
const one: { wall: number; cpu: number }[] = [];
const many: { wall: number; cpu: number }[] = [];
const f = (x: number, digits = 2) => x.toFixed(digits);
try {
  for (let k = 0; k < repeats; k++) {
    const load = loadAverage();
    // Alternate which side goes first, so a machine that speeds up or slows down favours neither.
    if (k % 2 === 0) {
      one.push(timeSweep(1, k));
      many.push(timeSweep(n, k));
    } else {
      many.push(timeSweep(n, k));
      one.push(timeSweep(1, k));
    }
    console.log(
      `pair ${k + 1} (load average ${load}): 1 worker ${f(one[k].wall)} s wall, ${f(one[k].cpu)} s CPU; ` +
        `${n} workers ${f(many[k].wall)} s wall, ${f(many[k].cpu)} s CPU; wall ratio ${f(many[k].wall / one[k].wall, 3)}, CPU ratio ${f(many[k].cpu / one[k].cpu, 3)}`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const ratios = (key: 'wall' | 'cpu') => one.map((o, k) => many[k][key] / o[key]);
const range = (xs: number[]) => `${f(Math.min(...xs), 3)}-${f(Math.max(...xs), 3)}`;
console.log(
  `sweep ${values.scenario}: policies ${values.policies}, loads ${values.loads}, seeds ${values.seeds}; ${repeats} pairs, load average ${loadAverage()} at the end; ` +
    `${n} workers / 1 worker summed over the pairs: wall ${f(sum(many.map((m) => m.wall)) / sum(one.map((o) => o.wall)), 3)} (pairs ${range(ratios('wall'))}), ` +
    `CPU ${f(sum(many.map((m) => m.cpu)) / sum(one.map((o) => o.cpu)), 3)} (pairs ${range(ratios('cpu'))})`,
);
