/**
 * Who ran together on a device: from the execution intervals of the requests a
 * device served, each request's co-runners with their overlap, and how long it
 * executed at each level of concurrency (alone, with one other, ...). Calibration
 * fits the interference model from the latter.
 */

export interface ExecutionInterval {
  readonly id: number;
  readonly device: number;
  readonly start: number;
  readonly end: number;
}

export interface CoRunner {
  readonly id: number;
  readonly overlapMs: number;
}

export interface CoLocation {
  readonly coRunners: readonly CoRunner[];
  /** Time executing with at least one other request on the device, ms. */
  readonly coRunMs: number;
  /** Most requests running beside it at any moment. */
  readonly maxCoRunners: number;
  /** timeAtConcurrency[n - 1]: time executing while n requests (itself included) executed, ms. */
  readonly timeAtConcurrency: readonly number[];
}

export function coLocations(intervals: readonly ExecutionInterval[]): Map<number, CoLocation> {
  const result = new Map<number, CoLocation>();
  const byDevice = new Map<number, ExecutionInterval[]>();
  for (const interval of intervals) {
    let list = byDevice.get(interval.device);
    if (list === undefined) byDevice.set(interval.device, (list = []));
    list.push(interval);
  }
  for (const list of byDevice.values()) {
    list.sort((a, b) => a.start - b.start || a.id - b.id);
    for (let i = 0; i < list.length; i++) {
      const self = list[i];
      const others: ExecutionInterval[] = [];
      // Earlier starters that are still running, and later starters before our end.
      for (let j = i - 1; j >= 0; j--) if (list[j].end > self.start) others.push(list[j]);
      for (let j = i + 1; j < list.length && list[j].start < self.end; j++) others.push(list[j]);
      result.set(self.id, describe(self, others));
    }
  }
  return result;
}

function describe(self: ExecutionInterval, others: readonly ExecutionInterval[]): CoLocation {
  const coRunners: CoRunner[] = [];
  // Concurrency over [start, end]: +1 where a co-runner starts, -1 where it ends.
  const steps: { at: number; delta: number }[] = [];
  for (const other of others) {
    const from = Math.max(self.start, other.start);
    const to = Math.min(self.end, other.end);
    if (to <= from) continue;
    coRunners.push({ id: other.id, overlapMs: to - from });
    steps.push({ at: from, delta: 1 }, { at: to, delta: -1 });
  }
  steps.sort((a, b) => a.at - b.at || a.delta - b.delta);
  const timeAt: number[] = [0];
  let level = 0;
  let maxLevel = 0;
  let last = self.start;
  for (const step of steps) {
    timeAt[level] = (timeAt[level] ?? 0) + (step.at - last);
    last = step.at;
    level += step.delta;
    maxLevel = Math.max(maxLevel, level);
  }
  timeAt[level] = (timeAt[level] ?? 0) + (self.end - last);
  for (let n = 0; n < timeAt.length; n++) timeAt[n] ??= 0;
  coRunners.sort((a, b) => a.id - b.id);
  return {
    coRunners,
    coRunMs: timeAt.slice(1).reduce((a, b) => a + b, 0),
    maxCoRunners: maxLevel,
    timeAtConcurrency: timeAt,
  };
}
