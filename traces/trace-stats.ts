import type { TraceRecord } from './trace-schema.ts';

/** Largest number of rate bins kept; past it, neighbours merge and the width doubles. */
const MAX_BINS = 4096;

interface GroupStats {
  count: number;
  batchSum: number;
  deadlineSum: number;
}

/** Minimum, maximum and sum of the values given (rows that leave bytes to the model profile give none). */
export interface ByteStats {
  /** Rows that gave a value. */
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** One priority class: its requests, first and last arrival, and the bytes its rows give. */
export interface ClassStats {
  readonly priority: string;
  readonly count: number;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly inputBytes: ByteStats;
  readonly outputBytes: ByteStats;
  /** Tokens per item and measured durations, over the rows that give them (same shape as bytes). */
  readonly inputTokens: ByteStats;
  readonly outputTokens: ByteStats;
  readonly durationMs: ByteStats;
}

class ByteAccumulator {
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  add(bytes: number | undefined): void {
    if (bytes === undefined) return;
    this.count++;
    this.sum += bytes;
    if (bytes < this.min) this.min = bytes;
    if (bytes > this.max) this.max = bytes;
  }

  finish(): ByteStats {
    return this.count === 0 ? { count: 0, mean: NaN, min: NaN, max: NaN } : { count: this.count, mean: this.sum / this.count, min: this.min, max: this.max };
  }
}

class ClassAccumulator {
  count = 0;
  first = NaN;
  last = NaN;
  readonly input = new ByteAccumulator();
  readonly output = new ByteAccumulator();
  readonly inputTokens = new ByteAccumulator();
  readonly outputTokens = new ByteAccumulator();
  readonly duration = new ByteAccumulator();

  add(record: TraceRecord): void {
    if (this.count++ === 0) this.first = record.arrival;
    this.last = record.arrival;
    this.input.add(record.inputBytes);
    this.output.add(record.outputBytes);
    this.inputTokens.add(record.inputTokens);
    this.outputTokens.add(record.outputTokens);
    this.duration.add(record.durationMs);
  }
}

export interface TraceStats {
  readonly count: number;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly durationMs: number;
  readonly ratePerSec: number;
  /** Coefficient of variation of inter-arrival times (1 for Poisson). */
  readonly interArrivalCv: number;
  readonly groups: readonly { priority: string; model: string; count: number; meanBatch: number; meanDeadlineMs: number }[];
  /** Per priority class, high first; only classes the trace holds. */
  readonly classes: readonly ClassStats[];
  /** Arrivals per bin of binWidthMs, from time 0. */
  readonly bins: readonly number[];
  readonly binWidthMs: number;
}

/**
 * Statistics of a trace gathered in one streaming pass with bounded memory:
 * counts per class and model, inter-arrival moments (Welford), and arrivals per
 * time bin with a bin width that doubles as the trace grows.
 */
export class TraceStatsAccumulator {
  private count = 0;
  private first = NaN;
  private last = NaN;
  private gapMean = 0;
  private gapM2 = 0;
  private readonly groups = new Map<string, GroupStats>();
  private readonly classes = new Map<string, ClassAccumulator>();
  private bins: number[] = [];
  private binWidth = 1;

  add(record: TraceRecord): void {
    if (this.count === 0) this.first = record.arrival;
    else {
      const gap = record.arrival - this.last;
      const n = this.count; // gaps seen so far + 1
      const delta = gap - this.gapMean;
      this.gapMean += delta / n;
      this.gapM2 += delta * (gap - this.gapMean);
    }
    this.last = record.arrival;
    this.count++;
    const key = `${record.priority}\u0000${record.model}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = { count: 0, batchSum: 0, deadlineSum: 0 };
      this.groups.set(key, group);
    }
    group.count++;
    group.batchSum += record.batch;
    group.deadlineSum += record.relativeDeadline;
    let cls = this.classes.get(record.priority);
    if (cls === undefined) {
      cls = new ClassAccumulator();
      this.classes.set(record.priority, cls);
    }
    cls.add(record);
    let bin = Math.floor(record.arrival / this.binWidth);
    while (bin >= MAX_BINS) {
      this.mergeBins();
      bin = Math.floor(record.arrival / this.binWidth);
    }
    while (this.bins.length <= bin) this.bins.push(0);
    this.bins[bin]++;
  }

  private mergeBins(): void {
    const merged: number[] = [];
    for (let i = 0; i < this.bins.length; i += 2) merged.push(this.bins[i] + (this.bins[i + 1] ?? 0));
    this.bins = merged;
    this.binWidth *= 2;
  }

  finish(): TraceStats {
    const gaps = this.count - 1;
    const variance = gaps > 1 ? this.gapM2 / (gaps - 1) : NaN;
    const durationMs = this.count > 0 ? this.last - this.first : 0;
    return {
      count: this.count,
      firstMs: this.first,
      lastMs: this.last,
      durationMs,
      ratePerSec: durationMs > 0 ? (gaps / durationMs) * 1000 : NaN,
      interArrivalCv: this.gapMean > 0 ? Math.sqrt(variance) / this.gapMean : NaN,
      groups: [...this.groups.entries()]
        .map(([key, g]) => {
          const [priority, model] = key.split('\u0000');
          return { priority, model, count: g.count, meanBatch: g.batchSum / g.count, meanDeadlineMs: g.deadlineSum / g.count };
        })
        .sort((a, b) => (a.priority === b.priority ? a.model.localeCompare(b.model) : a.priority === 'high' ? -1 : 1)),
      classes: [...this.classes.entries()]
        .sort(([a], [b]) => (a === b ? 0 : a === 'high' ? -1 : 1))
        .map(([priority, c]) => ({
          priority,
          count: c.count,
          firstMs: c.first,
          lastMs: c.last,
          inputBytes: c.input.finish(),
          outputBytes: c.output.finish(),
          inputTokens: c.inputTokens.finish(),
          outputTokens: c.outputTokens.finish(),
          durationMs: c.duration.finish(),
        })),
      bins: this.bins,
      binWidthMs: this.binWidth,
    };
  }
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** Regroups bins into at most `width` columns and draws them as a sparkline. */
export function sparkline(bins: readonly number[], binWidthMs: number, width = 60): { line: string; columnMs: number; max: number } {
  if (bins.length === 0) return { line: '', columnMs: binWidthMs, max: 0 };
  const per = Math.max(1, Math.ceil(bins.length / width));
  const columns: number[] = [];
  for (let i = 0; i < bins.length; i += per) {
    let sum = 0;
    for (let j = i; j < Math.min(bins.length, i + per); j++) sum += bins[j];
    columns.push(sum);
  }
  const max = Math.max(...columns);
  const line = columns.map((c) => SPARKS[max > 0 ? Math.min(SPARKS.length - 1, Math.floor((c / max) * (SPARKS.length - 1) + 0.5)) : 0]).join('');
  return { line, columnMs: per * binWidthMs, max };
}
