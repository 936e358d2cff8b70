/**
 * Where commands write, end to end through `node scripts/strait.js`: an output place
 * that cannot be written is one input-error line (exit 2); temporaries of a killed
 * run are removed by the next run to that place; a second writer at once is refused
 * by a lock naming the first; a finished run is replaced only with --force and only
 * when it holds nothing but its own files; and every exit code (0, 1, 2, 3).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputLock } from '../sim/core/output-lock.ts';
import { ROOT, expectSuccess, lines, smallScenarioJson, strait, type CliResult } from './strait-cli.ts';

const TIMEOUT = 120_000;

/** Under /proc nothing can be created, even by root (the tests may run as root). */
const UNWRITABLE = '/proc/strait-no-such-place';

let dir = '';
const at = (...parts: string[]) => join(dir, ...parts);
const runs: Record<string, Promise<CliResult>> = {};

/** A pid no process has: one of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

/** Names in `parent` that are temporaries or locks of `name`. */
function leftovers(parent: string, name: string): string[] {
  return readdirSync(parent).filter((entry) => entry.startsWith(`${name}.tmp-`) || entry === `${name}.lock`);
}

/** Exit 2 and one `strait: PLACE: ...` line on stderr (after any progress lines), no stack. */
function expectInputError(run: CliResult, message: RegExp): void {
  expect(run.status, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(2);
  const errors = lines(run.stderr).filter((line) => line.startsWith('strait: '));
  expect(errors, run.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(run.stderr).not.toMatch(/internal error|    at /);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strait-outputs-'));
  writeFileSync(at('small.json'), JSON.stringify(smallScenarioJson({ requests: 300 })));
  // Load 3: violations in both classes, so a baseline of 0% makes `regress` fail.
  writeFileSync(at('hot.json'), JSON.stringify(smallScenarioJson({ requests: 300, load: 3 })));
  writeFileSync(at('plain-file'), 'mine\n');
  writeFileSync(at('AzureLLMInferenceTrace_code.csv'), 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:50.9951690,396,109\n');
  const small = at('small.json');
  const sweepGrid = ['--policies', 'fifo', '--seeds', '1', '--workers', '1'];

  // Inputs the unwritable-place cases need: a run, a sweep, a replay.
  runs.run = strait(['run', small, '--out', at('run')]);
  runs.sweep = strait(['sweep', at('hot.json'), ...sweepGrid, '--out', at('sweep')]);
  runs.replay = strait(['replay', 'replay-cpu', '--backend', 'wasm', '--requests', '20', '--warmup', '0', '--out', at('replay')]);
  const afterRun = (args: string[]) => runs.run.then(() => strait(args));
  const afterSweep = (args: string[]) => runs.sweep.then(() => strait(args));
  const afterReplay = (args: string[]) => runs.replay.then(() => strait(args));

  const place = UNWRITABLE;
  runs.unwritableRun = strait(['run', small, '--out', place]);
  runs.unwritableRunDeep = strait(['run', small, '--out', `${place}/a/b`]);
  runs.underAFile = strait(['run', small, '--out', at('plain-file', 'run')]);
  runs.unwritableSweep = strait(['sweep', small, ...sweepGrid, '--out', place]);
  runs.unwritableCompare = strait(['compare', small, '--policies', 'fifo', '--seeds', '1', '--out', `${place}/c.json`]);
  runs.unwritableTraceCsv = strait(['trace', 'gen', '--requests', '10', '--out', `${place}/t.csv`]);
  runs.unwritableTraceArrow = strait(['trace', 'gen', '--requests', '10', '--out', `${place}/t.arrow`]);
  // /sys exists (the converter checks that the directory does) but takes no new files.
  runs.unwritableConvert = strait(['trace', 'convert', at('AzureLLMInferenceTrace_code.csv'), '--format', 'azure-llm-2023', '--out', '/sys/strait-t.csv']);
  runs.unwritableReplay = strait(['replay', 'replay-cpu', '--backend', 'cpu', '--requests', '4', '--warmup', '0', '--out', place]);
  runs.unwritableReport = afterRun(['report', at('run'), '--out', place]);
  runs.unwritableRegress = afterSweep(['regress', at('sweep'), '--baseline', `${place}/b.json`, '--update']);
  runs.unwritableMerge = afterSweep(['sweep', 'merge', place, at('sweep')]);
  runs.unwritableCalibrate = afterReplay(['calibrate', at('replay'), '--out', `${place}/p.json`, '--accept-poor-fit']);
  runs.unwritableValidate = afterReplay([
    'validate', '--replay', at('replay'), '--profile', 'scenarios/calibration/replay-cpu-wasm.json', '--sim-seeds', '1', '--out', `${place}/v.json`,
  ]);
  runs.replayAgain = afterReplay(['replay', 'replay-cpu', '--backend', 'wasm', '--requests', '20', '--warmup', '0', '--out', at('replay')]);
  await Promise.all(Object.values(runs));
}, TIMEOUT);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an output place that cannot be written', () => {
  const cases: [string, string][] = [
    ['unwritableRun', UNWRITABLE],
    ['unwritableRunDeep', `${UNWRITABLE}/a/b`],
    ['unwritableSweep', UNWRITABLE],
    ['unwritableCompare', `${UNWRITABLE}/c.json`],
    ['unwritableTraceCsv', `${UNWRITABLE}/t.csv`],
    ['unwritableTraceArrow', `${UNWRITABLE}/t.arrow`],
    ['unwritableConvert', '/sys/strait-t.csv'],
    ['unwritableReplay', UNWRITABLE],
    ['unwritableReport', UNWRITABLE],
    ['unwritableRegress', `${UNWRITABLE}/b.json`],
    ['unwritableMerge', UNWRITABLE],
    ['unwritableCalibrate', `${UNWRITABLE}/p.json`],
    ['unwritableValidate', `${UNWRITABLE}/v.json`],
  ];
  it.each(cases)('%s: exit 2, one line naming %s and why', async (name, place) => {
    const escaped = place.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expectInputError(await runs[name], new RegExp(`^strait: ${escaped}: cannot be written: (no such file or directory|permission denied|operation not permitted) \\(`));
  }, TIMEOUT);

  it('a path through a plain file: exit 2, the file untouched', async () => {
    expectInputError(await runs.underAFile, /^strait: .*plain-file\/run: cannot be written: a part of the path is not a directory \(/);
    expect(readFileSync(at('plain-file'), 'utf8')).toBe('mine\n');
  }, TIMEOUT);
});

describe('a finished run directory', () => {
  const small = () => at('small.json');

  it('is not replaced without --force (exit 2, files unchanged); with --force it is, with the same bytes; the default --out is', async () => {
    expectSuccess(await runs.run);
    const before = readFileSync(at('run', 'requests.arrow'));
    expectInputError(await strait(['run', small(), '--out', at('run')]), /^strait: .*\/run: holds a finished run directory; pass --force to replace it, or choose another --out$/);
    expect(readFileSync(at('run', 'requests.arrow')).equals(before)).toBe(true);
    expectSuccess(await strait(['run', small(), '--out', at('run'), '--force']));
    expect(readFileSync(at('run', 'requests.arrow')).equals(before)).toBe(true);
    expect(leftovers(dir, 'run')).toEqual([]);

    // The default --out (runs/NAME-POLICY-...) is strait's own: the same run again replaces it.
    const cwd = at('default-cwd');
    mkdirSync(cwd);
    const again = () => spawnSync(process.execPath, [join(ROOT, 'scripts/strait.js'), 'run', small()], { cwd, encoding: 'utf8' });
    for (let i = 0; i < 2; i++) expect(again().status).toBe(0);
    expect(readdirSync(join(cwd, 'runs'))).toEqual(['small-fifo-solo-seed3-load0.8']);
  }, TIMEOUT);

  it('is not replaced, even with --force, when it holds files strait did not write; nothing is deleted', async () => {
    mkdirSync(at('mixed'));
    expectSuccess(await strait(['run', small(), '--out', at('mixed', 'run')]));
    writeFileSync(at('mixed', 'run', 'notes.txt'), 'mine\n');
    const run = await strait(['run', small(), '--out', at('mixed', 'run'), '--force']);
    expectInputError(run, /^strait: .*\/mixed\/run: the run directory there also holds files strait did not write \(notes\.txt\); move them away or choose another --out$/);
    expect(readdirSync(at('mixed', 'run')).sort()).toEqual(['notes.txt', 'requests.arrow', 'scenario.json', 'summary.json', 'timing.json']);
    expect(leftovers(at('mixed'), 'run')).toEqual([]);
  }, TIMEOUT);

  it('a replay directory likewise, refused before any worker starts', async () => {
    expectSuccess(await runs.replay);
    expectInputError(await runs.replayAgain, /^strait: .*\/replay: holds a finished run directory; pass --force to replace it, or choose another --out$/);
    expect(existsSync(at('replay', 'replay.json'))).toBe(true);
  }, TIMEOUT);

});

describe('one writer at a time', () => {
  it('a lock of a running process refuses run and sweep, naming its pid; a lock of a dead one is taken over', async () => {
    // The test's own process stands for a strait writing there.
    writeFileSync(at('held.lock'), `${process.pid} ${hostname()}\n`);
    expectInputError(
      await strait(['run', at('small.json'), '--out', at('held')]),
      new RegExp(`^strait: .*/held: another strait \\(pid ${process.pid}\\) is writing it; wait for it to finish or choose another --out`),
    );
    expectInputError(
      await strait(['sweep', at('small.json'), '--policies', 'fifo', '--seeds', '1', '--out', at('held')]),
      new RegExp(`another strait \\(pid ${process.pid}\\) is writing it`),
    );
    expect(existsSync(at('held'))).toBe(false);
    expect(readFileSync(at('held.lock'), 'utf8')).toBe(`${process.pid} ${hostname()}\n`);

    writeFileSync(at('held.lock'), `${deadPid()} ${hostname()}\n`);
    expectSuccess(await strait(['run', at('small.json'), '--out', at('held')]));
    expect(leftovers(dir, 'held')).toEqual([]);
  }, TIMEOUT);

  it('a lock written on another host (a retried Slurm task or pod) is taken over, with a warning', async () => {
    writeFileSync(at('elsewhere.lock'), '4242 node-that-died\n');
    const run = await strait(['run', at('small.json'), '--out', at('elsewhere')]);
    expectSuccess(run);
    expect(lines(run.stderr)).toContain(
      `strait: ${at('elsewhere')}: took over the lock of pid 4242 on host node-that-died, which cannot be checked from here (a writer on another host that is still running is not kept apart)`,
    );
    expect(leftovers(dir, 'elsewhere')).toEqual([]);
  }, TIMEOUT);

  it('two runs at once: the second is refused; after the first is killed (SIGKILL) the next run cleans up and succeeds', async () => {
    writeFileSync(at('long.json'), JSON.stringify(smallScenarioJson({ requests: 50_000_000 })));
    const out = at('contended');
    const first = spawn(process.execPath, ['scripts/strait.js', 'run', at('long.json'), '--out', out], { cwd: ROOT, stdio: 'ignore' });
    const ended = new Promise((resolve) => first.on('close', resolve));
    try {
      const started = Date.now();
      while (!existsSync(`${out}.tmp-${first.pid}`)) {
        if (Date.now() - started > 30_000) throw new Error('the first run made no temporary directory in 30 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const second = await strait(['run', at('small.json'), '--out', out]);
      expectInputError(second, new RegExp(`^strait: .*/contended: another strait \\(pid ${first.pid}\\) is writing it`));
    } finally {
      first.kill('SIGKILL');
    }
    await ended;
    // What SIGKILL leaves: the lock and a temporary directory with a partial records file.
    expect(leftovers(dir, 'contended').sort()).toEqual([`contended.lock`, `contended.tmp-${first.pid}`]);

    const next = await strait(['run', at('small.json'), '--out', out]);
    expectSuccess(next);
    expect(lines(next.stderr)).toContain(`strait: removed ${out}.tmp-${first.pid}, left by a run that did not finish`);
    expect(leftovers(dir, 'contended')).toEqual([]);
    expect(readdirSync(out).sort()).toEqual(['requests.arrow', 'scenario.json', 'summary.json', 'timing.json']);
  }, TIMEOUT);
});

describe('OutputLock in one process', () => {
  it('refuses a second take of a lock this process holds; takes over one naming its pid that it does not hold', () => {
    const lock = OutputLock.take(at('in-process'));
    expect(() => OutputLock.take(at('in-process'))).toThrow(new RegExp(`in-process: another strait \\(pid ${process.pid}\\) is writing it`));
    lock.release();
    expect(existsSync(at('in-process.lock'))).toBe(false);
    // Left by an earlier process that had this pid (a container's pid 1, restarted).
    writeFileSync(at('in-process.lock'), `${process.pid} ${hostname()}\n`);
    OutputLock.take(at('in-process')).release();
    expect(existsSync(at('in-process.lock'))).toBe(false);
  });
});

describe('temporaries of processes that are gone', () => {
  it('are removed by the next write to the place (a run directory, a trace); those of running processes are kept', async () => {
    const dead = deadPid();
    mkdirSync(at('temps'));
    mkdirSync(at('temps', `run.tmp-${dead}`));
    writeFileSync(at('temps', `run.tmp-${dead}`, `requests.arrow.tmp-${dead}`), 'partial');
    mkdirSync(at('temps', `run.tmp-${process.pid}`)); // a live writer's: not to be touched
    writeFileSync(at('temps', `t.csv.tmp-${dead}`), 'arrival_ms,model\n1,');

    const run = await strait(['run', at('small.json'), '--out', at('temps', 'run')]);
    expectSuccess(run);
    expect(lines(run.stderr)).toContain(`strait: removed ${at('temps', `run.tmp-${dead}`)}, left by a run that did not finish`);
    const trace = await strait(['trace', 'gen', '--requests', '10', '--out', at('temps', 't.csv')]);
    expectSuccess(trace);
    expect(lines(trace.stderr)).toContain(`strait: removed ${at('temps', `t.csv.tmp-${dead}`)}, left by a run that did not finish`);

    expect(readdirSync(at('temps')).sort()).toEqual(['run', `run.tmp-${process.pid}`, 't.csv']);
  }, TIMEOUT);
});

describe('exit codes', () => {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

  it('0 success (--help, --version), 1 a check failed, 2 usage or input error, 3 internal error', async () => {
    expectSuccess(await runs.sweep);
    // A baseline of 0% violations: the sweep at load 3 is worse than it.
    const baseline = at('zero-baseline.json');
    expectSuccess(await strait(['regress', at('sweep'), '--baseline', baseline, '--update']));
    const json = JSON.parse(readFileSync(baseline, 'utf8'));
    for (const point of json.points) point.highViolationPct = point.lowViolationPct = 0;
    writeFileSync(baseline, JSON.stringify(json));

    const cases: [number, string[], Record<string, string>?][] = [
      [0, ['--help']],
      [0, ['run', '--help']],
      [0, ['--version']],
      [1, ['regress', at('sweep'), '--baseline', baseline]],
      [2, ['run', '--bogus']],
      [2, ['nope']],
      [2, []],
      [2, ['run', '--seed', '-1']],
      [2, ['report', at('run')]], // --out is required
      [2, ['run', at('nowhere.json')]],
      [3, ['list'], { STRAIT_FAULT: 'internal' }],
    ];
    const done = await Promise.all(cases.map(([, args, env]) => strait(args, env)));
    expect(done.map((run) => run.status)).toEqual(cases.map(([code]) => code));

    const [, , printed, worse, unknown, , , , , , internal] = done;
    expect(printed.stdout).toBe(`${version}\n`);
    expect(lines(worse.stderr).at(-1)).toMatch(/^strait: regress: 2 rates worse than the baseline/);
    expect(unknown.stderr).toBe("error: unknown option '--bogus'\n");
    expect(internal.stderr).toBe('strait: internal error: fault injected by STRAIT_FAULT=internal\n(set STRAIT_DEBUG=1 for the stack trace; this is a bug, please report it)\n');
  }, TIMEOUT);
});
