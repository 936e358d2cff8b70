import { describe, expect, it } from 'vitest';
import { RandomStream } from '../sim/core/random.ts';
import { LogHistogram } from '../sim/metrics/log-histogram.ts';

/** Nearest-rank quantile of a sorted sample: the definition the histogram follows. */
function nearestRank(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

describe('LogHistogram', () => {
  it('answers every quantile within its relative accuracy, on spread-out data', () => {
    for (const seed of [1, 2, 3]) {
      const random = new RandomStream(`histogram-${seed}`);
      const histogram = new LogHistogram(0.005);
      const values = new Float64Array(20000);
      for (let i = 0; i < values.length; i++) {
        // five decades of magnitude, and some exact zeros
        values[i] = i % 50 === 0 ? 0 : Math.exp(random.uniform() * 11.5 - 4);
        histogram.add(values[i]);
      }
      values.sort();
      for (const q of [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1]) {
        const exact = nearestRank(values, q);
        const approx = histogram.quantile(q);
        if (exact === 0) expect(approx).toBe(0);
        else expect(Math.abs(approx - exact) / exact).toBeLessThanOrEqual(0.005 + 1e-12);
      }
    }
  });

  it('is independent of insertion order and ignores values it cannot place', () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    const values = [3, 0.2, 1e4, 7, 7, 0.001, 55];
    for (const v of values) a.add(v);
    for (const v of [...values].reverse()) b.add(v);
    b.add(NaN);
    b.add(-1);
    b.add(Infinity);
    expect(b.count).toBe(values.length);
    for (const q of [0.1, 0.5, 0.95]) expect(b.quantile(q)).toBe(a.quantile(q));
    expect(new LogHistogram().quantile(0.5)).toBeNaN();
  });

  it('places every value in the bucket of its own log, whether added one by one or in blocks, as its range widens both ways', () => {
    const gamma = 1.005 / 0.995;
    const logGamma = Math.log(gamma);
    const random = new RandomStream('histogram-widen');
    // Decades from 1e-9 to 1e9 in a random order, so the range grows downwards and upwards.
    const values = new Float64Array(5000);
    for (let i = 0; i < values.length; i++) values[i] = i % 97 === 0 ? 0 : Math.exp((random.uniform() - 0.5) * 41);
    const reference = new Map<number, number>();
    for (const v of values) if (v > LogHistogram.ZERO) reference.set(Math.ceil(Math.log(v) / logGamma), (reference.get(Math.ceil(Math.log(v) / logGamma)) ?? 0) + 1);
    const indices = [...reference.keys()].sort((a, b) => a - b);
    const zeros = values.filter((v) => v <= LogHistogram.ZERO).length;
    const one = new LogHistogram();
    for (const v of values) one.add(v);
    const blocks = new LogHistogram();
    for (let at = 0; at < values.length; at += 256) blocks.addAll(values.subarray(at, at + 256), Math.min(256, values.length - at));
    for (let k = 0; k <= 200; k++) {
      const q = k / 200;
      const rank = Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1));
      let seen = zeros;
      let expected = 0;
      if (rank >= zeros) {
        for (const index of indices) {
          seen += reference.get(index)!;
          if (seen > rank) {
            expected = (2 * Math.pow(gamma, index)) / (gamma + 1);
            break;
          }
        }
      }
      expect(one.quantile(q)).toBe(expected);
      expect(blocks.quantile(q)).toBe(expected);
    }
  });
});

