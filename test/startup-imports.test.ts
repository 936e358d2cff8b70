/**
 * What a command loads before it does its work: help, `list` and a refused input must
 * answer at Node's start-up speed, so they load no package but commander (apache-arrow
 * alone is some 150 modules, csv-parse, seedrandom and the report renderers more).
 * Checked on the loaded modules themselves (a loader hook logs them), not on a timing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSuccess, smallScenarioJson, strait } from './strait-cli.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

const scratch = mkdtempSync(join(tmpdir(), 'strait-startup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const REGISTER = new URL('./fixtures/load-log/register.mjs', import.meta.url).href;
// A command that finds the compiled CLI stale builds it first, loading esbuild: build it
// here, so what is measured below is the command alone.
beforeAll(async () => expectSuccess(await strait(['--version'])), CHILD_LIMIT_MS);

/** The packages (under node_modules) a CLI command loads, and its exit status. */
async function packagesLoaded(name: string, args: readonly string[]): Promise<{ status: number | null; packages: string[]; stderr: string }> {
  const log = join(scratch, `${name}.log`);
  const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --import=${REGISTER}`.trim();
  const run = await strait(args, { NODE_OPTIONS: nodeOptions, STRAIT_LOAD_LOG: log });
  const urls = readFileSync(log, 'utf8').split('\n');
  const packages = new Set<string>();
  for (const url of urls) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match !== null) packages.add(match[1]);
  }
  return { status: run.status, packages: [...packages].sort(), stderr: run.stderr };
}

describe('start-up loads only what the command needs', () => {
  it('--help, --version and trace convert --help load no package but commander', async () => {
    for (const [name, args] of [
      ['help', ['--help']],
      ['version', ['--version']],
      ['convert-help', ['trace', 'convert', '--help']],
    ] as const) {
      const { status, packages } = await packagesLoaded(name, args);
      expect(status, name).toBe(0);
      expect(packages, name).toEqual(['commander']);
    }
  });

  it('list loads no package but commander', async () => {
    const { status, packages } = await packagesLoaded('list', ['list']);
    expect(status).toBe(0);
    expect(packages).toEqual(['commander']);
  });

  it('a scenario that does not exist is refused before the simulator or the trace readers load', async () => {
    for (const [name, args] of [
      ['run', ['run', join(scratch, 'nosuch.json')]],
      ['sweep', ['sweep', join(scratch, 'nosuch.json'), '--out', join(scratch, 'sweep')]],
    ] as const) {
      const { status, packages, stderr } = await packagesLoaded(name, args);
      expect(status, name).toBe(2);
      expect(stderr, name).toContain('nosuch.json: no such file');
      expect(packages, name).toEqual(['commander']);
    }
  });

  it('capacity, compare and trace inspect refuse a missing or bad input before the simulator loads', async () => {
    const badScenario = join(scratch, 'bad.json');
    writeFileSync(badScenario, JSON.stringify({ extends: 'default', load: -1 }));
    const badTrace = join(scratch, 'bad.csv');
    writeFileSync(badTrace, 'not,a,trace\n');
    for (const [name, args, message] of [
      ['capacity', ['capacity', join(scratch, 'nosuch.json')], 'nosuch.json: no such file'],
      ['capacity-bad', ['capacity', badScenario], 'bad.json: load: expected a number > 0'],
      ['compare', ['compare', join(scratch, 'nosuch.json')], 'nosuch.json: no such file'],
      ['compare-bad', ['compare', badScenario], 'bad.json: load: expected a number > 0'],
      ['inspect', ['trace', 'inspect', join(scratch, 'nosuch.csv')], 'nosuch.csv: no such file'],
      ['inspect-arrow', ['trace', 'inspect', join(scratch, 'nosuch.arrow')], 'nosuch.arrow: no such file'],
      ['inspect-bad', ['trace', 'inspect', badTrace], 'bad.csv: line 1: missing columns'],
    ] as const) {
      const { status, packages, stderr } = await packagesLoaded(name, args);
      expect(status, name).toBe(2);
      expect(stderr, name).toContain(message);
      expect(packages, name).toEqual(['commander']);
    }
  });

  it('a run of an Arrow trace, and a sweep with its worker, load no csv-parse', async () => {
    const trace = join(scratch, 'trace.arrow');
    expectSuccess(await strait(['trace', 'gen', '--out', trace, '--requests', '300']));
    const scenario = join(scratch, 'arrow-trace.json');
    writeFileSync(scenario, JSON.stringify({ extends: 'default', name: 'arrow-trace', workload: { trace } }));
    for (const [name, args] of [
      ['run-arrow', ['run', scenario, '--out', join(scratch, 'run-arrow')]],
      ['sweep-arrow', ['sweep', scenario, '--policies', 'fifo,edf', '--seeds', '2', '--workers', '2', '--out', join(scratch, 'sweep-arrow')]],
    ] as const) {
      const { status, packages, stderr } = await packagesLoaded(name, args);
      expect(status, `${name}: ${stderr}`).toBe(0);
      expect(packages, name).toContain('apache-arrow');
      expect(packages, name).not.toContain('csv-parse');
    }
  });

  it('a restarted sweep with every point complete loads no package but commander', async () => {
    const scenario = join(scratch, 'small-sweep.json');
    writeFileSync(scenario, JSON.stringify(smallScenarioJson({ name: 'small-sweep', requests: 200 })));
    const grid = ['sweep', scenario, '--policies', 'fifo', '--seeds', '1'];
    const out = join(scratch, 'sweep-done');
    expectSuccess(await strait([...grid, '--out', out]));
    const { status, packages, stderr } = await packagesLoaded('sweep-done', [...grid, '--out', out]);
    expect(status, stderr).toBe(0);
    expect(stderr).toContain('none run, 1 already complete');
    expect(packages).toEqual(['commander']);
  });
});
