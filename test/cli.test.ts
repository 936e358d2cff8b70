/**
 * End-to-end tests of the `strait` command: each spawns `node scripts/strait.js` and
 * checks what it prints and the run directory it writes (or does not write). A CLI
 * call costs about half a second of start-up, so all calls are started in beforeAll
 * (as many at once as there are CPUs) and each test awaits the ones it checks.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { scenarioToJson } from '../scenarios/serialize-scenario.ts';
import { expectSuccess, strait, smallScenarioJson, type CliResult } from './strait-cli.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

/** The CLI calls run as child processes: a limit for a hang, sized for a busy machine. */
const TIMEOUT = CHILD_LIMIT_MS;

const RUN_FILES = ['requests.arrow', 'scenario.json', 'summary.json', 'timing.json'];

const ARROW_COLUMNS = [
  'id',
  'arrival_ms',
  'model',
  'batch',
  'priority',
  'deadline_ms',
  'outcome',
  'gpu',
  'preemptions',
  'dispatched_ms',
  'transfer_in_start_ms',
  'transfer_in_end_ms',
  'execution_start_ms',
  'execution_end_ms',
  'transfer_out_start_ms',
  'completed_ms',
  'latency_ms',
  'solo_latency_ms',
  'predicted_transfer_ms',
  'predicted_execution_ms',
  'predicted_completion_ms',
];

const OUTCOME_KEYS = ['met', 'late', 'dropped', 'rejected', 'unserved'];

/** Two GPUs, two built-in models, 2000 requests: a run of a fraction of a second. */
const SMALL = smallScenarioJson({ requests: 2000 });

// Each bad input: the arguments before --out, and what its message must name.
type Bad = { readonly args: readonly string[]; readonly names: RegExp; readonly fileCase: boolean };

let dir = '';
const file = (...parts: string[]) => join(dir, ...parts);
const read = (...parts: string[]) => readFileSync(file(...parts));
const readJson = (...parts: string[]) => JSON.parse(readFileSync(file(...parts), 'utf8'));

/** Files left next to `out` by an interrupted write (`<out>.tmp-<pid>`). */
function temporarySiblings(out: string): string[] {
  return readdirSync(dirname(out)).filter((name) => name.startsWith(`${basename(out)}.tmp-`));
}

const runs: Record<string, Promise<CliResult>> = {};
let bad: Record<string, Bad> = {};
/** The first run of small.json, as it was before anything ran into its directory again. */
let first: { summary: Buffer; requests: Buffer; scenario: Buffer } | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strait-cli-'));
  const scenario = (name: string, json: unknown) => {
    const path = file(name);
    writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json, null, 2));
    return path;
  };
  const small = scenario('small.json', SMALL);
  const edit = (change: (json: typeof SMALL & Record<string, unknown>) => void) => {
    const json = structuredClone(SMALL) as typeof SMALL & Record<string, unknown>;
    change(json);
    return json;
  };
  bad = {
    missingField: {
      args: [scenario('missing.json', edit((j) => delete (j.workload as Partial<typeof j.workload>).streams))],
      names: /missing\.json: workload\.streams: expected an array/,
      fileCase: true,
    },
    unknownModel: {
      args: [scenario('model.json', edit((j) => (j.workload.streams[1].model = 'bert_huge')))],
      names: /model\.json: workload\.streams\[1\]\.model: expected one of "mobilenet_v2", "bert_base", got "bert_huge"/,
      fileCase: true,
    },
    unknownPolicy: {
      args: [scenario('policy.json', edit((j) => (j.policy = 'lifo')))],
      names: /policy\.json: policy: expected one of "fifo", "edf", "priority", "clockwork", "preempt", "strait", got "lifo"/,
      fileCase: true,
    },
    negativeRate: {
      args: [scenario('rate.json', edit((j) => (j.workload = { ...j.workload, ratePerSec: -5 } as typeof j.workload)))],
      names: /rate\.json: workload\.ratePerSec: expected a number > 0, got -5/,
      fileCase: true,
    },
    invalidJson: {
      // V8's own message for this one has no position and spans lines.
      args: [scenario('syntax.json', '{\n  "name": "x",\n  "seed": nope\n}\n')],
      names: /syntax\.json: invalid JSON at line 3, column 12: Unexpected token 'o'$/,
      fileCase: true,
    },
    missingFile: {
      args: [file('nowhere.json')],
      names: /nowhere\.json: no such file; expected a scenario file or a built-in scenario \(default(, [a-z-]+)*\)/,
      fileCase: true,
    },
    policyFlag: { args: [small, '--policy', 'nope'], names: /--policy: expected one of fifo, edf, priority, clockwork, preempt, strait, got "nope"/, fileCase: false },
    seedFlag: { args: [small, '--seed', '-1'], names: /--seed.*'-1' is invalid.*non-negative integer/, fileCase: false },
    loadFlag: { args: [small, '--load', '0'], names: /--load.*'0' is invalid.*positive number/, fileCase: false },
  };

  // A directory that is not a run directory, and a plain file, as --out.
  mkdirSync(file('keep'));
  writeFileSync(file('keep', 'notes.txt'), 'mine\n');
  writeFileSync(file('plain-file'), 'also mine\n');

  runs.default = strait(['run', '--out', file('default')]);
  runs.small = strait(['run', small, '--json', '--out', file('small')]);
  // Once it is written: feed its scenario.json back, and run it again into the same
  // run directory (--force: replacing a finished run is asked for).
  const afterSmall = (runs.smallSnapshot = runs.small.then((run) => {
    if (run.status === 0) {
      first = { summary: read('small', 'summary.json'), requests: read('small', 'requests.arrow'), scenario: read('small', 'scenario.json') };
      writeFileSync(file('small-scenario.json'), first.scenario);
    }
    return run;
  }));
  runs.reproduced = afterSmall.then(() => strait(['run', file('small-scenario.json'), '--out', file('reproduced')]));
  runs.again = afterSmall.then(() => strait(['run', small, '--out', file('small'), '--force']));
  runs.otherSeed = strait(['run', small, '--seed', '4', '--out', file('other-seed')]);
  runs.overrides = strait(['run', small, '--policy', 'edf', '--predictor', 'solo', '--seed', '7', '--load', '0.4', '--json', '--out', file('overrides')]);
  runs.list = strait(['list']);
  runs.keep = strait(['run', small, '--out', file('keep')]);
  runs.plainFile = strait(['run', small, '--out', file('plain-file')]);
  for (const [name, b] of Object.entries(bad)) runs[name] = strait(['run', ...b.args, '--out', file(`bad-${name}`)]);
}, TIMEOUT);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('strait run with no scenario', () => {
  it('prints a table with rows high and low and writes a complete run directory', async () => {
    const run = await runs.default;
    expectSuccess(run);
    expect(run.stdout).toMatch(/^class\s+requests\s+met\s+late/m);
    expect(run.stdout).toMatch(/^high\s+[\d,]+\s+[\d,]+/m);
    expect(run.stdout).toMatch(/^low\s+[\d,]+\s+[\d,]+/m);
    expect(run.stdout).toMatch(/^all\s+20,000\s/m);
    expect(run.stdout).toMatch(/^scenario default {2}policy fifo {2}predictor solo {2}seed 1 {2}load 0\.85/);
    expect(run.stderr).toContain(`wrote ${file('default')}/`);
    expect(readdirSync(file('default')).sort()).toEqual(RUN_FILES);
    expect(temporarySiblings(file('default'))).toEqual([]);
  }, TIMEOUT);

  it('writes one Arrow row per request, with the expected columns, counted as in summary.json', async () => {
    expectSuccess(await runs.default);
    const summary = readJson('default', 'summary.json');
    const table = tableFromIPC(read('default', 'requests.arrow'));
    expect(table.schema.fields.map((f) => f.name)).toEqual(ARROW_COLUMNS);
    expect(table.numRows).toBe(20000);
    expect(summary.requests).toBe(20000);
    expect(summary.overall.count).toBe(20000);

    const ids = table.getChild('id')!.toArray() as Int32Array;
    expect(new Set(ids).size).toBe(20000);
    expect(new Set(table.getChild('model')!.toArray() as string[])).toEqual(new Set(['mobilenet_v2', 'resnet152', 'bert_base']));

    const priority = [...table.getChild('priority')!] as string[];
    const outcome = [...table.getChild('outcome')!] as string[];
    const counts: Record<string, Record<string, number>> = { high: {}, low: {} };
    for (let i = 0; i < table.numRows; i++) counts[priority[i]][outcome[i]] = (counts[priority[i]][outcome[i]] ?? 0) + 1;
    for (const cls of ['high', 'low']) {
      const c = summary.classes[cls];
      expect(c.count).toBe(priority.filter((p) => p === cls).length);
      for (const key of OUTCOME_KEYS) expect(c[key], `${cls} ${key}`).toBe(counts[cls][key] ?? 0);
      expect(c.violations).toBe(c.count - c.met);
    }
  }, TIMEOUT);

  it('records the resolved default scenario and the timing', async () => {
    expectSuccess(await runs.default);
    expect(readJson('default', 'scenario.json')).toEqual(scenarioToJson(loadScenario()));
    const timing = readJson('default', 'timing.json');
    expect(timing.events).toBe(readJson('default', 'summary.json').events);
    expect(timing.wallMs).toBeGreaterThan(0);
  }, TIMEOUT);
});

describe('strait run determinism', () => {
  it('--json prints the summary.json document', async () => {
    const run = await runs.smallSnapshot;
    expectSuccess(run);
    const summary = JSON.parse(first!.summary.toString('utf8'));
    expect(JSON.parse(run.stdout)).toEqual(summary);
    expect(summary).toMatchObject({ scenario: 'small', policy: 'fifo', predictor: 'solo', seed: 3, load: 0.8, requests: 2000 });
  }, TIMEOUT);

  it('the same scenario and seed give identical bytes, into a replaced run directory; another seed does not', async () => {
    expectSuccess(await runs.smallSnapshot);
    expectSuccess(await runs.again);
    expectSuccess(await runs.otherSeed);
    const { summary, requests } = first!;
    expect(readdirSync(file('small')).sort()).toEqual(RUN_FILES);
    expect(read('small', 'summary.json').equals(summary)).toBe(true);
    expect(read('small', 'requests.arrow').equals(requests)).toBe(true);

    expect(readJson('other-seed', 'summary.json').seed).toBe(4);
    expect(read('other-seed', 'summary.json').equals(summary)).toBe(false);
    expect(read('other-seed', 'requests.arrow').equals(requests)).toBe(false);
  }, TIMEOUT);

  it("the run's scenario.json reproduces the run", async () => {
    expectSuccess(await runs.smallSnapshot);
    expectSuccess(await runs.reproduced);
    expect(read('reproduced', 'summary.json').equals(first!.summary)).toBe(true);
    expect(read('reproduced', 'requests.arrow').equals(first!.requests)).toBe(true);
    expect(read('reproduced', 'scenario.json').equals(first!.scenario)).toBe(true);
  }, TIMEOUT);
});

describe('strait run overrides', () => {
  it('--policy, --predictor, --seed and --load show in summary.json and scenario.json', async () => {
    const [base, run] = await Promise.all([runs.small, runs.overrides]);
    expectSuccess(base);
    expectSuccess(run);
    const summary = readJson('overrides', 'summary.json');
    expect(JSON.parse(run.stdout)).toEqual(summary);
    expect(summary).toMatchObject({ scenario: 'small', policy: 'edf', predictor: 'solo', seed: 7, load: 0.4 });
    expect(summary.offeredLoad).toBeCloseTo(0.4, 12);
    const baseSummary = JSON.parse(base.stdout);
    expect(baseSummary).toMatchObject({ policy: 'fifo', seed: 3, load: 0.8 });
    expect(summary.arrivalRatePerSec / baseSummary.arrivalRatePerSec).toBeCloseTo(0.4 / 0.8, 12);
    expect(readJson('overrides', 'scenario.json')).toMatchObject({ seed: 7, load: 0.4, policy: { name: 'edf' }, predictor: 'solo' });
  }, TIMEOUT);
});

describe('strait list', () => {
  it('names the policies, predictors, built-in scenarios and models', async () => {
    const run = await runs.list;
    expectSuccess(run);
    const section = (title: string) => {
      const start = run.stdout.indexOf(`${title}:\n`);
      expect(start, title).toBeGreaterThanOrEqual(0);
      const rest = run.stdout.slice(start + title.length + 2);
      const end = rest.search(/^\S/m);
      return (end < 0 ? rest : rest.slice(0, end))
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => line.trim().split(/\s+/)[0]);
    };
    expect(section('policies')).toEqual(expect.arrayContaining(['fifo', 'edf', 'priority']));
    expect(section('predictors')).toEqual(expect.arrayContaining(['solo']));
    expect(section('built-in scenarios')).toEqual(expect.arrayContaining(['default']));
    expect(section('built-in models')).toEqual(expect.arrayContaining(['mobilenet_v2', 'resnet152', 'bert_base', 'mlp']));
  }, TIMEOUT);
});

describe('strait run with bad input', () => {
  const cases = [
    'missingField',
    'unknownModel',
    'unknownPolicy',
    'negativeRate',
    'invalidJson',
    'missingFile',
    'policyFlag',
    'seedFlag',
    'loadFlag',
  ];
  it.each(cases)('%s: exits non-zero with one line naming the problem and writes nothing', async (name) => {
    const run = await runs[name];
    const { names, fileCase } = bad[name];
    expect(run.status).not.toBe(0);
    expect(run.status).not.toBeNull();
    const lines = run.stderr.split('\n').filter((line) => line !== '');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(names);
    if (fileCase) expect(lines[0]).toMatch(/^strait: /);
    expect(run.stderr).not.toContain('    at ');
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.stdout).toBe('');
    const out = file(`bad-${name}`);
    expect(existsSync(out)).toBe(false);
    expect(temporarySiblings(out)).toEqual([]);
  }, TIMEOUT);
});

describe('strait run --out', () => {
  it('refuses an existing directory that is not a run directory and leaves it untouched', async () => {
    const run = await runs.keep;
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^strait: .*keep: exists and is not a run directory \(no summary\.json\); choose another --out\n$/);
    expect(readdirSync(file('keep'))).toEqual(['notes.txt']);
    expect(readFileSync(file('keep', 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(temporarySiblings(file('keep'))).toEqual([]);
  }, TIMEOUT);

  it('refuses a plain file and leaves it untouched', async () => {
    const run = await runs.plainFile;
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^strait: .*plain-file: exists and is not a directory; choose another --out\n$/);
    expect(readFileSync(file('plain-file'), 'utf8')).toBe('also mine\n');
    expect(temporarySiblings(file('plain-file'))).toEqual([]);
  }, TIMEOUT);
});
