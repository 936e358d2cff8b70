import { generateTrace, parseTraceGenArgs, traceGenScenario } from '../../scenarios/generate-trace.ts';
import { planRates } from '../../scenarios/workload-plan.ts';
import { describeArrivalProcess } from '../../traces/arrival-processes.ts';
import type { TraceRecord } from '../../traces/trace-schema.ts';
import { writeTrace } from '../../traces/trace-writer.ts';

/**
 * `strait trace gen`: writes a synthetic trace. Wiring, in main.ts:
 *
 *   const gen = trace.command('gen').description('write a synthetic trace');
 *   for (const f of TRACE_GEN_FLAGS) gen.option(f.flags, f.description);
 *   gen.action(traceGenCommand);
 *
 * (TRACE_GEN_FLAGS from scenarios/trace-gen-flags.ts). Options arrive as strings;
 * parseTraceGenArgs checks them and names the flag in every complaint.
 */
export async function traceGenCommand(args: Readonly<Record<string, unknown>>): Promise<void> {
  const { out, options } = parseTraceGenArgs(args);
  const scenario = traceGenScenario(options);
  const rates = planRates(scenario);
  let last = 0;
  const count = await writeTrace(out, withProgress(generateTrace(options), (record) => (last = record.arrival)));
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  process.stderr.write(
    `wrote ${out}: ${count.toLocaleString('en-US')} requests over ${(last / 1000).toFixed(1)} s, ` +
      `${describeArrivalProcess(scenario.workload.arrivals)} at ${rates.totalPerSec.toPrecision(4)} requests/s ` +
      `(${(100 * rates.offeredLoad).toFixed(0)}% of the capacity of scenario ${options.base?.name ?? 'default'}), ${scenario.workload.streams.length} streams\n`,
  );
}

/** Passes records through, reporting progress on stderr when it is a terminal. */
function* withProgress(records: Iterable<TraceRecord>, onRecord: (record: TraceRecord) => void): Generator<TraceRecord> {
  const tty = process.stderr.isTTY;
  let n = 0;
  for (const record of records) {
    onRecord(record);
    if (tty && ++n % 100_000 === 0) {
      process.stderr.write(`\r${n.toLocaleString('en-US')} requests, ${(record.arrival / 1000).toFixed(1)} s of trace `);
    }
    yield record;
  }
}
