/**
 * CSV input shared by the trace reader and the converters (traces/csv-lines.ts,
 * traces/csv-records.ts): lines are found in one pass however the file is chunked, a
 * line past the cap and a NUL byte are input errors naming the file, line and byte
 * offset, line endings are LF or CRLF but not both; and the conversion corner cases
 * (nothing selected, every input on the * mapping) and inspect's per-class figures.
 * CLI calls start in beforeAll and run beside the in-process tests.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import { splitLines, type LineSplitOptions } from '../traces/csv-lines.ts';
import { CsvReader } from '../traces/csv-records.ts';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { scenarioModelFacts } from '../scenarios/model-facts.ts';
import { convertAzureFunctions2019 as convert2019, type AzureFunctions2019Options } from '../traces/converters/azure-functions-2019.ts';
import { convertAzureFunctions2021 as convert2021, type AzureFunctions2021Options } from '../traces/converters/azure-functions-2021.ts';
import { convertAzureLlm2023 as convertLlm2023, type AzureLlm2023Options } from '../traces/converters/azure-llm-2023.ts';
import { parseTargetMapping, parseWindow } from '../traces/converters/convert-common.ts';
import { readTrace } from '../traces/trace-reader.ts';
import { TraceStatsAccumulator } from '../traces/trace-stats.ts';
import { expectSuccess, strait, type CliResult } from './strait-cli.ts';

// Converters are handed model facts by their caller, as the CLI does without --scenario.
const defaultFacts = scenarioModelFacts(loadScenario());
const convertAzureLlm2023 = (inputs: string[], out: string, options: AzureLlm2023Options = {}) => convertLlm2023(inputs, out, { models: defaultFacts, ...options });
const convertAzureFunctions2019 = (inputs: string[], out: string, options: AzureFunctions2019Options = {}) => convert2019(inputs, out, { models: defaultFacts, ...options });
const convertAzureFunctions2021 = (inputs: string[], out: string, options: AzureFunctions2021Options = {}) => convert2021(inputs, out, { models: defaultFacts, ...options });

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });
const CLI_TIMEOUT = 60_000;
const HEADER = 'arrival_ms,model,batch,priority,deadline_ms,input_bytes,output_bytes';
const LLM_HEADER = 'TIMESTAMP,ContextTokens,GeneratedTokens';

let dir = '';
let counter = 0;
function textFile(text: string | Buffer, name = `t${counter++}.csv`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Every record of a CSV file with the line it starts on. */
async function records(path: string, options: LineSplitOptions = {}): Promise<[number, string[]][]> {
  const reader = new CsvReader(path, options);
  const out: [number, string[]][] = [];
  try {
    for (let r = await reader.next(); r !== undefined; r = await reader.next()) out.push([reader.line, r]);
  } finally {
    reader.close();
  }
  return out;
}

/** The InputError's message, less the file name it must start with. */
async function inputError(promise: Promise<unknown>, path: string): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, String(error)).toBeInstanceOf(InputError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  expect(message.startsWith(`${path}: `), message).toBe(true);
  return message.slice(path.length + 2);
}

async function readAllTrace(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of readTrace(path)) n += chunk.length;
  return n;
}

/** Exit 2, one `strait: ` line on stderr, no stack, nothing on stdout. */
function expectInputFailure(run: CliResult): string {
  expect(run.status, run.stderr).toBe(2);
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^strait: /);
  expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(run.stdout).toBe('');
  return lines[0];
}

const cli: Record<string, Promise<CliResult>> = {};
const VALID_ROWS = 200;
const validTrace = [HEADER, ...Array.from({ length: VALID_ROWS }, (_, i) => `${i},mobilenet_v2,1,${i % 4 ? 'low' : 'high'},50,,`)].join('\n');
const llmRows = (n: number) => Array.from({ length: n }, (_, i) => `2023-11-16 18:15:${String(i % 60).padStart(2, '0')}.${i}0,${i},1`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strait-csv-input-'));
  // Valid rows, then a row cut short and 64 MiB of zeros (a sparse file, as truncate makes).
  const sparse = textFile(`${validTrace}\n300,mobile`, 'sparse.csv');
  truncateSync(sparse, 64 << 20);
  const sparseLlm = textFile(`${LLM_HEADER}\n${llmRows(50).join('\n')}\n2023-11-16 18:16`, 'AzureLLMInferenceTrace_code_sparse.csv');
  truncateSync(sparseLlm, 64 << 20);
  writeFileSync(
    join(dir, 'scenario.json'),
    JSON.stringify({
      seed: 2,
      policy: 'fifo',
      predictor: 'solo',
      models: ['mobilenet_v2', 'bert_base'],
      cluster: { hosts: [{ uplink: { h2dGBps: 16, d2hGBps: 16 }, gpus: 1 }] },
      workload: { trace: 'sparse.csv' },
    }),
  );
  cli.run = strait(['run', join(dir, 'scenario.json'), '--out', join(dir, 'run')]);
  cli.inspect = strait(['trace', 'inspect', sparse]);
  cli.convert = strait(['trace', 'convert', '--format', 'azure-llm-2023', sparseLlm, '--out', join(dir, 'sparse-out.csv')]);
  // CRLF mixed into an LF file: csv-parse used to merge two lines ("expected 3 fields, got 5").
  const mixed = textFile(`${LLM_HEADER}\r\n${llmRows(3).join('\n')}\n`, 'AzureLLMInferenceTrace_code_mixed.csv');
  cli.mixed = strait(['trace', 'convert', '--format', 'azure-llm-2023', mixed, '--out', join(dir, 'mixed-out.csv')]);
  const headerOnly = textFile(`${LLM_HEADER}\n`, 'AzureLLMInferenceTrace_conv.csv');
  cli.headerOnly = strait(['trace', 'convert', '--format', 'azure-llm-2023', headerOnly, '--out', join(dir, 'header-only.arrow')]);
  const renamed = textFile(`${LLM_HEADER}\n${llmRows(5).join('\n')}\n`, 'code-renamed.csv');
  cli.renamed = strait(['trace', 'convert', '--format', 'azure-llm-2023', renamed, '--out', join(dir, 'renamed.csv')]);
  const bytes = textFile(`${HEADER}\n1,mobilenet_v2,1,high,50,100,10\n2,bert_base,2,low,50,,\n4,mobilenet_v2,1,high,50,300,\n7,bert_base,1,low,50,40,8\n`, 'bytes.csv');
  cli.inspectBytes = strait(['trace', 'inspect', bytes]);
}, CLI_TIMEOUT);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('line splitting', () => {
  it('reads the same records however small the chunks: multi-byte characters, CRLF, quotes over two lines', async () => {
    const text = `\ufeff${HEADER}\r\n1,"é,\r\nü",1,high,10,,\r\n\r\n2,😀𝄞,2,low,20,5,6\r\n3,"say ""hi""",1,high,7,,4.5\r\n4,m,1,high,8,,`;
    const path = textFile(text);
    const whole = await records(path);
    expect(whole.map(([line, cells]) => [line, cells[1]])).toEqual([
      [1, 'model'],
      [2, 'é,\nü'],
      [5, '😀𝄞'],
      [6, 'say "hi"'],
      [7, 'm'],
    ]);
    for (const chunkBytes of [1, 2, 3, 5, 7, 64]) expect(await records(path, { chunkBytes })).toEqual(whole);
  });

  it('refuses a line past the cap, naming its line and byte offset, wherever the chunks fall', async () => {
    const path = textFile(`${HEADER}\n1,m,1,high,10,,\n2,${'x'.repeat(200)},1,high,10,,\n3,m,1,high,10,,\n`);
    const offset = HEADER.length + 1 + 16;
    for (const chunkBytes of [1, 16, 100]) {
      expect(await inputError(records(path, { maxLineBytes: 100, chunkBytes }), path)).toBe(
        `line 3 (from byte offset ${offset}): longer than 100 bytes without a line end; expected CSV rows of a few KiB at most (is the file cut short, or not CSV?)`,
      );
    }
    // A line of exactly the cap is read.
    const atCap = textFile(`${'a'.repeat(100)}\n${'b'.repeat(100)}`);
    expect((await records(atCap, { maxLineBytes: 100, chunkBytes: 7 })).map(([line]) => line)).toEqual([1, 2]);
    // The default cap (1 MiB), through the trace reader.
    const long = textFile(`${HEADER}\n1,m,1,high,10,,\n2,${'y'.repeat(1 << 20)}`);
    expect(await inputError(readAllTrace(long), long)).toMatch(`line 3 (from byte offset ${HEADER.length + 17}): longer than 1 MiB without a line end;`);
  });

  it('refuses a quoted field that never closes once it passes the cap', async () => {
    const lines = [HEADER, '1,"m,1,high,10,,', ...Array.from({ length: 50 }, (_, i) => `${i},m,1,high,10,,`)];
    const path = textFile(lines.join('\n'));
    expect(await inputError(records(path, { maxLineBytes: 200 }), path)).toMatch(
      /^line 2: a quoted field goes on for more than 200 characters \(to line \d+\); is a closing quote missing\?$/,
    );
    expect(await inputError(records(path), path)).toBe('line 2: a quoted field is never closed');
  });

  it('scans each byte a bounded number of times: a line of many chunks costs linear work', async () => {
    // One 4 MiB line read 1 KiB at a time: rescanning the carried part on every
    // chunk (as the reader once did) would look at about 8 GiB.
    const size = 4 << 20;
    const path = textFile(`${'z'.repeat(size)}\nend\n`);
    let scanned = 0;
    const lines: number[] = [];
    for await (const batch of splitLines(path, { chunkBytes: 1024, maxLineBytes: 8 << 20, onScan: (n) => (scanned += n) })) {
      for (const line of batch.lines) lines.push(line.length);
    }
    expect(lines).toEqual([size, 3]);
    expect(scanned).toBeLessThanOrEqual(4 * (size + 5));
  });

  it('a NUL byte is an input error naming its line and byte offset', async () => {
    const path = textFile(Buffer.concat([Buffer.from(`${HEADER}\n1,m,1,high,10,,\n2,m`), Buffer.alloc(3), Buffer.from(',1,high,10,,\n')]));
    const offset = HEADER.length + 1 + 16 + 3;
    expect(await inputError(readAllTrace(path), path)).toBe(
      `line 3 (byte offset ${offset}): a NUL byte; expected CSV text (a binary file, or one padded with zeros: cut short, or a sparse file made by truncate?)`,
    );
    expect(await inputError(records(path, { chunkBytes: 5 }), path)).toMatch(`line 3 (byte offset ${offset}): a NUL byte;`);
  });
});

describe('line endings', () => {
  const crlfRows = `${HEADER}\r\n1,m,1,high,10,,\r\n2,n,2,low,20,5,6\r\n`;

  it('takes a file that is CRLF throughout', async () => {
    expect(await readAllTrace(textFile(crlfRows))).toBe(2);
  });

  it('mixed LF and CRLF is an error that says so, in the trace reader and the converters', async () => {
    const mixed = textFile(`${crlfRows}3,m,1,high,10,,\n`);
    expect(await inputError(readAllTrace(mixed), mixed)).toBe(
      'line 4: ends with LF (\\n) but line 1 ends with CRLF (\\r\\n): mixed line endings; save the file with one kind (e.g. dos2unix or unix2dos)',
    );
    const llm = textFile(`${LLM_HEADER}\n${llmRows(2).join('\r\n')}\r\n`, 'AzureLLMInferenceTrace_code_lf.csv');
    expect(await inputError(convertAzureLlm2023([llm], join(dir, 'never.csv')), llm)).toMatch(/^line 2: ends with CRLF \(\\r\\n\) but line 1 ends with LF \(\\n\): mixed line endings;/);
    expect(existsSync(join(dir, 'never.csv'))).toBe(false);
  });

  it('a blank line may end either way; CR-only line ends and a stray CR are named', async () => {
    expect(await readAllTrace(textFile(`${HEADER}\n1,m,1,high,10,,\n\r\n2,m,1,high,10,,\n`))).toBe(2);
    const mac = textFile(`${HEADER}\r1,m,1,high,10,,\r`);
    expect(await inputError(readAllTrace(mac), mac)).toBe('line 1: holds a carriage return (CR) inside it: CR-only line ends (old Mac) are not read; use LF or CRLF');
    const stray = textFile(`${HEADER}\n1,m,1,high\r2,m,1,high,10,,\n`);
    expect(await inputError(readAllTrace(stray), stray)).toBe(
      'line 2: expected 7 fields as in the header, got 10; the line holds a carriage return (CR) inside it: CR-only line ends are not read, use LF or CRLF',
    );
  });
});

describe('a file cut into zeros (sparse): every command fails at once with exit 2', () => {
  it('strait run', async () => {
    const line = expectInputFailure(await cli.run);
    expect(line).toBe(
      `strait: ${join(dir, 'sparse.csv')}: line ${VALID_ROWS + 2} (byte offset ${validTrace.length + 11}): a NUL byte; expected CSV text (a binary file, or one padded with zeros: cut short, or a sparse file made by truncate?)`,
    );
    expect(existsSync(join(dir, 'run'))).toBe(false);
  }, CLI_TIMEOUT);

  it('strait trace inspect', async () => {
    expect(expectInputFailure(await cli.inspect)).toMatch(`sparse.csv: line ${VALID_ROWS + 2} (byte offset ${validTrace.length + 11}): a NUL byte;`);
  }, CLI_TIMEOUT);

  it('strait trace convert, leaving no output', async () => {
    expect(expectInputFailure(await cli.convert)).toMatch(/AzureLLMInferenceTrace_code_sparse\.csv: line 52 \(byte offset \d+\): a NUL byte;/);
    expect(readdirSync(dir).filter((name) => name.startsWith('sparse-out'))).toEqual([]);
  }, CLI_TIMEOUT);

  it('strait trace convert on mixed line ends names them', async () => {
    expect(expectInputFailure(await cli.mixed)).toMatch(/code_mixed\.csv: line 2: ends with LF \(\\n\) but line 1 ends with CRLF \(\\r\\n\): mixed line endings/);
  }, CLI_TIMEOUT);
});

describe('conversions that select no request fail and write nothing', () => {
  const llm = () => textFile(`${LLM_HEADER}\n${llmRows(10).join('\n')}\n`, `AzureLLMInferenceTrace_code_${counter++}.csv`);

  it('a header-only input (CLI: exit 2, no file)', async () => {
    expect(expectInputFailure(await cli.headerOnly)).toBe('strait: no requests to write: the inputs hold no data rows (only a header?); nothing written');
    expect(readdirSync(dir).filter((name) => name.startsWith('header-only'))).toEqual([]);
  }, CLI_TIMEOUT);

  it('a window past the end, thinning to nothing, a map that skips everything', async () => {
    const d = join(dir, `empty${counter++}`);
    mkdirSync(d);
    const out = join(d, 'out.csv');
    const input = llm();
    await expect(convertAzureLlm2023([input], out, { window: parseWindow('1h:2h') })).rejects.toThrow(
      'no requests to write: --window 3600s:7200s selects none of the 10 requests read (the requests read lie from 0s to 9.9s of trace time); nothing written',
    );
    await expect(convertAzureLlm2023([input], out, { scale: 0.000001, seed: 1 })).rejects.toThrow('no requests to write: --scale 0.000001 thinned away all 10 requests');
    await expect(convertAzureLlm2023([input], out, { mapping: parseTargetMapping('*=skip') })).rejects.toThrow('no requests to write: --map skips all 10 requests read');
    const f21 = textFile('app,func,end_timestamp,duration\na,f,10,1\na,g,11,1\n');
    await expect(convertAzureFunctions2021([f21], out, { window: parseWindow('1h:') })).rejects.toThrow('no requests to write: --window 3600s: selects none of the 2 requests read');
    const day = textFile(
      [['HashOwner', 'HashApp', 'HashFunction', 'Trigger', ...Array.from({ length: 1440 }, (_, i) => String(i + 1))].join(','), ['o', 'a', 'f', 'http', ...Array(1440).fill('0')].join(',')].join('\n'),
      `invocations_per_function_md.anon.d01.${counter++}.csv`,
    );
    await expect(convertAzureFunctions2019([day], out, { days: 'order' })).rejects.toThrow('no requests to write: the 1 rows read hold no requests');
    await expect(convertAzureFunctions2019([day], out, { days: 'order', window: parseWindow('2d:3d') })).rejects.toThrow(
      'no requests to write: the inputs hold no data rows (only a header?), or --window 172800s:259200s lies outside every input',
    );
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('every input on the * mapping', () => {
  it('converts, but warns on stderr naming the files (CLI)', async () => {
    const run = await cli.renamed;
    expectSuccess(run);
    expect(run.stdout).toMatch(/^wrote 5 requests \(0 high, 5 low\)/);
    const file = join(dir, 'code-renamed.csv');
    expect(run.stderr).toBe(
      `strait: warning: no --map key (code, conv) names the source of any input: ${file} (source "code-renamed"); every request takes *=bert_base:low. ` +
        `A file's source is the <source> of AzureLLMInferenceTrace_<source>...csv, else its name: keep the published names or map the sources (--map SOURCE=MODEL:PRIORITY,...)\n`,
    );
  }, CLI_TIMEOUT);

  it('no warning when one input matches a key, or when the map has only *', async () => {
    const warnings: string[] = [];
    const onWarning = (m: string) => warnings.push(m);
    const named = textFile(`${LLM_HEADER}\n${llmRows(2).join('\n')}\n`, 'AzureLLMInferenceTrace_conv_w.csv');
    const other = textFile(`${LLM_HEADER}\n${llmRows(2).join('\n')}\n`, 'other.csv');
    await convertAzureLlm2023([named, other], join(dir, `w${counter++}.csv`), { onWarning });
    await convertAzureLlm2023([other], join(dir, `w${counter++}.csv`), { onWarning, mapping: parseTargetMapping('*=bert_base:high') });
    expect(warnings).toEqual([]);
    await convertAzureLlm2023([other], join(dir, `w${counter++}.csv`), { onWarning });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${other} (source "other")`);
  });
});

describe('trace inspect: per class', () => {
  it('first and last arrival and bytes (rows giving them, mean, min, max) per class', async () => {
    const stats = new TraceStatsAccumulator();
    for await (const chunk of readTrace(join(dir, 'bytes.csv'))) for (const r of chunk) stats.add(r);
    const none = { count: 0, mean: NaN, min: NaN, max: NaN };
    const shapes = { inputTokens: none, outputTokens: none, durationMs: none };
    expect(stats.finish().classes).toEqual([
      { ...shapes, priority: 'high', count: 2, firstMs: 1, lastMs: 4, inputBytes: { count: 2, mean: 200, min: 100, max: 300 }, outputBytes: { count: 1, mean: 10, min: 10, max: 10 } },
      { ...shapes, priority: 'low', count: 2, firstMs: 2, lastMs: 7, inputBytes: { count: 1, mean: 40, min: 40, max: 40 }, outputBytes: { count: 1, mean: 8, min: 8, max: 8 } },
    ]);
    const run = await cli.inspectBytes;
    expectSuccess(run);
    expect(run.stdout).toMatch(/^class\s+requests\s+first s\s+last s\s+input bytes: rows\s+mean\s+min\s+max\s+output bytes: rows\s+mean\s+min\s+max$/m);
    expect(run.stdout).toMatch(/^high\s+2\s+0\.001\s+0\.004\s+2\s+200\s+100\s+300\s+1\s+10\s+10\s+10$/m);
    expect(run.stdout).toMatch(/^low\s+2\s+0\.002\s+0\.007\s+1\s+40\s+40\s+40\s+1\s+8\s+8\s+8$/m);
    expect(run.stdout).toContain("(bytes over the rows that give them; the other rows take their model profile's)");
  }, CLI_TIMEOUT);
});
