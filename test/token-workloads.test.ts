/**
 * Workloads shaped by tokens and durations: a request's solo time from its model's token
 * scaling (or its measured duration), the trace columns that carry them, the converters
 * that fill them, and the deadlines they shape.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Field, Float64, Int32, Schema, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import { builtinModel } from '../sim/model/builtin-models.ts';
import { constantTable, requestSoloExecutionMs, type ModelProfile } from '../sim/model/profile.ts';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { scenarioModelFacts } from '../scenarios/model-facts.ts';
import { soloLatencyMs } from '../scenarios/workload-plan.ts';
import { traceInspectCommand } from '../scripts/cli/trace-inspect-command.ts';
import { convertAzureFunctions2021 } from '../traces/converters/azure-functions-2021.ts';
import { convertAzureLlm2023 } from '../traces/converters/azure-llm-2023.ts';
import { parseDeadlines, parseTargetMapping } from '../traces/converters/convert-common.ts';
import { readTrace } from '../traces/trace-reader.ts';
import type { TraceRecord } from '../traces/trace-schema.ts';
import { writeTrace } from '../traces/trace-writer.ts';
import { Request } from '../sim/model/request.ts';
import { coRunnerOf, phaseTable } from '../sim/predictor/colocation-features.ts';
import { SharingForecaster } from '../sim/predictor/sharing-forecast.ts';
import { arrival, cluster, listArrivals, modelProfile, runSimulation } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'strait-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const file = (name: string) => join(dir, `${counter++}-${name}`);
const FIXTURES = join(import.meta.dirname, 'fixtures');

async function readAll(path: string): Promise<TraceRecord[]> {
  const rows: TraceRecord[] = [];
  for await (const chunk of readTrace(path)) rows.push(...chunk);
  return rows;
}

async function readError(path: string): Promise<string> {
  try {
    await readAll(path);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message.replace(`${path}: `, '');
  }
  throw new Error(`expected ${path} to be refused`);
}

/** A deterministic model with a prefill phase per input token and a decode phase per output token. */
const generator: ModelProfile = {
  ...modelProfile({ name: 'gen', phases: [10, 2, 40] }),
  phases: modelProfile({ phases: [10, 2, 40] }).phases.map((p, k) =>
    k === 0 ? { ...p, tokens: { per: 'input', referenceTokens: 100, fixedShare: 0.2 } } : k === 2 ? { ...p, tokens: { per: 'output', referenceTokens: 20, fixedShare: 0 } } : p,
  ),
};

/** The model's formula, written out: phase solo x (fixedShare + (1 - fixedShare) x tokens / reference). */
const generatorFormula = (input: number, output: number) => 10 * (0.2 + (0.8 * input) / 100) + 2 + 40 * (output / 20);

describe('solo time shaped by tokens', () => {
  it('a token-aware request runs, and is recorded, for the model formula; one without tokens, or of a model without token parameters, for the profile', () => {
    const arrivals = [
      arrival(0, { model: 'gen', inputTokens: 350, outputTokens: 7 }),
      arrival(1000, { model: 'gen' }),
      arrival(2000, { model: 'gen', inputTokens: 0, outputTokens: 45 }),
      arrival(3000, { model: 'gen', inputTokens: 50 }),
      // A model without token parameters ignores tokens.
      arrival(4000, { model: 'p', inputTokens: 5000, outputTokens: 5000 }),
    ];
    const plain = modelProfile({ name: 'p', phases: [3, 4] });
    const { records } = runSimulation({ models: [generator, plain], arrivals: listArrivals(arrivals), cluster: cluster([{ models: ['gen', 'p'] }]) });
    const ids = records.id.view();
    expect(ids).toHaveLength(5);
    const expected = [generatorFormula(350, 7), 52, generatorFormula(0, 45), 10 * (0.2 + 0.8 * 0.5) + 2 + 40, 7];
    for (let i = 0; i < ids.length; i++) {
      const want = expected[ids[i]];
      // The default test cluster has no transfer cost: the solo latency is the execution.
      expect(records.soloLatency.view()[i]).toBeCloseTo(want, 9);
      // Alone on the GPU, with a deterministic model, it also runs for exactly that.
      expect(records.executionEnd.view()[i] - records.executionStart.view()[i]).toBeCloseTo(want, 9);
    }
    expect(expected[0]).toBeCloseTo(10 * (0.2 + 2.8) + 2 + 14, 12);
  });

  it('built-in llama2_7b and bert_base follow their documented parameters; a measured duration replaces the solo time', () => {
    const llama = builtinModel('llama2_7b')!;
    const shape = (model: ModelProfile, inputTokens: number, outputTokens: number, durationMs = 0) => ({ model, batch: 1, inputTokens, outputTokens, durationMs });
    // Prefill 80 ms at 1,024 prompt tokens (fixed share 0.08), decode 4 x 265.5 ms at 128 answer tokens.
    expect(requestSoloExecutionMs(shape(llama, 2048, 64))).toBeCloseTo(80 * (0.08 + 0.92 * 2) + 4 * 265.5 * 0.5, 9);
    expect(requestSoloExecutionMs(shape(llama, -1, -1))).toBeCloseTo(80 + 4 * 265.5, 9);
    const bert = builtinModel('bert_base')!;
    // Embeddings (fixed share 0.69) and three layer groups (0.6) scale; the pooler does not.
    expect(requestSoloExecutionMs(shape(bert, 512, 3))).toBeCloseTo(0.1 * (0.69 + 0.31 * 4) + 3 * 0.9 * (0.6 + 0.4 * 4) + 0.05, 9);
    expect(requestSoloExecutionMs(shape(bert, 128, -1))).toBeCloseTo(2.85, 9);
    expect(requestSoloExecutionMs(shape(bert, 4000, 9, 125))).toBe(125);
    // Bytes per token: llama2_7b sends 4 bytes per prompt token and returns 4 per answer token.
    const paper = loadScenario('paper').cluster;
    const link = paper.gpus[0].link;
    const transfers = link.setupMs + link.setupMs + (4 * 2048) / Math.min(link.h2dBytesPerMs, paper.hosts[0].uplinkH2dBytesPerMs) + (4 * 64) / Math.min(link.d2hBytesPerMs, paper.hosts[0].uplinkD2hBytesPerMs);
    expect(soloLatencyMs(llama, 1, paper, { inputTokens: 2048, outputTokens: 64 })).toBeCloseTo(transfers + requestSoloExecutionMs(shape(llama, 2048, 64)), 9);
  });

  it('a trace request with a duration runs for that time, split over the phases in their proportions', () => {
    const { records } = runSimulation({ models: [generator], arrivals: listArrivals([arrival(0, { model: 'gen', durationMs: 13, inputTokens: 900 })]), cluster: cluster([{ models: ['gen'] }]) });
    expect(records.soloLatency.view()[0]).toBeCloseTo(13, 9);
    expect(records.executionEnd.view()[0] - records.executionStart.view()[0]).toBeCloseTo(13, 9);
  });
});

describe('the adaptive predictor sees shaped work', () => {
  it('a co-runner\'s remaining work and the forecast follow its tokens, not its model\'s reference', () => {
    const shaped = new Request(0, 0, generator, 1, 'high', 1e9, 0, 0, 1, 350, 7);
    const plain = new Request(1, 0, generator, 1, 'high', 1e9, 0, 0, 1);
    expect(coRunnerOf(shaped, 0, 1).remainingMs).toBeCloseTo(generatorFormula(350, 7), 9);
    expect(coRunnerOf(plain, 0, 1).remainingMs).toBe(52);
    // Alone on an exclusive GPU a request runs at solo speed: slowdown 1 whatever its tokens,
    // which needs the forecast to run its own (shaped) phases against its own solo total.
    const forecaster = new SharingForecaster();
    const table = phaseTable(generator, 1);
    const sharing = cluster().gpus[0].sharing;
    expect(forecaster.slowdown(table, true, [], [coRunnerOf(shaped, 0, 1)], sharing, 1, undefined, shaped)).toBeCloseTo(1, 9);
    // Time-sliced beside a co-runner with 6 ms of shaped work (52 ms at the reference): a
    // plain request (52 ms) runs at half speed for 12 ms, then alone: 58 / 52.
    const short = new Request(2, 0, generator, 1, 'high', 1e9, 0, 0, 1, 0, 1);
    expect(generatorFormula(0, 1)).toBe(6);
    expect(forecaster.slowdown(table, true, [coRunnerOf(short, 0, 1)], [], sharing, 2)).toBeCloseTo(58 / 52, 9);
  });
});

describe('trace columns input_tokens, output_tokens, duration_ms', () => {
  const rows: TraceRecord[] = [
    { arrival: 0, model: 'gen', batch: 1, priority: 'high', relativeDeadline: 50, inputTokens: 12, outputTokens: 3, durationMs: undefined },
    { arrival: 1.5, model: 'gen', batch: 2, priority: 'low', relativeDeadline: 80, inputTokens: undefined, outputTokens: 0, durationMs: 2.25 },
    { arrival: 2, model: 'gen', batch: 1, priority: 'low', relativeDeadline: 80, inputTokens: 7437, outputTokens: undefined, durationMs: undefined },
  ];

  it('go through CSV and Arrow and back, absent cells absent; a writer writes them only when asked', async () => {
    const csv = file('shaped.csv');
    await writeTrace(csv, rows, { tokens: true, duration: true });
    expect(readFileSync(csv, 'utf8').split('\n').slice(0, 3)).toEqual([
      'arrival_ms,model,batch,priority,deadline_ms,input_bytes,output_bytes,input_tokens,output_tokens,duration_ms',
      '0,gen,1,high,50,,,12,3,',
      '1.5,gen,2,low,80,,,,0,2.25',
    ]);
    const fromCsv = await readAll(csv);
    const arrow = file('shaped.arrow');
    await writeTrace(arrow, fromCsv, { tokens: true, duration: true });
    for (const back of [fromCsv, await readAll(arrow)]) {
      expect(back.map((r) => [r.inputTokens, r.outputTokens, r.durationMs])).toEqual([
        [12, 3, undefined],
        [undefined, 0, 2.25],
        [7437, undefined, undefined],
      ]);
    }
    const plain = file('plain.csv');
    await writeTrace(plain, rows);
    expect(readFileSync(plain, 'utf8').split('\n')[0]).toBe('arrival_ms,model,batch,priority,deadline_ms,input_bytes,output_bytes');
    expect((await readAll(plain)).every((r) => r.inputTokens === undefined && r.durationMs === undefined)).toBe(true);
  });

  it('bad values are refused with the file and the line (CSV) or record batch and row (Arrow)', async () => {
    const H = 'arrival_ms,model,batch,priority,deadline_ms,input_tokens,output_tokens,duration_ms\n1,m,1,high,10,5,5,\n';
    const csv = (body: string) => {
      const path = file('bad.csv');
      writeFileSync(path, H + body);
      return path;
    };
    expect(await readError(csv('2,m,1,high,10,-3,5,\n'))).toBe('line 3: input_tokens: expected an integer >= 0 or empty, got -3');
    expect(await readError(csv('2,m,1,high,10,1.5,5,\n'))).toBe('line 3: input_tokens: expected an integer >= 0 or empty, got 1.5');
    expect(await readError(csv('2,m,1,high,10,many,5,\n'))).toBe('line 3: input_tokens: expected an integer >= 0 or empty, got an empty or non-numeric value');
    expect(await readError(csv('2,m,1,high,10,5,5,\n3,m,1,low,10,5,-1,\n'))).toBe('line 4: output_tokens: expected an integer >= 0 or empty, got -1');
    expect(await readError(csv('2,m,1,high,10,5,5,0\n'))).toBe('line 3: duration_ms: expected a number > 0 or empty, got 0');
    expect(await readError(csv('2,m,1,high,10,5,5,-2.5\n'))).toBe('line 3: duration_ms: expected a number > 0 or empty, got -2.5');

    const arrow = file('bad.arrow');
    const table = new Table({
      arrival_ms: vectorFromArray([0, 1, 2], new Float64()),
      model: vectorFromArray(['m', 'm', 'm'], new Utf8()),
      batch: vectorFromArray([1, 1, 1], new Int32()),
      priority: vectorFromArray(['high', 'low', 'low'], new Utf8()),
      deadline_ms: vectorFromArray([10, 10, 10], new Float64()),
      input_tokens: vectorFromArray([4, 2.5, 1], new Float64()),
    });
    writeFileSync(arrow, tableToIPC(table, 'file'));
    expect(await readError(arrow)).toBe('record batch 0, row 1: input_tokens: expected an integer >= 0 or empty, got 2.5');
    expect(new Schema([new Field('x', new Int32())]).fields).toHaveLength(1);
  });

  it('strait trace inspect reports token and duration statistics per class', async () => {
    const csv = file('inspect.csv');
    await writeTrace(csv, rows, { tokens: true, duration: true });
    let output = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output += String(chunk);
      return true;
    });
    await traceInspectCommand(csv);
    expect(output).toMatch(/input tokens: rows +mean +min +max +output tokens: rows/);
    expect(output).toMatch(/\nhigh +1 +12 +12 +12 +1 +3 +3 +3\n/);
    expect(output).toMatch(/\nlow +1 +7,437 +7,437 +7,437 +1 +0 +0 +0\n/);
    expect(output).toMatch(/duration ms: rows +mean +min +max\n/);
    expect(output).toMatch(/\nlow +1 +2\.25 +2\.25 +2\.25\n/);
  });
  afterEach(() => vi.restoreAllMocks());
});

describe('converters fill tokens and durations from the source rows', () => {
  const facts = scenarioModelFacts(loadScenario('paper'));
  const paper = loadScenario('paper').cluster;

  /** The data rows of a fixture, split on commas (CRLF line ends as published). */
  const sourceRows = (path: string) => readFileSync(path, 'utf8').split(/\r?\n/).slice(1).filter((l) => l !== '').map((l) => l.split(','));

  it('Azure LLM 2023: input_tokens = ContextTokens, output_tokens = GeneratedTokens, each deadline N x its own solo latency', async () => {
    const code = join(FIXTURES, 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
    const conv = join(FIXTURES, 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
    const out = file('llm.arrow');
    await convertAzureLlm2023([code, conv], out, { models: facts, mapping: parseTargetMapping('code=llama2_7b:high,conv=llama2_7b:low'), deadlines: parseDeadlines('high=4x,low=8x') });
    const rows = await readAll(out);
    // Every conv row (18:15) comes before every code row (18:17).
    const source = [...sourceRows(conv), ...sourceRows(code)];
    expect(rows.map((r) => [r.inputTokens, r.outputTokens])).toEqual(source.map(([, context, generated]) => [Number(context), Number(generated)]));
    const llama = builtinModel('llama2_7b')!;
    for (const r of rows) {
      const own = soloLatencyMs(llama, 1, paper, { inputTokens: r.inputTokens, outputTokens: r.outputTokens });
      expect(r.relativeDeadline).toBeCloseTo((r.priority === 'high' ? 4 : 8) * own, 9);
    }
    // A 4,808-token prompt is not judged by a 34-token one's deadline.
    const long = rows.find((r) => r.inputTokens === 4808)!;
    const short = rows.find((r) => r.inputTokens === 34)!;
    expect(long.relativeDeadline / short.relativeDeadline).toBeGreaterThan(2);

    const blind = file('blind.csv');
    await convertAzureLlm2023([code, conv], blind, { models: facts, tokens: false });
    expect(readFileSync(blind, 'utf8').split('\n')[0]).toBe('arrival_ms,model,batch,priority,deadline_ms,input_bytes,output_bytes');
  });

  it('Azure Functions 2021: duration_ms = duration x 1000 of the source row; a zero duration is left empty', async () => {
    const input = join(FIXTURES, 'azure-functions-2021', 'AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt');
    const out = file('f21.csv');
    await convertAzureFunctions2021([input], out, { models: facts, mapping: parseTargetMapping('hash:bert_base:high=0.5') });
    const rows = await readAll(out);
    const source = sourceRows(input)
      .map(([, , end, duration], i) => ({ start: (Number(end) - Number(duration)) * 1000, duration: Number(duration) * 1000, i }))
      .sort((a, b) => a.start - b.start || a.i - b.i);
    expect(rows.map((r) => r.arrival)).toEqual(source.map((s) => s.start));
    expect(rows.map((r) => r.durationMs)).toEqual(source.map((s) => (s.duration > 0 ? s.duration : undefined)));
  });
});
