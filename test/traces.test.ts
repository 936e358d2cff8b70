/**
 * Trace I/O, end to end: the CSV and Arrow writers and readers round-trip every
 * field exactly, the CSV reader reads what csv-parse reads (quotes, CRLF, BOM, blank
 * lines, any column order), bad input stops with one line naming the file and the
 * line or record batch, a trace streamed through the simulator in chunks gives the
 * same run as the arrivals in memory, and `strait trace gen | inspect` and `strait
 * run` on a trace work from the command line. CLI calls start in beforeAll (they cost
 * about a second each) and run beside the in-process tests.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTrace, type TraceGenOptions } from '../scenarios/generate-trace.ts';
import { loadScenario } from '../scenarios/load-scenario.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { scenarioToJson } from '../scenarios/serialize-scenario.ts';
import { buildArrivals, workloadArrivals } from '../scenarios/workload-plan.ts';
import { InputError } from '../sim/core/errors.ts';
import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import { RecordColumn, type RequestRecords } from '../sim/metrics/request-records.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';
import { runScenario } from '../scenarios/run-scenario.ts';
import { Simulator, type ArrivalSource, type ArrivalSpec, type SimulationResult } from '../sim/simulator.ts';
import { BufferedArrivals } from '../traces/buffered-arrivals.ts';
import { readTrace } from '../traces/trace-reader.ts';
import type { TraceRecord } from '../traces/trace-schema.ts';
import { TRACE_BATCH_ROWS, writeTrace } from '../traces/trace-writer.ts';
import { CHILD_LIMIT_MS, HUNG_CHILD_MS } from './time-limits.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Each test takes well under a second on an idle machine; vitest.config.ts's limits
// leave room for a loaded one (the CLI calls run beside the tests), and so do these for
// the tests that wait on CLI calls and for a CLI call itself (killed after HUNG_CHILD_MS).
const CLI_TIMEOUT = CHILD_LIMIT_MS;
const HEADER = 'arrival_ms,model,batch,priority,deadline_ms,input_bytes,output_bytes';

let dir = '';
const file = (name: string) => join(dir, name);
let fileCounter = 0;

/** Writes text to a fresh file with the given extension; returns its path. */
function textFile(text: string, ext = 'csv'): string {
  const path = file(`t${fileCounter++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

async function readAll(path: string, knownModels?: readonly string[]): Promise<{ rows: TraceRecord[]; chunks: number[] }> {
  const rows: TraceRecord[] = [];
  const chunks: number[] = [];
  for await (const chunk of readTrace(path, knownModels ? { knownModels: new Set(knownModels) } : {})) {
    chunks.push(chunk.length);
    for (const row of chunk) rows.push(row);
  }
  return { rows, chunks };
}

/** The InputError reading the file gives; fails when the read succeeds or throws anything else. */
async function readError(path: string, knownModels?: readonly string[]): Promise<string> {
  try {
    await readAll(path, knownModels);
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message.startsWith(`${path}: `), message).toBe(true);
    return message.slice(path.length + 2);
  }
  throw new Error(`reading ${path} did not fail`);
}

const FIELDS = ['arrival', 'model', 'batch', 'priority', 'relativeDeadline', 'inputBytes', 'outputBytes', 'inputTokens', 'outputTokens', 'durationMs'] as const;

/** Field by field, with Object.is (so an absent byte count must read back as undefined, not 0 or null). */
function expectSameRecords(actual: readonly TraceRecord[], expected: readonly TraceRecord[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    for (const field of FIELDS) {
      if (!Object.is(actual[i][field], expected[i][field])) {
        expect({ row: i, field, value: actual[i][field] }).toEqual({ row: i, field, value: expected[i][field] });
      }
    }
  }
}

function row(arrival: number, extra: Partial<TraceRecord> = {}): TraceRecord {
  return { arrival, model: 'm', batch: 1, priority: 'high', relativeDeadline: 10, ...extra };
}

/** Names beside `path` that start with `<its name>.tmp-` (what an interrupted write would leave). */
function temporarySiblings(path: string): string[] {
  return readdirSync(dirname(path)).filter((name) => name.startsWith(`${basename(path)}.tmp-`));
}

// ---- the command line ------------------------------------------------------------

interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Child processes at once: one core is left to the tests in this process (which run
 * while the CLI calls started in beforeAll are still going).
 */
const MAX_CHILDREN = Math.max(1, availableParallelism() - 1);
let children = 0;
const queued: (() => void)[] = [];

/** `first`: ahead of the calls already waiting (for a test that waits on this one alone). */
async function spawnNode(args: readonly string[], timeoutMs = HUNG_CHILD_MS, first = false): Promise<CliResult> {
  if (children >= MAX_CHILDREN) await new Promise<void>((resolve) => (first ? queued.unshift(resolve) : queued.push(resolve)));
  children++;
  try {
    return await spawnChild(args, timeoutMs);
  } finally {
    children--;
    queued.shift()?.();
  }
}

function spawnChild(args: readonly string[], timeoutMs: number): Promise<CliResult> {
  const env = { ...process.env };
  delete env.STRAIT_DEBUG;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

const strait = (args: readonly string[]) => spawnNode(['scripts/strait.js', ...args]);

function expectSuccess(run: CliResult): void {
  expect(run.status, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
}

/** Exit status non-zero, one line on stderr (returned), nothing on stdout, no stack. */
function expectOneLineFailure(run: CliResult): string {
  expect(run.status, run.stderr).not.toBe(0);
  expect(run.status).not.toBeNull();
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^strait: /);
  expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(run.stdout).toBe('');
  return lines[0];
}

const cli: Record<string, Promise<CliResult>> = {};
const GEN_REQUESTS = 20_000;

/** Models and cluster for CLI runs: the default scenario's three models on two GPUs. */
function traceScenarioJson(trace: string, extra: Record<string, unknown> = {}): unknown {
  return {
    seed: 2,
    policy: 'fifo',
    predictor: 'solo',
    models: ['mobilenet_v2', 'resnet152', 'bert_base'],
    cluster: { hosts: [{ uplink: { h2dGBps: 16, d2hGBps: 16 }, gpus: 2 }] },
    workload: { trace, ...extra },
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strait-traces-'));
  const gen = file('gen.arrow');
  cli.gen = strait(['trace', 'gen', '--process', 'gamma', '--cv', '2', '--requests', String(GEN_REQUESTS), '--seed', '5', '--out', gen]);
  cli.inspect = cli.gen.then(() => strait(['trace', 'inspect', gen]));
  writeFileSync(file('cli-run.json'), JSON.stringify(traceScenarioJson('gen.arrow', { requests: 2000 })));
  cli.run = cli.gen.then(() => strait(['run', file('cli-run.json'), '--json', '--out', file('cli-run')]));
  cli.badFlag = strait(['trace', 'gen', '--process', 'gamma', '--cv', 'lots', '--requests', '10', '--out', file('bad-flag.arrow')]);
  writeFileSync(file('bad-model.csv'), `${HEADER}\n1,mobilenet_v2,1,high,10,,\n2,vgg16,1,low,20,,\n`);
  writeFileSync(file('cli-bad.json'), JSON.stringify(traceScenarioJson('bad-model.csv')));
  cli.badModel = strait(['run', file('cli-bad.json'), '--out', file('cli-bad')]);
}, CLI_TIMEOUT);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- 1. round trip -----------------------------------------------------------------

describe('trace round trip: generated -> CSV -> read -> Arrow -> read', () => {
  // Two record batches and two CSV chunks; some rows carry byte counts, some one of
  // them, most none; a few models need quoting in CSV (one spans two lines).
  const ROWS = TRACE_BATCH_ROWS + 4321;
  const options: TraceGenOptions = {
    process: { kind: 'gamma', cv: 1.5 },
    stop: { kind: 'requests', count: ROWS },
    seed: 11,
    base: loadScenario(),
    models: [
      { name: 'mobilenet_v2', weight: 1 },
      { name: 'resnet152', weight: 1 },
      { name: 'bert_base', weight: 1 },
    ],
    highShare: 0.3,
    high: { deadline: { kind: 'slo-factor', factor: 5 }, batchSizes: [1, 2] },
    low: { deadline: { kind: 'budget', ms: 123.456 }, batchSizes: [4, 8] },
  };
  const ODD_MODELS = ['a,b', 'say "hi"', 'two\nlines', ' padded '];
  const records: TraceRecord[] = [...generateTrace(options)].map((r, i) => {
    const extra: { -readonly [K in keyof TraceRecord]?: TraceRecord[K] } = {};
    if (i % 7 === 0) extra.inputBytes = 1000 + i;
    if (i % 11 === 0) extra.outputBytes = i === 0 ? 0 : (i * 0.25) / 3;
    if (i % 4999 === 5) extra.model = ODD_MODELS[Math.floor(i / 4999) % ODD_MODELS.length];
    if (i === 1) extra.relativeDeadline = 1e-7;
    if (i === 2) extra.relativeDeadline = 1e21 / 3;
    return { ...r, ...extra };
  });

  it('gives back every field exactly, absent byte counts absent, through both formats', async () => {
    expect(records.length).toBe(ROWS);
    expect(new Set(records.map((r) => r.model)).size).toBe(3 + ODD_MODELS.length);
    expect(records.some((r) => !Number.isInteger(r.arrival))).toBe(true);
    expect(records[0].arrival).toBeGreaterThan(0);

    const csv = file('round.csv');
    expect(await writeTrace(csv, records)).toBe(ROWS);
    const text = readFileSync(csv, 'utf8');
    expect(text.slice(0, HEADER.length + 1)).toBe(`${HEADER}\n`);
    expect(text).toContain('"two\nlines"');
    expect(text).toContain('"say ""hi"""');
    const fromCsv = await readAll(csv);
    expect(fromCsv.chunks).toEqual([TRACE_BATCH_ROWS, 4321]);
    expectSameRecords(fromCsv.rows, records);
    // Absent counts are undefined keys of one object shape, as the simulator expects.
    expect(Object.keys(fromCsv.rows[3]).sort()).toEqual([...FIELDS].sort());
    expect(fromCsv.rows[3].inputBytes).toBeUndefined();

    const arrow = file('round.arrow');
    expect(await writeTrace(arrow, fromCsv.rows)).toBe(ROWS);
    const fromArrow = await readAll(arrow);
    expect(fromArrow.chunks).toEqual([TRACE_BATCH_ROWS, 4321]);
    expectSameRecords(fromArrow.rows, records);

    // And back to CSV: byte for byte the file written first.
    const again = file('round-again.csv');
    await writeTrace(again, fromArrow.rows);
    expect(readFileSync(again).equals(readFileSync(csv))).toBe(true);
  });

  it('writeTrace takes an async iterable too; all-null byte columns read back as absent', async () => {
    async function* slowly(): AsyncGenerator<TraceRecord> {
      for (let i = 0; i < 1000; i++) {
        if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
        yield row(i / 3, { model: i % 2 ? 'x' : 'y', priority: i % 3 ? 'low' : 'high', batch: 1 + (i % 4) });
      }
    }
    const arrow = file('async.arrow');
    expect(await writeTrace(arrow, slowly())).toBe(1000);
    const { rows, chunks } = await readAll(arrow);
    expect(chunks).toEqual([1000]);
    const expected: TraceRecord[] = [];
    for await (const r of slowly()) expected.push(r);
    expectSameRecords(rows, expected);
  });
});

// ---- 2. CSV reader details ------------------------------------------------------------

describe('CSV reader details', () => {
  it('reads quoted fields as csv-parse does, a record over two lines included, and counts lines after it', async () => {
    const body = [HEADER, '1,"a,b",1,high,10,,', '2,"c', 'd",2,low,5,3,', '3,"say ""hi""",1,high,7,,4.5', '4,m,1,high,8,,'];
    const path = textFile(body.join('\n') + '\n');
    const { rows } = await readAll(path);
    const parsed = parseCsv(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.model)).toEqual(parsed.map((p) => p.model));
    expect(rows.map((r) => r.model)).toEqual(['a,b', 'c\nd', 'say "hi"', 'm']);
    expect(rows[1]).toMatchObject({ arrival: 2, batch: 2, priority: 'low', relativeDeadline: 5, inputBytes: 3, outputBytes: undefined });
    expect(rows[2].outputBytes).toBe(4.5);

    // The record on lines 3-4 counts as two lines: the bad row at the end is line 7.
    const bad = textFile([...body, '5,m,1,high,x,,'].join('\n') + '\n');
    expect(await readError(bad)).toBe('line 7: deadline_ms: expected a number > 0, got an empty or non-numeric value');
    const early = textFile([...body.slice(0, 4), '2,m,1,high,oops,,', ...body.slice(4)].join('\n'));
    expect(await readError(early)).toBe('line 5: deadline_ms: expected a number > 0, got an empty or non-numeric value');
  });

  it('reads a record over two lines wherever the 1 MiB file reads split it', async () => {
    const quoted = '7,"two\nlines",1,high,10,,,\n';
    const MiB = 1 << 20;
    // Split points inside the quoted record: after the opening quote, at the
    // embedded newline, right after it, at the closing quote. An ignored extra
    // column on the first row is as long as it takes to put the record there.
    for (const at of [3, 6, 7, 13]) {
      const head = `${HEADER},note\n1,m,1,high,10,,,`;
      const text = `${head}${'x'.repeat(MiB - at - head.length - 1)}\n${quoted}8,m,1,high,10,,,\n9,m,1,high,x,,,\n`;
      expect(text.indexOf(quoted) + at).toBe(MiB);
      const path = textFile(text);
      // Lines: header 1, first row 2, the record 3-4, then 5 and the bad row 6.
      expect(await readError(path)).toBe('line 6: deadline_ms: expected a number > 0, got an empty or non-numeric value');
      writeFileSync(path, text.slice(0, text.lastIndexOf('9,m')));
      const { rows } = await readAll(path);
      expect(rows.map((r) => [r.arrival, r.model])).toEqual([
        [1, 'm'],
        [7, 'two\nlines'],
        [8, 'm'],
      ]);
    }
  });

  it('takes CRLF line ends, a byte-order mark and blank lines', async () => {
    const lf = await readAll(textFile(`${HEADER}\n1,m,1,high,10,,\n2,n,2,low,20,5,6\n`));
    const crlf = await readAll(textFile(`\ufeff${HEADER}\r\n1,m,1,high,10,,\r\n2,n,2,low,20,5,6\r\n`));
    expectSameRecords(crlf.rows, lf.rows);
    expect(lf.rows[1]).toEqual({ arrival: 2, model: 'n', batch: 2, priority: 'low', relativeDeadline: 20, inputBytes: 5, outputBytes: 6 });
    const blanks = textFile(`${HEADER}\n\n1,m,1,high,10,,\n   \n\r\n2,n,2,low,20,5,6\n\n`);
    expectSameRecords((await readAll(blanks)).rows, lf.rows);
    // Blank lines still count: the bad row below is line 5.
    const counted = textFile(`${HEADER}\n\n1,m,1,high,10,,\n\n0.5,m,1,high,10,,\n`);
    expect(await readError(counted)).toMatch(/^line 5: arrival_ms 0\.5 comes before the previous row's 1;/);
    // No final newline: the last line still counts.
    expectSameRecords((await readAll(textFile(`${HEADER}\n1,m,1,high,10,,\n2,n,2,low,20,5,6`))).rows, lf.rows);
  });

  it('finds columns by name in any order, trims header names, ignores unknown columns, and makes byte columns optional', async () => {
    const reordered = await readAll(textFile('priority, deadline_ms ,note,model,batch,arrival_ms\nlow,7,anything,m,2,1.5\nhigh,8,,m,1,2\n'));
    expect(reordered.rows).toEqual([
      { arrival: 1.5, model: 'm', batch: 2, priority: 'low', relativeDeadline: 7, inputBytes: undefined, outputBytes: undefined },
      { arrival: 2, model: 'm', batch: 1, priority: 'high', relativeDeadline: 8, inputBytes: undefined, outputBytes: undefined },
    ]);
    // Numbers may be padded; model names are taken as written (csv-parse does the same).
    const padded = await readAll(textFile(`${HEADER}\n 1 , m ,2 ,low, 7, 10 ,\n`));
    expect(padded.rows[0]).toMatchObject({ arrival: 1, model: ' m ', batch: 2, relativeDeadline: 7, inputBytes: 10, outputBytes: undefined });
  });
});

// ---- 3. bad input ---------------------------------------------------------------------

describe('bad trace input: one line naming the file and the line or record batch', () => {
  const H = `${HEADER}\n`;
  const ok = '1,m,1,high,10,,\n';

  it('CSV: each problem names its line', async () => {
    expect(await readError(textFile('arrival_ms,model,batch,priority\n1,m,1,high\n'))).toBe(
      'line 1: missing column deadline_ms; the header must name arrival_ms, model, batch, priority, deadline_ms (optional: input_bytes, output_bytes, input_tokens, output_tokens, duration_ms)',
    );
    expect(await readError(textFile('time,model,batch\n1,m,1\n'))).toMatch(/^line 1: missing columns arrival_ms, priority, deadline_ms;/);
    expect(await readError(textFile(`${H}${ok}soon,m,1,high,10,,\n`))).toBe('line 3: arrival_ms: expected a number >= 0, got an empty or non-numeric value');
    expect(await readError(textFile(`${H}${ok},m,1,high,10,,\n`))).toBe('line 3: arrival_ms: expected a number >= 0, got an empty or non-numeric value');
    expect(await readError(textFile(`${H}-1,m,1,high,10,,\n`))).toBe('line 2: arrival_ms: expected a number >= 0, got -1');
    expect(await readError(textFile(`${H}${ok}2,m,1,urgent,10,,\n`))).toBe('line 3: priority: expected "high" or "low", got "urgent"');
    expect(await readError(textFile(`${H}${ok}2,m,1,High,10,,\n`))).toBe('line 3: priority: expected "high" or "low", got "High"');
    expect(await readError(textFile(`${H}${ok}2,vgg,1,low,10,,\n`), ['m', 'n'])).toBe('line 3: model: expected one of m, n, got "vgg"');
    expect(await readError(textFile(`${H}${ok}2,,1,low,10,,\n`))).toBe('line 3: model: expected a model name, got ""');
    expect(await readError(textFile(`${H}${ok}2,m,0,low,10,,\n`))).toBe('line 3: batch: expected an integer >= 1, got 0');
    expect(await readError(textFile(`${H}${ok}2,m,1.5,low,10,,\n`))).toBe('line 3: batch: expected an integer >= 1, got 1.5');
    expect(await readError(textFile(`${H}${ok}2,m,1,low,0,,\n`))).toBe('line 3: deadline_ms: expected a number > 0, got 0');
    expect(await readError(textFile(`${H}${ok}2,m,1,low,10,-3,\n`))).toBe('line 3: input_bytes: expected a number >= 0 or empty, got -3');
    expect(await readError(textFile(`${H}${ok}2,m,1,low,10,,many\n`))).toBe('line 3: output_bytes: expected a number >= 0 or empty, got an empty or non-numeric value');
    expect(await readError(textFile(`${H}${ok}5,m,1,high,10,,\n5,m,1,high,10,,\n4,m,1,high,10,,\n`))).toBe(
      "line 5: arrival_ms 4 comes before the previous row's 5; traces must be sorted by arrival_ms (sort the file, or regenerate it with strait trace convert)",
    );
    expect(await readError(textFile(`${H}${ok}2,m,1,high,10\n`))).toBe('line 3: expected 7 fields as in the header, got 5');
    expect(await readError(textFile(`${H}${ok}2,m,1,high,10,,,\n`))).toBe('line 3: expected 7 fields as in the header, got 8');
    expect(await readError(textFile(`${H}${ok}2,"m,1,high,10,,\n3,m,1,high,10,,\n`))).toBe('line 3: a quoted field is never closed');
    expect(await readError(textFile(`${H}${ok}2,"m"x,1,high,10,,\n`))).toMatch(/^line 3: malformed CSV: Invalid Closing Quote/);
  });

  it('CSV: empty, header only, blank only, not a trace, missing', async () => {
    expect(await readError(textFile(''))).toBe('the file is empty; expected a trace with a header row (arrival_ms,model,batch,priority,deadline_ms)');
    expect(await readError(textFile(H))).toBe('the trace has a header but no requests');
    expect(await readError(textFile(`${HEADER}\n\n\n`))).toBe('the trace has a header but no requests');
    expect(await readError(textFile('\n\n'))).toBe('no header row; expected arrival_ms,model,batch,priority,deadline_ms');
    const txt = textFile(`${H}${ok}`, 'txt');
    expect(() => readTrace(txt)).toThrow(InputError);
    expect(() => readTrace(txt)).toThrow(`${txt}: unknown trace format ".txt"; expected .csv or .arrow (also .feather, .ipc)`);
    expect(() => readTrace(file('nowhere.csv'))).toThrow(`${file('nowhere.csv')}: no such file`);
    mkdirSync(file('folder.csv'));
    expect(() => readTrace(file('folder.csv'))).toThrow(`${file('folder.csv')}: is a directory; expected a trace file`);
  });

  describe('Arrow', () => {
    // Two record batches (rows 0..65535 and 65536..69999); row 4 of batch 1 names a
    // model the scenario may not know.
    const TWO_BATCHES = TRACE_BATCH_ROWS + 4464;
    let twoBatches = '';
    beforeAll(async () => {
      twoBatches = file('two-batches.arrow');
      const rows = Array.from({ length: TWO_BATCHES }, (_, i) =>
        row(i / 2, { model: i === TRACE_BATCH_ROWS + 4 ? 'zzz' : i % 3 ? 'a' : 'b', inputBytes: i % 2 ? 100 : undefined }),
      );
      await writeTrace(twoBatches, rows);
    });
    const small = async (change: (r: TraceRecord, i: number) => TraceRecord): Promise<string> => {
      const path = file(`a${fileCounter++}.arrow`);
      await writeTrace(path, Array.from({ length: 100 }, (_, i) => change(row(i / 2), i)));
      return path;
    };

    it('row problems name the record batch and the row', async () => {
      const { rows, chunks } = await readAll(twoBatches);
      expect(chunks).toEqual([TRACE_BATCH_ROWS, 4464]);
      expect(rows[1]).toEqual({ arrival: 0.5, model: 'a', batch: 1, priority: 'high', relativeDeadline: 10, inputBytes: 100, outputBytes: undefined });
      expect(rows[2].inputBytes).toBeUndefined();
      expect(await readError(twoBatches, ['a', 'b'])).toBe('record batch 1, row 4: model: expected one of a, b, got "zzz"');
      const unsorted = await small((r, i) => (i === 5 ? { ...r, arrival: 0.1 } : r));
      expect(await readError(unsorted)).toMatch(/^record batch 0, row 5: arrival_ms 0\.1 comes before the previous row's 2;/);
      const negative = await small((r, i) => (i === 0 ? { ...r, arrival: -1 } : r));
      expect(await readError(negative)).toBe('record batch 0, row 0: arrival_ms: expected a number >= 0, got -1');
      const priority = await small((r, i) => (i === 7 ? { ...r, priority: 'urgent' as TraceRecord['priority'] } : r));
      expect(await readError(priority)).toBe('record batch 0, row 7: priority: expected "high" or "low", got "urgent"');
    });

    it('a missing column names the record batch; a file with no rows is refused', async () => {
      const columns = {
        arrival_ms: vectorFromArray([1, 2], new Float64()),
        model: vectorFromArray(['m', 'm'], new Utf8()),
        batch: vectorFromArray([1, 1], new Int32()),
        priority: vectorFromArray(['high', 'low'], new Utf8()),
      };
      const missing = file('missing.arrow');
      writeFileSync(missing, tableToIPC(new Table(columns), 'file'));
      expect(await readError(missing)).toBe('record batch 0: missing column deadline_ms; expected arrival_ms, model, batch, priority, deadline_ms');
      // Plain (not dictionary) strings and the stream format read too.
      const full = new Table({ ...columns, deadline_ms: vectorFromArray([5, 6], new Float64()) });
      const stream = file('stream.arrow');
      writeFileSync(stream, tableToIPC(full, 'stream'));
      expect((await readAll(stream)).rows).toEqual([
        { arrival: 1, model: 'm', batch: 1, priority: 'high', relativeDeadline: 5, inputBytes: undefined, outputBytes: undefined },
        { arrival: 2, model: 'm', batch: 1, priority: 'low', relativeDeadline: 6, inputBytes: undefined, outputBytes: undefined },
      ]);
      const none = file('none.arrow');
      writeFileSync(none, tableToIPC(full.slice(0, 0), 'file'));
      expect(await readError(none)).toBe('the Arrow file holds no requests');
      // writeTrace of no rows leaves an empty file (no schema was ever written).
      const nothing = file('nothing.arrow');
      expect(await writeTrace(nothing, [])).toBe(0);
      expect(await readError(nothing)).toMatch(/^the file is empty/);
    });

    it('a file cut short fails the footer check; a corrupt body with an intact footer names the record batch', async () => {
      const bytes = readFileSync(twoBatches);
      const cut = file('cut.arrow');
      writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
      expect(await readError(cut)).toBe('truncated Arrow file: it ends without the Arrow footer (was the write interrupted?)');
      const stub = file('stub.arrow');
      writeFileSync(stub, bytes.subarray(0, 8));
      expect(await readError(stub)).toMatch(/^truncated Arrow file/);

      // Messages start at 8-byte boundaries with the continuation marker 0xFFFFFFFF; the
      // second-to-last is record batch 1 (the last is the end-of-stream marker).
      const starts: number[] = [];
      for (let i = 8; i + 8 <= bytes.length; i += 8) if (bytes.readUInt32LE(i) === 0xffffffff) starts.push(i);
      const batch1 = starts[starts.length - 2];
      expect(bytes.readInt32LE(starts[starts.length - 1] + 4)).toBe(0);
      const metadataLength = bytes.readInt32LE(batch1 + 4);

      // Its values overwritten (NaN arrival times): caught by the row check.
      const values = Buffer.from(bytes);
      values.fill(0xff, batch1 + 8 + metadataLength, batch1 + 8 + metadataLength + 64);
      const nan = file('nan.arrow');
      writeFileSync(nan, values);
      expect(await readError(nan)).toBe('record batch 1, row 0: arrival_ms: expected a number >= 0, got an empty or non-numeric value');

      // Its metadata overwritten: apache-arrow's own reader would spin forever on
      // this one, so it is read by `strait trace inspect`, with a time limit.
      const corrupt = Buffer.from(bytes);
      corrupt.fill(0xff, batch1 + 8, batch1 + 8 + metadataLength);
      const corruptPath = file('corrupt.arrow');
      writeFileSync(corruptPath, corrupt);
      const run = await spawnNode(['scripts/strait.js', 'trace', 'inspect', corruptPath], HUNG_CHILD_MS, true);
      expect(run.signal, 'reading a corrupt Arrow file did not finish').toBeNull();
      expect(expectOneLineFailure(run)).toBe(
        `strait: ${corruptPath}: record batch 1: truncated or corrupt Arrow data (its footer entry does not point at a record batch)`,
      );
    }, CLI_TIMEOUT);
  });

  it('writeTrace from an iterable that throws leaves no file and no temporary sibling, and keeps an older file', async () => {
    function* failing(n: number): Generator<TraceRecord> {
      for (let i = 0; i < n; i++) yield row(i);
      throw new Error(`source failed after ${n}`);
    }
    for (const ext of ['csv', 'arrow']) {
      for (const n of [0, 10, TRACE_BATCH_ROWS + 10]) {
        const out = file(`failed-${n}.${ext}`);
        await expect(writeTrace(out, failing(n))).rejects.toThrow(`source failed after ${n}`);
        expect(existsSync(out)).toBe(false);
        expect(temporarySiblings(out)).toEqual([]);
      }
      const kept = file(`kept.${ext}`);
      writeFileSync(kept, 'older contents\n');
      await expect(writeTrace(kept, failing(100))).rejects.toThrow('source failed after 100');
      expect(readFileSync(kept, 'utf8')).toBe('older contents\n');
      expect(temporarySiblings(kept)).toEqual([]);
    }
    // Nothing turns up later either (an asynchronous open would create it after the abort).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});

// ---- 4. streaming equals in memory -------------------------------------------------------

/** The default scenario cut to `requests` requests. */
function smallScenario(requests: number, policy = 'fifo'): Scenario {
  const base = loadScenario();
  return { ...base, policy: { name: policy, params: {} }, workload: { ...base.workload, stop: { kind: 'requests', count: requests } } };
}

function recordColumns(records: RequestRecords): Record<string, number[] | string[]> {
  const columns: Record<string, number[] | string[]> = { models: [...records.models] };
  for (const [name, column] of Object.entries(records)) {
    if (column instanceof RecordColumn) columns[name] = Array.from(column.view() as Float64Array | Int32Array, Number);
  }
  return columns;
}

interface SimRun {
  readonly result: SimulationResult;
  readonly columns: Record<string, number[] | string[]>;
}

async function simulate(scenario: Scenario, arrivals: ArrivalSource, streaming: BufferedArrivals | undefined): Promise<SimRun> {
  const recorder = new RunRecorder(scenario.cluster);
  const simulator = new Simulator({
    cluster: scenario.cluster,
    models: new Map(scenario.models.map((m) => [m.name, m])),
    arrivals,
    policy: POLICIES.get(scenario.policy.name)!.create(scenario.policy.params),
    predictor: PREDICTORS.get(scenario.predictor)!.create({ cluster: scenario.cluster, params: {} }),
    seed: scenario.seed,
    sink: recorder,
  });
  const result = streaming === undefined ? simulator.run() : await simulator.runStreaming(streaming);
  return { result, columns: recordColumns(recorder.records) };
}

async function* inChunks(arrivals: readonly ArrivalSpec[], size: number): AsyncGenerator<ArrivalSpec[]> {
  for (let i = 0; i < arrivals.length; i += size) {
    if (i % (size * 16) === 0) await new Promise((resolve) => setImmediate(resolve));
    yield arrivals.slice(i, i + size);
  }
}

function listSource(arrivals: readonly ArrivalSpec[]): ArrivalSource {
  let i = 0;
  return { next: () => arrivals[i++] };
}

describe('streaming simulation equals the same arrivals in memory', () => {
  const scenario = smallScenario(3000);
  const arrivals = [...buildArrivals(scenario)];
  // Whole milliseconds: many arrivals at the same time, ties across chunk boundaries.
  const tied = arrivals.map((a) => ({ ...a, arrival: Math.floor(a.arrival / 2) * 2 }));

  it.each([
    ['fifo', 'generated', arrivals],
    ['edf', 'tied', tied],
  ] as const)('%s, %s arrivals: chunks of 1, 7, 1000 and from a synchronous source give identical records', async (policy, _kind, list) => {
    expect(list).toHaveLength(3000);
    const s = { ...scenario, policy: { name: policy, params: {} } };
    const reference = await simulate(s, listSource(list), undefined);
    expect(reference.result.requests).toBe(3000);
    expect(reference.columns.id).toHaveLength(3000);
    expect(new Set<number | string>(reference.columns.outcome).size).toBeGreaterThan(1);
    for (const size of [1, 7, 1000]) {
      const buffered = BufferedArrivals.fromChunks(inChunks(list, size));
      const streamed = await simulate(s, buffered, buffered);
      expect(streamed.result, `chunks of ${size}`).toEqual(reference.result);
      for (const name of Object.keys(reference.columns)) expect(streamed.columns[name], `${name}, chunks of ${size}`).toEqual(reference.columns[name]);
    }
    const fromSource = BufferedArrivals.fromSource(listSource(list));
    const pulled = await simulate(s, fromSource, fromSource);
    expect(pulled.result).toEqual(reference.result);
    expect(pulled.columns).toEqual(reference.columns);
  });

  it('a trace workload runs exactly like the generated scenario that wrote the trace', async () => {
    const generated = smallScenario(3000, 'edf');
    const trace = file('scenario-trace.csv');
    expect(await writeTrace(trace, buildArrivals(generated))).toBe(3000);
    const scenarioPath = file('from-trace.json');
    writeFileSync(scenarioPath, JSON.stringify({ ...(scenarioToJson(generated) as object), load: 1, workload: { trace: 'scenario-trace.csv' } }));
    const traced = loadScenario(scenarioPath);
    expect(traced.workload.trace).toBe(trace);
    expect(traced.workload.stop).toEqual({ kind: 'end' });
    const [fromGenerator, fromTrace] = [await runScenario(generated), await runScenario(traced)];
    expect(fromTrace.summary).toEqual(fromGenerator.summary);
    expect(fromTrace.result).toEqual(fromGenerator.result);
    expect(recordColumns(fromTrace.records)).toEqual(recordColumns(fromGenerator.records));
    expect(fromTrace.summary.overall.count).toBe(3000);
    expect(fromTrace.summary.classes.high.count).toBeGreaterThan(0);
  });
});

// ---- 5. load and stop rules on a trace ---------------------------------------------------

describe('workload.trace with load and stop rules', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => row(i * 1.5 + 0.25, { model: i % 2 ? 'mobilenet_v2' : 'bert_base', priority: i % 4 ? 'low' : 'high', relativeDeadline: 50 }));
  let traceFile = '';

  beforeAll(async () => {
    traceFile = file('load.arrow');
    await writeTrace(traceFile, rows);
  });

  function scenarioWith(load: number, stop: Record<string, unknown>): Scenario {
    const path = file(`load-${fileCounter++}.json`);
    writeFileSync(path, JSON.stringify({ ...(traceScenarioJson('load.arrow', stop) as object), load }));
    return loadScenario(path);
  }

  async function pull(scenario: Scenario): Promise<ArrivalSpec[]> {
    const source = workloadArrivals(scenario);
    const out: ArrivalSpec[] = [];
    while (await source.refill()) for (let a = source.next(); a !== undefined; a = source.next()) out.push(a);
    return out;
  }

  it('load 2 halves every arrival time and changes nothing else', async () => {
    const scaled = await pull(scenarioWith(2, {}));
    expectSameRecords(scaled, rows.map((r) => ({ ...r, arrival: r.arrival / 2 })));
    expectSameRecords(await pull(scenarioWith(1, {})), rows);
  });

  it('requests N stops after N; durationMs stops before that time (of the scaled trace)', async () => {
    expectSameRecords(await pull(scenarioWith(1, { requests: 10 })), rows.slice(0, 10));
    expectSameRecords(await pull(scenarioWith(2, { requests: 10 })), rows.slice(0, 10).map((r) => ({ ...r, arrival: r.arrival / 2 })));
    expect(await pull(scenarioWith(1, { requests: 5000 }))).toHaveLength(1000);
    // Arrivals at 0.25, 1.75, 3.25, ...: durationMs 100 keeps those before 100 ms.
    const cut = await pull(scenarioWith(1, { durationMs: 100 }));
    expectSameRecords(cut, rows.filter((r) => r.arrival < 100));
    expect(cut).toHaveLength(67);
    const cutScaled = await pull(scenarioWith(2, { durationMs: 100 }));
    expectSameRecords(cutScaled, rows.filter((r) => r.arrival < 200).map((r) => ({ ...r, arrival: r.arrival / 2 })));
    // A cut exactly at an arrival leaves that arrival out.
    expect(await pull(scenarioWith(1, { durationMs: 1.75 }))).toHaveLength(1);
  });

  it('a run with load 2 simulates the halved times, request by request', async () => {
    const run = await runScenario(scenarioWith(2, { requests: 400 }));
    expect(run.summary.overall.count).toBe(400);
    const ids = run.records.id.view();
    const arrival = run.records.arrival.view();
    for (let k = 0; k < ids.length; k++) {
      if (arrival[k] !== rows[ids[k]].arrival / 2) expect({ id: ids[k], arrival: arrival[k] }).toEqual({ id: ids[k], arrival: rows[ids[k]].arrival / 2 });
    }
    expect(run.result.requests).toBe(400);
  });
});

// ---- 6. the command line ---------------------------------------------------------------

describe('strait trace gen / inspect / run on a trace', () => {
  it('trace gen writes an Arrow trace; trace inspect reports its count, classes, rate line and the asked cv', async () => {
    const gen = await cli.gen;
    expectSuccess(gen);
    expect(gen.stderr).toMatch(new RegExp(`^wrote ${file('gen.arrow').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 20,000 requests`));
    expect(temporarySiblings(file('gen.arrow'))).toEqual([]);
    expect((await readAll(file('gen.arrow'))).rows).toHaveLength(GEN_REQUESTS);

    const inspect = await cli.inspect;
    expectSuccess(inspect);
    const out = inspect.stdout;
    expect(out.split('\n')[0]).toMatch(new RegExp(`^.*gen\\.arrow: 20,000 requests from [\\d.]+ s to [\\d.]+ s \\(`));
    const cv = Number(/inter-arrival coefficient of variation: ([\d.]+)/.exec(out)?.[1]);
    expect(Math.abs(cv - 2), out).toBeLessThan(0.1);
    expect(out).toMatch(/^class\s+model\s+requests\s+share/m);
    for (const cls of ['high', 'low']) {
      for (const model of ['mobilenet_v2', 'resnet152', 'bert_base']) expect(out).toMatch(new RegExp(`^${cls}\\s+${model}\\s+[\\d,]+\\s+[\\d.]+%`, 'm'));
    }
    const counts = [...out.matchAll(/^(?:high|low)\s+(?:mobilenet_v2|resnet152|bert_base)\s+([\d,]+)/gm)].map((m) => Number(m[1].replace(/,/g, '')));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(GEN_REQUESTS);
    expect(out).toMatch(/^arrivals per .+ \(peak [\d,]+, [\d.]+ req\/s\):$/m);
    expect(out).toMatch(/^[▁▂▃▄▅▆▇█]{10,}$/m);
  }, CLI_TIMEOUT);

  it('trace gen with a bad flag value fails with one line naming the flag and writes nothing', async () => {
    const line = expectOneLineFailure(await cli.badFlag);
    expect(line).toBe('strait: --cv: expected a number >= 0 <= 100, got "lots"');
    expect(existsSync(file('bad-flag.arrow'))).toBe(false);
    expect(temporarySiblings(file('bad-flag.arrow'))).toEqual([]);
  }, CLI_TIMEOUT);

  it('strait run on a scenario naming the generated trace writes a run directory', async () => {
    const run = await cli.run;
    expectSuccess(run);
    const summary = JSON.parse(run.stdout);
    expect(summary.requests).toBe(2000);
    expect(JSON.parse(readFileSync(file('cli-run/summary.json'), 'utf8'))).toEqual(summary);
    expect(readdirSync(file('cli-run')).sort()).toEqual(expect.arrayContaining(['requests.arrow', 'scenario.json', 'summary.json']));
    expect(JSON.parse(readFileSync(file('cli-run/scenario.json'), 'utf8')).workload).toMatchObject({ trace: file('gen.arrow'), requests: 2000 });
    expect(temporarySiblings(file('cli-run'))).toEqual([]);
  }, CLI_TIMEOUT);

  it('strait run on a trace with an unknown model fails with the file and line and leaves no run directory', async () => {
    const line = expectOneLineFailure(await cli.badModel);
    expect(line).toBe(`strait: ${file('bad-model.csv')}: line 3: model: expected one of mobilenet_v2, resnet152, bert_base, got "vgg16"`);
    expect(existsSync(file('cli-bad'))).toBe(false);
    expect(temporarySiblings(file('cli-bad'))).toEqual([]);
  }, CLI_TIMEOUT);
});
