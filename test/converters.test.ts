import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import { builtinModel } from '../sim/model/builtin-models.ts';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { scenarioModelFacts } from '../scenarios/model-facts.ts';
import { runScenario } from '../scenarios/run-scenario.ts';
import { soloLatencyMs } from '../scenarios/workload-plan.ts';
import { TraceRowChecker } from '../traces/trace-schema.ts';
import { traceConvertCommand } from '../scripts/cli/trace-convert-command.ts';
import { convertAzureFunctions2019 as convert2019, dayFromFileName, type AzureFunctions2019Options } from '../traces/converters/azure-functions-2019.ts';
import { convertAzureFunctions2021 as convert2021, type AzureFunctions2021Options } from '../traces/converters/azure-functions-2021.ts';
import { convertAzureLlm2023 as convertLlm2023, diffMs, llmSourceName, parseAzureTimestamp, type AzureLlm2023Options } from '../traces/converters/azure-llm-2023.ts';
import {
  decimalToNano,
  hashTarget,
  parseDeadlines,
  parseDurationMs,
  parseTargetMapping,
  parseWindow,
  type RequestSize,
} from '../traces/converters/convert-common.ts';

const dir = mkdtempSync(join(tmpdir(), 'strait-converters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
/** A fresh sub-directory per test, so "no output left" checks see only that test's files. */
function freshDir(): string {
  const d = join(dir, `t${fileCounter++}`);
  mkdirSync(d);
  return d;
}

function write(d: string, name: string, text: string): string {
  const path = join(d, name);
  writeFileSync(path, text);
  return path;
}

interface Row {
  arrival: number;
  model: string;
  batch: number;
  priority: string;
  deadline: number;
  inputBytes: number | null;
  outputBytes: number | null;
  /** Only where the trace has the column. */
  inputTokens?: number | null;
  outputTokens?: number | null;
  durationMs?: number | null;
}

/** Every output row must pass the trace schema's checks (valid values, sorted arrivals). */
function checked(path: string, rows: Row[]): Row[] {
  const checker = new TraceRowChecker(path);
  rows.forEach((r, i) =>
    checker.check(`row ${i + 1}`, r.arrival, r.model, r.batch, r.priority, r.deadline, r.inputBytes ?? undefined, r.outputBytes ?? undefined,
      r.inputTokens ?? undefined, r.outputTokens ?? undefined, r.durationMs ?? undefined));
  return rows;
}

function readCsvTrace(path: string): Row[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const standard = 'arrival_ms,model,batch,priority,deadline_ms,input_bytes,output_bytes';
  expect([standard, `${standard},input_tokens,output_tokens`, `${standard},duration_ms`]).toContain(header);
  const extra = header.split(',').slice(7);
  const optional = (text: string) => (text === '' ? null : Number(text));
  return checked(path, lines.map((line) => {
    const [arrival, model, batch, priority, deadline, input, output, ...rest] = line.split(',');
    const shape = Object.fromEntries(extra.map((name, k) => [
      { input_tokens: 'inputTokens', output_tokens: 'outputTokens', duration_ms: 'durationMs' }[name]!, optional(rest[k]),
    ]));
    return {
      ...shape,
      arrival: Number(arrival),
      model,
      batch: Number(batch),
      priority,
      deadline: Number(deadline),
      inputBytes: input === '' ? null : Number(input),
      outputBytes: output === '' ? null : Number(output),
    };
  }));
}

function readArrowTrace(path: string): Row[] {
  const table = tableFromIPC(readFileSync(path));
  return checked(path, table.toArray().map((r) => ({
    arrival: r.arrival_ms,
    model: r.model,
    batch: r.batch,
    priority: r.priority,
    deadline: r.deadline_ms,
    inputBytes: r.input_bytes,
    outputBytes: r.output_bytes,
    ...(table.schema.fields.some((f) => f.name === 'input_tokens') ? { inputTokens: r.input_tokens, outputTokens: r.output_tokens } : {}),
    ...(table.schema.fields.some((f) => f.name === 'duration_ms') ? { durationMs: r.duration_ms } : {}),
  })));
}

async function expectInputError(promise: Promise<unknown>, ...parts: string[]): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  for (const part of parts) expect((error as Error).message).toContain(part);
}

const cluster = loadScenario().cluster;

// A converter is handed its model facts by its caller; these hand it the built-in default
// scenario's, as `strait trace convert` does without --scenario.
const defaultFacts = scenarioModelFacts(loadScenario());
const convertAzureLlm2023 = (inputs: string[], out: string, options: AzureLlm2023Options = {}) => convertLlm2023(inputs, out, { models: defaultFacts, ...options });
const convertAzureFunctions2019 = (inputs: string[], out: string, options: AzureFunctions2019Options = {}) => convert2019(inputs, out, { models: defaultFacts, ...options });
const convertAzureFunctions2021 = (inputs: string[], out: string, options: AzureFunctions2021Options = {}) => convert2021(inputs, out, { models: defaultFacts, ...options });
const solo = (model: string, batch = 1, size: RequestSize = {}) => soloLatencyMs(builtinModel(model)!, batch, cluster, size);

// -------------------------------------------------------------------------------
describe('shared option syntax', () => {
  it('parses durations, windows, deadlines and maps', () => {
    expect(parseDurationMs('3600000', 'x')).toBe(3_600_000);
    expect(parseDurationMs('1h30m', 'x')).toBe(5_400_000);
    expect(parseDurationMs('1.5s', 'x')).toBe(1500);
    expect(parseDurationMs('250ms', 'x')).toBe(250);
    expect(() => parseDurationMs('1 hour', 'x')).toThrow(InputError);
    expect(parseWindow('0:3600000')).toEqual({ startMs: 0, endMs: 3_600_000 });
    expect(parseWindow('30m:')).toEqual({ startMs: 1_800_000, endMs: Infinity });
    expect(() => parseWindow('2h:1h')).toThrow(InputError);
    expect(parseDeadlines('high=20ms,low=3x')).toEqual({ high: { kind: 'budget', ms: 20 }, low: { kind: 'slo-factor', factor: 3 } });
    expect(() => parseDeadlines('20')).toThrow(InputError);
    expect(parseTargetMapping('http=mobilenet_v2:high,timer=skip,*=resnet152:low:4')).toEqual({
      kind: 'keyed',
      entries: new Map([
        ['http', { model: 'mobilenet_v2', priority: 'high', batch: 1 }],
        ['timer', null],
      ]),
      fallback: { model: 'resnet152', priority: 'low', batch: 4 },
    });
    expect(parseTargetMapping('hash:mlp+bert_base:high=0.2:batch=2')).toEqual({ kind: 'hash', models: ['mlp', 'bert_base'], highShare: 0.2, batch: 2 });
    expect(() => parseTargetMapping('http=mobilenet_v2:urgent')).toThrow(/priority/);
    expect(() => parseTargetMapping('hash:mlp:high=2')).toThrow(InputError);
  });

  it('hash targets are stable and follow the high share', () => {
    const mapping = parseTargetMapping('hash:mobilenet_v2+resnet152+bert_base:high=0.25');
    if (mapping.kind !== 'hash') throw new Error('expected hash');
    expect(hashTarget(mapping, 'app/func')).toEqual(hashTarget(mapping, 'app/func'));
    let high = 0;
    const models = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      const t = hashTarget(mapping, `owner${i}/app${i % 7}/fn${i}`);
      if (t.priority === 'high') high++;
      models.add(t.model);
    }
    expect(high / 4000).toBeGreaterThan(0.22);
    expect(high / 4000).toBeLessThan(0.28);
    expect(models.size).toBe(3);
  });

  it('reads decimal seconds exactly', () => {
    expect(decimalToNano('2.5')).toBe(2_500_000_000);
    expect(decimalToNano('0.0004')).toBe(400_000);
    expect(decimalToNano('.5')).toBe(500_000_000);
    expect(decimalToNano('1e-3')).toBe(1_000_000);
    expect(decimalToNano('-1')).toBeNaN();
    expect(decimalToNano('')).toBeNaN();
  });
});

// -------------------------------------------------------------------------------
describe('azure-llm-2023', () => {
  const codeText = [
    'TIMESTAMP,ContextTokens,GeneratedTokens',
    '2023-11-16 18:15:46.6805900,4808,10',
    '2023-11-16 18:15:47.0000000,3180,8',
    '2023-11-16 18:15:50.1000001,110,27',
    '',
  ].join('\n');
  const convText = [
    'TIMESTAMP,ContextTokens,GeneratedTokens',
    '2023-11-16 18:15:46.7000000,374,44',
    '2023-11-16 18:15:48.1234567,396,109',
    '',
  ].join('\n');

  it('parses timestamps exactly, across midnight', () => {
    const a = parseAzureTimestamp('2023-11-16 18:15:46.6805900')!;
    const b = parseAzureTimestamp('2023-11-16 18:15:47.0000000')!;
    expect(diffMs(b, a)).toBe(319.41);
    expect(diffMs(parseAzureTimestamp('2023-11-17 00:00:00.0000001')!, parseAzureTimestamp('2023-11-16 23:59:59.9999999')!)).toBe(0.0002);
    expect(parseAzureTimestamp('2023-02-30 00:00:00.0')).toBeUndefined();
    expect(parseAzureTimestamp('2023-11-16 24:00:00')).toBeUndefined();
    expect(llmSourceName('/data/AzureLLMInferenceTrace_conv.csv')).toBe('conv');
    expect(llmSourceName('AzureLLMInferenceTrace_code_1week.csv')).toBe('code');
    expect(llmSourceName('mine.csv')).toBe('mine');
  });

  it('merges code and conv in time order with exact arrivals, mapping and token bytes (CSV)', async () => {
    const d = freshDir();
    const code = write(d, 'AzureLLMInferenceTrace_code.csv', codeText);
    const conv = write(d, 'AzureLLMInferenceTrace_conv.csv', convText);
    const out = join(d, 'llm.csv');
    // conv given first: the origin is still the earliest timestamp over both files.
    const stats = await convertAzureLlm2023([conv, code], out, {
      mapping: parseTargetMapping('code=bert_base:high,conv=mobilenet_v2:low:4'),
    });
    const rows = readCsvTrace(out);
    expect(rows.map((r) => r.arrival)).toEqual([0, 19.41, 319.41, 1442.8667, 3419.4101]);
    expect(rows.map((r) => `${r.model}:${r.priority}:${r.batch}`)).toEqual([
      'bert_base:high:1',
      'mobilenet_v2:low:4',
      'bert_base:high:1',
      'mobilenet_v2:low:4',
      'bert_base:high:1',
    ]);
    // Tokens from ContextTokens and GeneratedTokens; bert_base's solo time follows the prompt,
    // mobilenet_v2's does not (its deadline is the model's at the batch, as without tokens).
    expect(rows[0]).toMatchObject({ inputBytes: 4808 * 4, outputBytes: 10 * 4, inputTokens: 4808, outputTokens: 10 });
    expect(rows[0].deadline).toBeCloseTo(5 * solo('bert_base', 1, { inputTokens: 4808, outputTokens: 10 }), 9);
    expect(rows[0].deadline).toBeGreaterThan(5 * solo('bert_base'));
    expect(rows[1]).toMatchObject({ inputBytes: 374 * 4, outputBytes: 44 * 4, inputTokens: 374, outputTokens: 44, deadline: 10 * solo('mobilenet_v2', 4) });
    expect(stats).toMatchObject({ rowsRead: 5, requests: 5, written: 5, high: 3, low: 2, firstArrivalMs: 0, lastArrivalMs: 3419.4101 });
  });

  it('writes Arrow with the same rows; bytesPerToken null leaves bytes to the profile', async () => {
    const d = freshDir();
    const code = write(d, 'AzureLLMInferenceTrace_code.csv', codeText);
    const conv = write(d, 'AzureLLMInferenceTrace_conv.csv', convText);
    const out = join(d, 'llm.arrow');
    await convertAzureLlm2023([code, conv], out, { bytesPerToken: null });
    const rows = readArrowTrace(out);
    expect(rows.map((r) => r.arrival)).toEqual([0, 19.41, 319.41, 1442.8667, 3419.4101]);
    expect(rows.map((r) => r.priority)).toEqual(['high', 'low', 'high', 'low', 'high']);
    expect(rows.every((r) => r.model === 'bert_base' && r.inputBytes === null && r.outputBytes === null)).toBe(true);
  });

  it('applies the window (times from its start) and compresses time for scale > 1', async () => {
    const d = freshDir();
    const code = write(d, 'AzureLLMInferenceTrace_code.csv', codeText);
    const conv = write(d, 'AzureLLMInferenceTrace_conv.csv', convText);
    const windowed = join(d, 'w.csv');
    const stats = await convertAzureLlm2023([code, conv], windowed, { window: parseWindow('300:3s') });
    const rows = readCsvTrace(windowed);
    expect(rows.map((r) => r.arrival)).toEqual([319.41 - 300, 1442.8667 - 300]);
    expect(stats.outsideWindow).toBe(3);
    const fast = join(d, 'fast.csv');
    await convertAzureLlm2023([code, conv], fast, { scale: 2 });
    expect(readCsvTrace(fast).map((r) => r.arrival)).toEqual([0, 19.41 / 2, 319.41 / 2, 1442.8667 / 2, 3419.4101 / 2]);
  });

  it('stops reading at the window end (rows after it are not read)', async () => {
    const d = freshDir();
    const input = write(d, 'AzureLLMInferenceTrace_code.csv', `${codeText}2023-11-16 18:15:51.0,oops,1\n`);
    const out = join(d, 'w.csv');
    const stats = await convertAzureLlm2023([input], out, { window: parseWindow(':1s') });
    expect(readCsvTrace(out).map((r) => r.arrival)).toEqual([0, 319.41]);
    expect(stats.outsideWindow).toBe(1);
    await expectInputError(convertAzureLlm2023([input], out), input, 'line 5', 'ContextTokens', 'oops');
  });

  it('thins with a seeded stream for scale < 1', async () => {
    const d = freshDir();
    const lines = ['TIMESTAMP,ContextTokens,GeneratedTokens'];
    for (let i = 0; i < 2000; i++) lines.push(`2023-11-16 18:${String(15 + Math.floor(i / 600)).padStart(2, '0')}:${String(Math.floor((i % 600) / 10)).padStart(2, '0')}.${String(i % 10)}000000,100,10`);
    const input = write(d, 'AzureLLMInferenceTrace_conv.csv', `${lines.join('\n')}\n`);
    const full = join(d, 'full.csv');
    await convertAzureLlm2023([input], full);
    const all = new Set(readCsvTrace(full).map((r) => r.arrival));
    expect(all.size).toBe(2000);
    const convert = async (seed: number, name: string) => {
      const out = join(d, name);
      const stats = await convertAzureLlm2023([input], out, { scale: 0.3, seed });
      return { text: readFileSync(out, 'utf8'), rows: readCsvTrace(out), stats };
    };
    const a = await convert(7, 'a.csv');
    const b = await convert(7, 'b.csv');
    const c = await convert(8, 'c.csv');
    expect(a.text).toBe(b.text);
    expect(a.text).not.toBe(c.text);
    expect(a.rows.length).toBeGreaterThan(520);
    expect(a.rows.length).toBeLessThan(680);
    expect(a.stats.thinned + a.stats.written).toBe(2000);
    expect(a.rows.every((r) => all.has(r.arrival))).toBe(true);
  });

  it('a missing column is an InputError naming file and line 1; no output is left', async () => {
    const d = freshDir();
    const input = write(d, 'AzureLLMInferenceTrace_code.csv', 'TIMESTAMP,ContextTokens\n2023-11-16 18:15:46.6805900,4808\n');
    const out = join(d, 'out.csv');
    await expectInputError(convertAzureLlm2023([input], out), input, 'line 1', 'GeneratedTokens');
    expect(readdirSync(d)).toEqual(['AzureLLMInferenceTrace_code.csv']);
  });

  it('a bad timestamp is an InputError naming file and line; no output is left', async () => {
    const d = freshDir();
    const code = write(d, 'AzureLLMInferenceTrace_code.csv', codeText);
    const bad = write(d, 'AzureLLMInferenceTrace_conv.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.7000000,374,44\n2023-11-16T18:15:61,1,1\n');
    const out = join(d, 'out.arrow');
    await expectInputError(convertAzureLlm2023([code, bad], out), bad, 'line 3', 'TIMESTAMP', '18:15:61');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(d).sort()).toEqual(['AzureLLMInferenceTrace_code.csv', 'AzureLLMInferenceTrace_conv.csv']);
  });

  it('rejects a file that goes back in time, bad token counts and unmapped sources', async () => {
    const d = freshDir();
    const unsorted = write(d, 'AzureLLMInferenceTrace_code.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:47.0,1,1\n2023-11-16 18:15:46.0,1,1\n');
    await expectInputError(convertAzureLlm2023([unsorted], join(d, 'o.csv')), unsorted, 'line 3', 'comes before');
    const tokens = write(d, 'AzureLLMInferenceTrace_conv.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:47.0,1.5,1\n');
    await expectInputError(convertAzureLlm2023([tokens], join(d, 'o.csv')), tokens, 'line 2', 'ContextTokens');
    const other = write(d, 'other.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:47.0,1,1\n');
    await expectInputError(convertAzureLlm2023([other], join(d, 'o.csv'), { mapping: parseTargetMapping('code=bert_base:high') }), 'source "other"');
    await expectInputError(convertAzureLlm2023([join(d, 'nope.csv')], join(d, 'o.csv')), 'nope.csv', 'no such file');
    expect(existsSync(join(d, 'o.csv'))).toBe(false);
  });
});

// -------------------------------------------------------------------------------
describe('model facts handed by the caller', () => {
  const line = 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,4808,10\n';
  const tinyFacts = { names: ['tiny'], soloLatencyMs: (model: string, batch: number) => (model === 'tiny' ? 2 * batch : NaN) };

  it('Nx deadlines use the solo latencies handed over, and only the names handed over are known', async () => {
    const d = freshDir();
    const input = write(d, 'AzureLLMInferenceTrace_code.csv', line);
    await convertLlm2023([input], join(d, 'a.csv'), { models: tinyFacts, mapping: parseTargetMapping('code=tiny:high:3') });
    expect(readCsvTrace(join(d, 'a.csv'))[0]).toMatchObject({ model: 'tiny', batch: 3, deadline: 5 * 2 * 3 });
    await expectInputError(
      convertLlm2023([input], join(d, 'b.csv'), { models: tinyFacts, mapping: parseTargetMapping('code=bert_base:high') }),
      '--map: unknown model "bert_base"; expected one of tiny',
    );
  });

  it('without facts: budget deadlines over the built-in names; an Nx deadline is the caller\'s bug, before writing', async () => {
    const d = freshDir();
    const input = write(d, 'AzureLLMInferenceTrace_code.csv', line);
    await convertLlm2023([input], join(d, 'a.csv'), { deadlines: parseDeadlines('20ms'), mapping: parseTargetMapping('code=bert_base:high') });
    expect(readCsvTrace(join(d, 'a.csv'))[0]).toMatchObject({ model: 'bert_base', deadline: 20 });
    const error = await convertLlm2023([input], join(d, 'b.csv'), { mapping: parseTargetMapping('code=bert_base:high') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/Nx deadlines need solo latencies/);
    expect(existsSync(join(d, 'b.csv'))).toBe(false);
  });
});

// -------------------------------------------------------------------------------
describe('azure-functions-2019', () => {
  const HEADER = ['HashOwner', 'HashApp', 'HashFunction', 'Trigger', ...Array.from({ length: 1440 }, (_, i) => String(i + 1))].join(',');

  /** A function row; counts maps 1-based minute -> invocations. */
  function fnRow(id: string, trigger: string, counts: Record<number, number>): string {
    const cells = Array.from({ length: 1440 }, (_, i) => String(counts[i + 1] ?? 0));
    return [`owner${id}`, `app${id}`, `fn${id}`, trigger, ...cells].join(',');
  }

  function dayFile(d: string, day: number, rows: string[]): string {
    return write(d, `invocations_per_function_md.anon.d${String(day).padStart(2, '0')}.csv`, `${[HEADER, ...rows].join('\n')}\n`);
  }

  const day1 = [
    fnRow('a', 'http', { 1: 3, 5: 7, 1440: 1 }),
    fnRow('b', 'timer', { 1: 1, 1440: 2 }),
    fnRow('c', 'queue', { 2: 4 }),
    fnRow('d', 'http', { 2: 2 }),
  ];
  const expectedPerMinute = new Map([
    [0, { high: 3, low: 1 }],
    [1, { high: 2, low: 4 }],
    [4, { high: 7, low: 0 }],
    [1439, { high: 1, low: 2 }],
  ]);

  function perMinute(rows: Row[]): Map<number, { high: number; low: number }> {
    const counts = new Map<number, { high: number; low: number }>();
    for (const r of rows) {
      const m = Math.floor(r.arrival / 60_000);
      const c = counts.get(m) ?? { high: 0, low: 0 };
      c[r.priority as 'high' | 'low']++;
      counts.set(m, c);
    }
    return counts;
  }

  function expectSorted(rows: Row[]): void {
    for (let i = 1; i < rows.length; i++) expect(rows[i].arrival).toBeGreaterThanOrEqual(rows[i - 1].arrival);
  }

  it('converts into a trace that strait runs end to end', async () => {
    const d = freshDir();
    const input = dayFile(d, 1, day1);
    await convertAzureFunctions2019([input], join(d, 'functions.arrow'), { mapping: parseTargetMapping('http=mobilenet_v2:high,*=resnet152:low:4') });
    const scenarioFile = write(d, 'replay.json', JSON.stringify({ extends: 'default', workload: { trace: 'functions.arrow' } }));
    const run = await runScenario(loadScenario(scenarioFile));
    expect(run.summary.overall.count).toBe(20);
    expect(run.summary.classes.high.count).toBe(run.records.priority.view().filter((p) => p === 0).length);
    expect(run.summary.classes.high.count + run.summary.classes.low.count).toBe(20);
    expect(run.summary.classes.high.met + run.summary.classes.low.met).toBe(20); // an idle cluster meets every deadline
  });

  it('puts exactly count[m] arrivals in minute m, sorted, mapped by trigger', async () => {
    const d = freshDir();
    const input = dayFile(d, 1, day1);
    const out = join(d, 'f.csv');
    const stats = await convertAzureFunctions2019([input], out, { mapping: parseTargetMapping('http=mobilenet_v2:high,*=resnet152:low:4') });
    const rows = readCsvTrace(out);
    expect(rows).toHaveLength(20);
    expectSorted(rows);
    expect(perMinute(rows)).toEqual(expectedPerMinute);
    for (const r of rows) {
      if (r.priority === 'high') expect(r).toMatchObject({ model: 'mobilenet_v2', batch: 1, deadline: 5 * solo('mobilenet_v2') });
      else expect(r).toMatchObject({ model: 'resnet152', batch: 4, deadline: 10 * solo('resnet152', 4) });
      expect(r.inputBytes).toBeNull();
    }
    expect(stats).toMatchObject({ rowsRead: 4, requests: 20, written: 20 });
  });

  it('spreads evenly with jitter: the i-th of n arrivals in slot i', async () => {
    const d = freshDir();
    const input = dayFile(d, 1, day1);
    const out = join(d, 'even.arrow');
    await convertAzureFunctions2019([input], out, { spread: 'even' });
    const rows = readArrowTrace(out);
    expect(perMinute(rows)).toEqual(expectedPerMinute);
    const minute5 = rows.filter((r) => Math.floor(r.arrival / 60_000) === 4);
    expect(minute5).toHaveLength(7);
    minute5.forEach((r, i) => {
      const offset = r.arrival - 4 * 60_000;
      expect(offset).toBeGreaterThanOrEqual((i * 60_000) / 7);
      expect(offset).toBeLessThan(((i + 1) * 60_000) / 7);
    });
  });

  it('same seed, same trace; another seed moves arrivals but not per-minute counts', async () => {
    const d = freshDir();
    const input = dayFile(d, 1, day1);
    const texts = [];
    for (const [name, seed] of [['a.csv', 3], ['b.csv', 3], ['c.csv', 4]] as const) {
      await convertAzureFunctions2019([input], join(d, name), { seed });
      texts.push(readFileSync(join(d, name), 'utf8'));
    }
    expect(texts[0]).toBe(texts[1]);
    expect(texts[0]).not.toBe(texts[2]);
    expect(perMinute(readCsvTrace(join(d, 'c.csv')))).toEqual(expectedPerMinute);
  });

  it('orders day files by the day in their names and offsets each by 24 h', async () => {
    const d = freshDir();
    const first = dayFile(d, 1, day1);
    const second = dayFile(d, 2, [fnRow('a', 'http', { 1: 2 }), fnRow('e', 'others', { 3: 1 })]);
    expect(dayFromFileName(first)).toBe(0);
    expect(dayFromFileName(second)).toBe(1);
    const out = join(d, 'two.csv');
    await convertAzureFunctions2019([second, first], out);
    const rows = readCsvTrace(out);
    expectSorted(rows);
    expect(rows).toHaveLength(23);
    const day2 = rows.filter((r) => r.arrival >= 86_400_000);
    expect(perMinute(day2)).toEqual(
      new Map([
        [1440, { high: 2, low: 0 }],
        [1442, { high: 0, low: 1 }],
      ]),
    );
  });

  it('the window keeps its minutes, shifted to start at 0', async () => {
    const d = freshDir();
    const input = dayFile(d, 1, day1);
    const full = join(d, 'full.csv');
    const windowed = join(d, 'w.csv');
    await convertAzureFunctions2019([input], full, { seed: 5 });
    await convertAzureFunctions2019([input], windowed, { seed: 5, window: parseWindow('1m:5m') });
    const rows = readCsvTrace(windowed);
    expect(perMinute(rows)).toEqual(
      new Map([
        [0, { high: 2, low: 4 }],
        [3, { high: 7, low: 0 }],
      ]),
    );
    // A minute's arrivals come from its own stream: the window does not move them.
    const fromFull = readCsvTrace(full).filter((r) => r.arrival >= 60_000 && r.arrival < 300_000);
    expect(rows.map((r) => r.arrival)).toEqual(fromFull.map((r) => r.arrival - 60_000));
  });

  it('maps by a stable hash of the function id', async () => {
    const d = freshDir();
    const input = dayFile(d, 1, day1);
    const out = join(d, 'h.csv');
    const spec = 'hash:mobilenet_v2+resnet152+bert_base:high=0.5';
    await convertAzureFunctions2019([input], out, { mapping: parseTargetMapping(spec) });
    const rows = readCsvTrace(out);
    const mapping = parseTargetMapping(spec);
    if (mapping.kind !== 'hash') throw new Error('expected hash');
    // Minute 5 holds only function a's invocations, minute 2 only c's and d's.
    const a = hashTarget(mapping, 'ownera/appa/fna');
    for (const r of rows.filter((r) => Math.floor(r.arrival / 60_000) === 4)) expect(r).toMatchObject({ model: a.model, priority: a.priority });
    const c = hashTarget(mapping, 'ownerc/appc/fnc');
    const d2 = hashTarget(mapping, 'ownerd/appd/fnd');
    const minute2 = rows.filter((r) => Math.floor(r.arrival / 60_000) === 1).map((r) => `${r.model}:${r.priority}`).sort();
    expect(minute2).toEqual([...Array(4).fill(`${c.model}:${c.priority}`), ...Array(2).fill(`${d2.model}:${d2.priority}`)].sort());
  });

  it('bad counts, missing columns and unmapped triggers are InputErrors naming file and line', async () => {
    const d = freshDir();
    const bad = dayFile(d, 1, [day1[0], fnRow('x', 'http', { 7: 1 }).replace(/^((?:[^,]*,){10})1,/, '$1x,')]);
    const out = join(d, 'o.csv');
    await expectInputError(convertAzureFunctions2019([bad], out), bad, 'line 3', 'minute 7', '"x"');
    const missing = write(d, 'invocations_per_function_md.anon.d03.csv', `${HEADER.replace(/,1440$/, '')}\n${day1[0].replace(/,\d+$/, '')}\n`);
    await expectInputError(convertAzureFunctions2019([missing], out), missing, 'line 1', 'missing column 1440');
    const good = dayFile(d, 4, day1);
    await expectInputError(convertAzureFunctions2019([good], out, { mapping: parseTargetMapping('http=mobilenet_v2:high') }), good, 'line 3', 'Trigger "timer"');
    const short = dayFile(d, 5, [day1[0], 'o,a,f,http,1,2']);
    await expectInputError(convertAzureFunctions2019([short], out), short, 'line 3', 'expected 1444 fields as in the header, got 6');
    await expectInputError(convertAzureFunctions2019([good, dayFile(d, 4, day1)], out, { days: 'name' }));
    expect(readdirSync(d).filter((f) => !f.startsWith('invocations_'))).toEqual([]);
  });
});

// -------------------------------------------------------------------------------
describe('azure-functions-2021', () => {
  const text = [
    'app,func,end_timestamp,duration',
    'a1,f1,2.5,0.0004',
    'a1,f2,1.0,0.75',
    'a2,f1,3.25,3.0',
    'a2,f2,0.5,1.0',
    'a1,f1,1.000000001,0.000000001',
    '',
  ].join('\n');

  it('arrival = end - duration, exact and sorted; before-start invocations are left out', async () => {
    const d = freshDir();
    const input = write(d, 'AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt', text);
    const out = join(d, 'f21.csv');
    const spec = 'hash:mobilenet_v2+resnet152+bert_base:high=0.5';
    const stats = await convertAzureFunctions2021([input], out, { mapping: parseTargetMapping(spec) });
    const rows = readCsvTrace(out);
    expect(rows.map((r) => r.arrival)).toEqual([250, 250, 1000, 2499.6]);
    const mapping = parseTargetMapping(spec);
    if (mapping.kind !== 'hash') throw new Error('expected hash');
    const keys = ['a1/f2', 'a2/f1', 'a1/f1', 'a1/f1'];
    rows.forEach((r, i) => {
      const t = hashTarget(mapping, keys[i]);
      expect(r).toMatchObject({ model: t.model, priority: t.priority, batch: 1 });
    });
    // The measured duration of each source row, in ms (rows 3, 4, 6 and 2 of the input).
    expect(rows.map((r) => r.durationMs)).toEqual([750, 3000, 0.000001, 0.4]);
    expect(stats).toMatchObject({ rowsRead: 5, requests: 5, invalid: 1, written: 4 });
  });

  it('an Nx deadline is N times the request\'s own solo latency, its duration replacing the model\'s time; --no-durations leaves them out', async () => {
    const d = freshDir();
    const input = write(d, 'AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt', text);
    const out = join(d, 'f21.csv');
    await convertAzureFunctions2021([input], out, { mapping: parseTargetMapping('hash:bert_base:high=1'), deadlines: parseDeadlines('2x') });
    const rows = readCsvTrace(out);
    expect(rows.map((r) => r.deadline)).toEqual(rows.map((r) => 2 * solo('bert_base', 1, { durationMs: r.durationMs! })));
    // Transfers (the model's) plus the 3 s duration, not bert_base's 2.85 ms.
    expect(rows[1].deadline).toBeCloseTo(2 * (solo('bert_base', 1, { durationMs: 1e-9 }) - 1e-9 + 3000), 6);
    const blind = join(d, 'blind.csv');
    await convertAzureFunctions2021([input], blind, { mapping: parseTargetMapping('hash:bert_base:high=1'), deadlines: parseDeadlines('2x'), durations: false });
    expect(readFileSync(blind, 'utf8').split('\n')[0]).toBe('arrival_ms,model,batch,priority,deadline_ms,input_bytes,output_bytes');
    expect(readCsvTrace(blind).map((r) => r.deadline)).toEqual([1, 2, 3, 4].map(() => 2 * solo('bert_base')));
  });

  it('window, fixed deadlines and Arrow output', async () => {
    const d = freshDir();
    const input = write(d, 'AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt', text);
    const out = join(d, 'f21.arrow');
    await convertAzureFunctions2021([input], out, {
      window: parseWindow('500:2s'),
      deadlines: parseDeadlines('75ms'),
      mapping: parseTargetMapping('hash:mlp:high=1:batch=2'),
    });
    const rows = readArrowTrace(out);
    expect(rows).toEqual([{ arrival: 500, model: 'mlp', batch: 2, priority: 'high', deadline: 75, inputBytes: null, outputBytes: null, durationMs: 0.000001 }]);
  });

  it('bad numbers and missing columns are InputErrors naming file and line; no output is left', async () => {
    const d = freshDir();
    const bad = write(d, 'bad.txt', 'app,func,end_timestamp,duration\na1,f1,2.5,0.1\na1,f1,2.5,soon\n');
    const out = join(d, 'o.csv');
    await expectInputError(convertAzureFunctions2021([bad], out), bad, 'line 3', 'duration', 'soon');
    const missing = write(d, 'missing.txt', 'app,func,end_timestamp\na1,f1,2.5\n');
    await expectInputError(convertAzureFunctions2021([missing], out), missing, 'line 1', 'duration');
    expect(readdirSync(d).sort()).toEqual(['bad.txt', 'missing.txt']);
  });
});

// -------------------------------------------------------------------------------
describe('traceConvertCommand', () => {
  let output = '';
  beforeEach(() => {
    output = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output += String(chunk);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('converts with CLI-style string options and prints a summary', async () => {
    const d = freshDir();
    const code = write(d, 'AzureLLMInferenceTrace_code.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,10,1\n2023-11-16 18:15:47.0000000,20,2\n');
    const conv = write(d, 'AzureLLMInferenceTrace_conv.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.9,30,3\n2023-11-16 18:15:49,40,4\n');
    const out = join(d, 'cli.csv');
    const stats = await traceConvertCommand('azure-llm-2023', [code, conv], {
      out,
      window: '0:1s',
      scale: '1',
      seed: '2',
      map: 'code=bert_base:high,conv=resnet152:low',
      deadline: 'high=20ms,low=3x',
      bytesPerToken: '2',
    });
    const rows = readCsvTrace(out);
    expect(rows).toEqual([
      { arrival: 0, model: 'bert_base', batch: 1, priority: 'high', deadline: 20, inputBytes: 20, outputBytes: 2, inputTokens: 10, outputTokens: 1 },
      { arrival: 219.41, model: 'resnet152', batch: 1, priority: 'low', deadline: 3 * solo('resnet152'), inputBytes: 60, outputBytes: 6, inputTokens: 30, outputTokens: 3 },
      { arrival: 319.41, model: 'bert_base', batch: 1, priority: 'high', deadline: 20, inputBytes: 40, outputBytes: 4, inputTokens: 20, outputTokens: 2 },
    ]);
    expect(stats).toMatchObject({ written: 3, outsideWindow: 1 });
    expect(output).toContain(`wrote 3 requests (2 high, 1 low)`);
    expect(output).toContain(out);
  });

  it('converts Functions 2019 (days by order, even spread, hash map) and 2021 (thinned) from string options', async () => {
    const d = freshDir();
    const header = ['HashOwner', 'HashApp', 'HashFunction', 'Trigger', ...Array.from({ length: 1440 }, (_, i) => String(i + 1))].join(',');
    const row = (trigger: string, minute: number, n: number) =>
      ['o', 'a', `f${trigger}`, trigger, ...Array.from({ length: 1440 }, (_, i) => (i + 1 === minute ? String(n) : '0'))].join(',');
    const dayA = write(d, 'monday.csv', `${header}\n${row('http', 2, 5)}\n`);
    const dayB = write(d, 'tuesday.csv', `${header}\n${row('timer', 1, 3)}\n`);
    const out19 = join(d, 'f19.arrow');
    const stats = await traceConvertCommand('azure-functions-2019', [dayB, dayA], {
      out: out19,
      days: 'order',
      spread: 'even',
      map: 'hash:mlp:high=1',
      deadline: '30ms',
      seed: '9',
      window: '1m:1d2m',
    });
    const rows = readArrowTrace(out19);
    // tuesday.csv is given first, so it is day 0: its minute 1 falls before the window.
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.arrival >= 86_400_000 && r.arrival < 86_460_000 && r.model === 'mlp' && r.priority === 'high' && r.deadline === 30)).toBe(true);
    expect(stats).toMatchObject({ rowsRead: 2, requests: 8, written: 5 });

    const lines = ['app,func,end_timestamp,duration'];
    for (let i = 0; i < 400; i++) lines.push(`app${i % 3},f${i % 5},${(10 + i * 0.5).toFixed(1)},0.25`);
    const in21 = write(d, 'AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt', `${lines.join('\n')}\n`);
    const out21 = join(d, 'f21.csv');
    const thinned = await traceConvertCommand('azure-functions-2021', [in21], { out: out21, scale: '0.5', seed: '3', map: 'hash:mobilenet_v2+resnet152' });
    const rows21 = readCsvTrace(out21);
    expect(rows21.length).toBe(thinned.written);
    expect(thinned.written + thinned.thinned).toBe(400);
    expect(rows21.length).toBeGreaterThan(150);
    expect(rows21.length).toBeLessThan(250);
    // Thinning keeps times: each is some row's end - duration.
    expect(rows21.every((r) => Number.isInteger((r.arrival - 9750) / 500))).toBe(true);
  });

  it('rejects bad formats, options of another format and unknown models before writing', async () => {
    const d = freshDir();
    const input = write(d, 'AzureLLMInferenceTrace_code.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,10,1\n');
    const out = join(d, 'o.csv');
    await expectInputError(traceConvertCommand('azure-llm-2024', [input], { out }), '--format');
    await expectInputError(traceConvertCommand('azure-llm-2023', [input], { out, spread: 'even' }), '--spread');
    await expectInputError(traceConvertCommand('azure-llm-2023', [input], { out, map: 'code=gpt4:high' }), 'unknown model "gpt4"');
    await expectInputError(traceConvertCommand('azure-llm-2023', [input], { out, scale: '2', scaleMode: 'thin' }), 'thin');
    await expectInputError(traceConvertCommand('azure-functions-2021', [input], { out, map: 'http=mlp:high' }), 'hash:');
    await expectInputError(traceConvertCommand('azure-llm-2023', [input], { out: join(d, 'o.txt') }), 'o.txt');
    await expectInputError(traceConvertCommand('azure-llm-2023', [input], { out: input }), 'is also an input');
    expect(readdirSync(d)).toEqual(['AzureLLMInferenceTrace_code.csv']);
  });
});
