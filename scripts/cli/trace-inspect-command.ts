import { readTrace } from '../../traces/trace-reader.ts';
import { TraceStatsAccumulator, sparkline, type ByteStats, type ClassStats } from '../../traces/trace-stats.ts';
import { fixed, table, thousands } from './format.ts';

/** `strait trace inspect FILE`: what a trace holds, in one streaming pass. */
export async function traceInspectCommand(file: string): Promise<void> {
  const stats = new TraceStatsAccumulator();
  for await (const chunk of readTrace(file)) for (const record of chunk) stats.add(record);
  const s = stats.finish();
  const spark = sparkline(s.bins, s.binWidthMs);
  const lines = [
    `${file}: ${thousands(s.count)} requests from ${fixed(s.firstMs / 1000, 3)} s to ${fixed(s.lastMs / 1000, 3)} s (${fixed(s.durationMs / 1000, 3)} s, ${fixed(s.ratePerSec, 1)} req/s)`,
    `inter-arrival coefficient of variation: ${fixed(s.interArrivalCv, 3)} (1 for Poisson, above 1 bursty)`,
    '',
    table(
      ['class', 'model', 'requests', 'share', 'mean batch', 'mean deadline ms'],
      s.groups.map((g) => [g.priority, g.model, thousands(g.count), `${fixed((100 * g.count) / s.count, 1)}%`, fixed(g.meanBatch), fixed(g.meanDeadlineMs)]),
    ),
    '',
    table(
      ['class', 'requests', 'first s', 'last s', 'input bytes: rows', 'mean', 'min', 'max', 'output bytes: rows', 'mean', 'min', 'max'],
      s.classes.map((c) => [
        c.priority,
        thousands(c.count),
        fixed(c.firstMs / 1000, 3),
        fixed(c.lastMs / 1000, 3),
        ...byteCells(c.inputBytes),
        ...byteCells(c.outputBytes),
      ]),
    ),
    ...(s.classes.some((c) => c.inputBytes.count < c.count || c.outputBytes.count < c.count) ? ["(bytes over the rows that give them; the other rows take their model profile's)"] : []),
    ...shapeLines(s.classes),
    '',
    `arrivals per ${formatSpan(spark.columnMs)} (peak ${thousands(spark.max)}, ${fixed((spark.max / spark.columnMs) * 1000, 1)} req/s):`,
    spark.line,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** Token and duration statistics per class, when any row gives them. */
function shapeLines(classes: readonly ClassStats[]): string[] {
  const lines: string[] = [];
  if (classes.some((c) => c.inputTokens.count > 0 || c.outputTokens.count > 0)) {
    lines.push(
      '',
      table(
        ['class', 'input tokens: rows', 'mean', 'min', 'max', 'output tokens: rows', 'mean', 'min', 'max'],
        classes.map((c) => [c.priority, ...byteCells(c.inputTokens), ...byteCells(c.outputTokens)]),
      ),
    );
  }
  if (classes.some((c) => c.durationMs.count > 0)) {
    lines.push(
      '',
      table(
        ['class', 'duration ms: rows', 'mean', 'min', 'max'],
        classes.map((c) => [c.priority, thousands(c.durationMs.count), fixed(c.durationMs.mean), fixed(c.durationMs.min), fixed(c.durationMs.max)]),
      ),
    );
  }
  return lines;
}

function byteCells(bytes: ByteStats): string[] {
  const value = (x: number) => (Number.isFinite(x) ? thousands(x) : '-');
  return [thousands(bytes.count), value(bytes.mean), value(bytes.min), value(bytes.max)];
}

function formatSpan(ms: number): string {
  if (ms >= 3_600_000) return `${fixed(ms / 3_600_000, 2)} h`;
  if (ms >= 60_000) return `${fixed(ms / 60_000, 2)} min`;
  if (ms >= 1000) return `${fixed(ms / 1000, 2)} s`;
  return `${fixed(ms, 1)} ms`;
}
