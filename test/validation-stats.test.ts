import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { assess } from '../replay/stats/assess.ts';
import { bootstrapReplicateMeans, percentileInterval } from '../replay/stats/bootstrap.ts';
import { statistic } from '../replay/stats/metric.ts';
import { noiseFloor } from '../replay/stats/noise-floor.ts';
import { kendallTau, signCheck } from '../replay/stats/rank-agreement.ts';
import { verdict } from '../replay/stats/verdict.ts';

/**
 * Synthetic replicate sets with known noise: R replays of `requests` latencies, each
 * replay's latencies scaled by its own device speed (lognormal, cv `drift`: the
 * replay-to-replay noise), each request exponential around `meanMs` (its own noise).
 */
function replicates(seed: string, r: number, requests: number, meanMs: number, drift: number): number[][] {
  const random = seedrandom.xor4096(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: r }, () => {
    const speed = Math.exp(drift * normal() - (drift * drift) / 2);
    return Array.from({ length: requests }, () => -meanMs * speed * Math.log(1 - random()));
  });
}

describe('noise floor', () => {
  it('is near zero for identical replicates and grows with the replay-to-replay drift', () => {
    const same = [[10, 20], [10, 20], [10, 20]];
    expect(noiseFloor('mean', same).floor).toBe(0);
    const quiet = noiseFloor('mean', replicates('q', 6, 4000, 10, 0.01)).floor;
    const noisy = noiseFloor('mean', replicates('n', 6, 4000, 10, 0.3)).floor;
    expect(quiet).toBeLessThan(0.05);
    expect(noisy).toBeGreaterThan(0.15);
  });

  it('measures the violation rate in percentage points, one replicate against the others', () => {
    const floor = noiseFloor('violations', [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
    expect(floor.values).toEqual([25, 0, 0]);
    // 25 vs 0, 0 vs 12.5, 0 vs 12.5
    expect(floor.floor).toBeCloseTo((25 + 12.5 + 12.5) / 3, 10);
  });
});

describe('two-level bootstrap', () => {
  it('is deterministic given its seed and covers the true mean on a quiet device', () => {
    const sets = replicates('b', 5, 500, 10, 0.02);
    const a = bootstrapReplicateMeans(sets, (s) => statistic('mean', s), { seed: 'x', resamples: 300 });
    const b = bootstrapReplicateMeans(sets, (s) => statistic('mean', s), { seed: 'x', resamples: 300 });
    expect(a).toEqual(b);
    const interval = percentileInterval(a);
    expect(interval.low).toBeLessThan(10.5);
    expect(interval.high).toBeGreaterThan(9.5);
  });

  it('widens with the replay-to-replay spread (replays resampled first)', () => {
    const width = (drift: number) => {
      const i = percentileInterval(bootstrapReplicateMeans(replicates(`w${drift}`, 5, 500, 10, drift), (s) => statistic('mean', s), { seed: 's', resamples: 300 }));
      return i.high - i.low;
    };
    expect(width(0.3)).toBeGreaterThan(3 * width(0.01));
  });
});

describe('verdicts on synthetic replicate sets', () => {
  it('PASS: a quiet device and a simulator 3% off the true mean', () => {
    const a = assess('mean', replicates('p', 5, 2000, 10, 0.01), 10.3, 'v', 400);
    expect(a.verdict).toBe('PASS');
  });

  it('FAIL: a quiet device and a simulator 40% off', () => {
    const a = assess('mean', replicates('f', 5, 2000, 10, 0.01), 14, 'v', 400);
    expect(a.verdict).toBe('FAIL');
    expect(a.interval.low).toBeGreaterThan(a.tolerance);
  });

  it('keeps each replicate\'s value and the bootstrap interval of their mean (what a figure draws)', () => {
    const sets = replicates('f', 5, 2000, 10, 0.01);
    const a = assess('mean', sets, 14, 'v', 400);
    expect(a.replayValues).toEqual(sets.map((s) => statistic('mean', s)));
    expect(a.replayInterval.low).toBeLessThan(a.replayMean);
    expect(a.replayInterval.high).toBeGreaterThan(a.replayMean);
    // E's interval is the same bootstrap seen from the simulator: (sim - b) / b.
    expect(a.interval.low).toBeCloseTo(14 / a.replayInterval.high - 1, 10);
  });

  it('INCONCLUSIVE: a device too noisy to resolve 10%, even with a simulator 5% off', () => {
    const a = assess('mean', replicates('i', 5, 2000, 10, 0.3), 10.5, 'v', 400);
    expect(a.verdict).toBe('INCONCLUSIVE');
    expect(a.reason).toMatch(/noise floor too large/);
  });

  it('a wrong simulator on a noisy device is not a PASS', () => {
    for (const seed of ['a', 'b', 'c']) {
      const a = assess('mean', replicates(seed, 5, 2000, 10, 0.3), 25, 'v', 400);
      expect(a.verdict).not.toBe('PASS');
    }
  });

  it('the tolerance grows with the noise floor to max(target, 1.5 N)', () => {
    expect(verdict({ error: 0.13, interval: { low: 0.1, high: 0.16 }, floor: 0.1, target: 0.1, replicates: 5 })).toMatchObject({ verdict: 'PASS', tolerance: 0.15000000000000002 });
    expect(verdict({ error: 0.13, interval: { low: 0.1, high: 0.16 }, floor: 0.02, target: 0.1, replicates: 5 }).verdict).toBe('INCONCLUSIVE');
    expect(verdict({ error: 0.2, interval: { low: 0.16, high: 0.25 }, floor: 0.02, target: 0.1, replicates: 5 }).verdict).toBe('FAIL');
    expect(verdict({ error: 0.01, interval: { low: 0, high: 0.02 }, floor: 0.02, target: 0.1, replicates: 2 }).verdict).toBe('INCONCLUSIVE');
  });

  it('violation rates are judged in percentage points against 3 pp', () => {
    const quiet = (p: number, seed: string) => {
      const random = seedrandom.xor4096(seed);
      return Array.from({ length: 5 }, () => Array.from({ length: 4000 }, () => (random() < p ? 1 : 0)));
    };
    expect(assess('violations', quiet(0.1, 'x'), 11, 'v', 300).verdict).toBe('PASS');
    expect(assess('violations', quiet(0.1, 'y'), 20, 'v', 300).verdict).toBe('FAIL');
  });
});

describe('trend agreement', () => {
  it('Kendall tau-b: 1 for the same order, -1 reversed, ties handled', () => {
    expect(kendallTau([1, 2, 3], [10, 20, 30])).toBe(1);
    expect(kendallTau([1, 2, 3], [30, 20, 10])).toBe(-1);
    expect(kendallTau([1, 2, 3], [10, 30, 20])).toBeCloseTo(1 / 3, 10);
    expect(kendallTau([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / Math.sqrt(6), 10);
    expect(kendallTau([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('counts only differences whose interval excludes zero, then checks the sign', () => {
    expect(signCheck({ low: 0.5, high: 2 }, 1)).toBe('agree');
    expect(signCheck({ low: 0.5, high: 2 }, -1)).toBe('disagree');
    expect(signCheck({ low: -2, high: -0.1 }, -0.3)).toBe('agree');
    expect(signCheck({ low: -1, high: 2 }, 5)).toBe('not significant');
  });
});
