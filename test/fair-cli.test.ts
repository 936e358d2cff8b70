/**
 * `strait compare --tune / --loads / --figures` and `strait capacity` end to end, on a
 * small scenario (600 requests); all CLI calls start in beforeAll, as in cli.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSuccess, lines, smallScenarioJson, strait, type CliResult } from './strait-cli.ts';

const TIMEOUT = 60_000;
let dir: string;
let calls: Record<string, Promise<CliResult>>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strait-fair-cli-'));
  const scenario = join(dir, 'small.json');
  writeFileSync(scenario, JSON.stringify(smallScenarioJson({ requests: 600 })));
  const measured = join(dir, 'measured.json');
  writeFileSync(measured, JSON.stringify(smallScenarioJson({ requests: 600, load: 0.5, loadBasis: 'measured' })));
  calls = {
    tuned: strait(['compare', scenario, '--policies', 'fifo,strait', '--seeds', '1', '--tune']),
    figures: strait(['compare', scenario, '--policies', 'priority', '--seeds', '1', '--tune', '--loads', '0.5,1.2', '--figures', join(dir, 'figures')]),
    bothLoads: strait(['compare', scenario, '--load', '1', '--loads', '1,2']),
    capacity: strait(['capacity', scenario, '--seeds', '1', '--concurrencies', '1,2']),
    badConcurrency: strait(['capacity', scenario, '--concurrencies', '0,2']),
    measuredRun: strait(['run', measured, '--out', join(dir, 'measured-run')]),
    measuredSweep: strait(['sweep', measured, '--policies', 'fifo', '--seeds', '1', '--out', join(dir, 'sweep')]),
  };
}, TIMEOUT);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('strait compare', () => {
  it('--tune prints each policy untuned and tuned with its setting, then the high-only floor', async () => {
    const run = await calls.tuned;
    expectSuccess(run);
    const rows = lines(run.stdout).filter((l) => /^(fifo|strait|edf) /.test(l));
    expect(rows.map((l) => l.split(/\s{2,}/).slice(0, 2).join(' '))).toEqual(['fifo untuned', 'fifo tuned', 'strait untuned', 'strait tuned', 'edf high only']);
    expect(rows[0]).toContain('concurrency 4');
    expect(rows[2]).toContain('concurrency 4, reserveSlots 1');
    expect(run.stdout).toContain('best = lowest mean high violation rate');
  }, TIMEOUT);

  it('--figures writes the figure set: spec, SVG, PNG, Markdown tables, JSON and index.html', async () => {
    const run = await calls.figures;
    expectSuccess(run);
    const out = join(dir, 'figures');
    expect(readdirSync(out).sort()).toEqual(['comparison.json', 'index.html', 'tables.md', 'violations-vs-load.png', 'violations-vs-load.svg', 'violations-vs-load.vl.json']);
    const tables = readFileSync(join(out, 'tables.md'), 'utf8');
    expect(tables).toContain('**Load 0.5 (mean ± standard deviation over seeds 3)**');
    expect(tables).toContain('| priority | tuned | solo | concurrency');
    expect(tables).toContain('| edf | high only |');
    const documents = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8'));
    expect(documents.map((d: { statedLoad: number }) => d.statedLoad)).toEqual([0.5, 1.2]);
    const spec = JSON.parse(readFileSync(join(out, 'violations-vs-load.vl.json'), 'utf8'));
    const floor = spec.data.values.filter((v: { series: string }) => v.series === 'high only');
    expect(floor.map((v: { priority: string }) => v.priority)).toEqual(['high', 'high']);
  }, TIMEOUT);

  it('refuses --load with --loads in one line, exit 2', async () => {
    const run = await calls.bothLoads;
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('strait: --load and --loads: give one or the other\n');
  }, TIMEOUT);
});

describe('strait capacity', () => {
  it('prints the measured capacity per concurrency, exclusive and best, beside the nominal one', async () => {
    const run = await calls.capacity;
    expectSuccess(run);
    expect(run.stdout).toMatch(/^nominal capacity [\d.]+ req\/s/m);
    expect(run.stdout).toMatch(/^exclusive \(concurrency 1\): load [\d.]+, [\d.]+ req\/s, [\d.]+ x nominal$/m);
    expect(run.stdout).toMatch(/^best \(concurrency [12]\): /m);
  }, TIMEOUT);

  it('names a bad --concurrencies value, exit 2', async () => {
    const run = await calls.badConcurrency;
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('strait: --concurrencies: expected comma-separated integers from 1 to 4 (the GPUs\' slots), got "0"\n');
  }, TIMEOUT);

  it('states a run\'s load against it with "loadBasis": "measured", and the run directory records the nominal load', async () => {
    const run = await calls.measuredRun;
    expectSuccess(run);
    const note = /^load 0\.5 of the measured capacity \(load ([\d.]+), [\d.]+ req\/s, concurrency \d, seeds 3, 4, 5\) = load ([\d.]+) on the nominal basis$/m.exec(run.stdout);
    expect(note).not.toBeNull();
    expect(Number(note![2])).toBeCloseTo(0.5 * Number(note![1]), 3);
    const recorded = JSON.parse(readFileSync(join(dir, 'measured-run', 'scenario.json'), 'utf8'));
    expect(recorded.loadBasis).toBeUndefined();
    expect(recorded.load).toBeCloseTo(Number(note![2]), 3);
  }, TIMEOUT);

  it('is refused by sweep rather than ignored', async () => {
    const run = await calls.measuredSweep;
    expect(run.status).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain('loadBasis: "measured" is resolved by strait run and strait compare, not by strait sweep');
    expect(existsSync(join(dir, 'sweep'))).toBe(false);
  }, TIMEOUT);
});
