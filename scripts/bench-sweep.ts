/**
 * Sweep scaling benchmark: runs the same sweep with 1 worker and with N workers
 * (alternating, `--repeats` times each, each into a fresh directory) and reports the
 * wall times and their ratio. Usage:
 *   npm run bench:sweep -- [--workers N] [--repeats R] [--scenario S] [--policies a,b] [--loads L] [--seeds S]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bug } from '../sim/core/errors.ts';

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

/** Wall time of one whole `strait sweep` process, start-up included, seconds. */
function timeSweep(workers: number, k: number): number {
  const out = join(scratch, `w${workers}-${k}`);
  const args = [cli, 'sweep', values.scenario, '--policies', values.policies, '--loads', values.loads];
  args.push('--seeds', values.seeds, '--workers', String(workers), '--out', out);
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) bug(`strait sweep: expected exit 0, got ${run.status}: ${run.stderr}`);
  rmSync(out, { recursive: true, force: true });
  return seconds;
}

const n = Number(values.workers);
const repeats = Number(values.repeats);
const one: number[] = [];
const many: number[] = [];
try {
  for (let k = 0; k < repeats; k++) {
    one.push(timeSweep(1, k));
    many.push(timeSweep(n, k));
    console.log(`repeat ${k + 1}: 1 worker ${one[k].toFixed(2)} s, ${n} workers ${many[k].toFixed(2)} s, ratio ${(many[k] / one[k]).toFixed(3)}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `sweep ${values.scenario}: policies ${values.policies}, loads ${values.loads}, seeds ${values.seeds}; ` +
    `mean 1 worker ${mean(one).toFixed(2)} s, ${n} workers ${mean(many).toFixed(2)} s, ratio ${(mean(many) / mean(one)).toFixed(3)}`,
);
