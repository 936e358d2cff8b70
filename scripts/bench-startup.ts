/**
 * Start-up benchmark: how long `strait --help`, `strait list` and an error message
 * (`strait run nosuch.json`) take as whole processes, each beside a bare `node -e 0` in
 * the same rounds, so a busy machine slows both alike and the ratio to a bare Node start
 * is the figure to compare. Rounds are alternated: every command (and every checkout
 * given with --cli) runs once per round, in a rotated order. Usage:
 *   npm run bench:startup -- [--runs N] [--cli path/to/strait.js]...
 *
 * Wall time is measured here; CPU time (user + system) is the children's, read from
 * /proc/self/stat (clock ticks, 10 ms on Linux) around each run. Each command is run
 * once first, so a build of the compiled CLI is not timed.
 */
import { spawnSync } from 'node:child_process';
import { join, relative, resolve } from 'node:path';
import { benchArgs, wholeNumbers } from './bench-args.ts';
import { median } from './bench-stats.ts';
import { bug } from '../sim/core/errors.ts';
import { childrenCpuMs, loadAverage } from './child-cpu.ts';

const { values } = benchArgs('bench:startup', {
  options: {
    runs: { type: 'string', default: '10' },
    cli: { type: 'string', multiple: true },
  },
});
const { runs } = wholeNumbers('bench:startup', values, ['runs']);
const clis = (values.cli ?? [join(import.meta.dirname, 'strait.js')]).map((cli) => resolve(cli));

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  /** The exit status the command must end with. */
  readonly status: number;
}
const COMMANDS: readonly Case[] = [
  { name: '--help', args: ['--help'], status: 0 },
  { name: 'list', args: ['list'], status: 0 },
  { name: 'run nosuch.json', args: ['run', 'nosuch.json'], status: 2 },
];
const BARE: Case = { name: 'node -e 0', args: [], status: 0 };

function once(cli: string | undefined, c: Case): { wall: number; cpu: number } {
  const args = cli === undefined ? ['-e', '0'] : [cli, ...c.args];
  const cpu = childrenCpuMs();
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: '/tmp' });
  const wall = performance.now() - started;
  if (run.status !== c.status) bug(`${args.join(' ')}: expected exit ${c.status}, got ${run.status}: ${run.stderr}`);
  return { wall, cpu: childrenCpuMs() - cpu };
}

const entries: { label: string; cli: string | undefined; c: Case }[] = [{ label: BARE.name, cli: undefined, c: BARE }];
for (const cli of clis) {
  const where = clis.length > 1 ? ` [${relative(process.cwd(), cli) || cli}]` : '';
  for (const c of COMMANDS) entries.push({ label: `strait ${c.name}${where}`, cli, c });
}
for (const e of entries) once(e.cli, e.c); // builds the compiled CLI if it is stale

const walls = entries.map(() => [] as number[]);
const cpus = entries.map(() => [] as number[]);
for (let round = 0; round < runs; round++) {
  for (let k = 0; k < entries.length; k++) {
    const i = (k + round) % entries.length; // rotate, so no command always follows another
    const { wall, cpu } = once(entries[i].cli, entries[i].c);
    walls[i].push(wall);
    cpus[i].push(cpu);
  }
}

const bareWall = median(walls[0]);
const bareCpu = median(cpus[0]);
console.log(`${runs} rounds (load average ${loadAverage()} at the end); median wall and CPU (user+sys) per command, and as a ratio to node -e 0`);
for (let i = 0; i < entries.length; i++) {
  const w = median(walls[i]);
  const c = median(cpus[i]);
  console.log(
    `${entries[i].label.padEnd(32)} wall ${(w / 1000).toFixed(3)} s (x${(w / bareWall).toFixed(2)})  ` +
      `CPU ${(c / 1000).toFixed(3)} s (x${(c / Math.max(bareCpu, 10)).toFixed(2)})  wall range ${(Math.min(...walls[i]) / 1000).toFixed(3)}-${(Math.max(...walls[i]) / 1000).toFixed(3)} s`,
  );
}
