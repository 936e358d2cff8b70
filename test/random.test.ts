import { describe, expect, it } from 'vitest';
import { RandomStream, RandomStreams } from '../sim/core/random.ts';

function draws(stream: RandomStream, n: number): number[] {
  return Array.from({ length: n }, () => stream.uniform());
}

function min(values: readonly number[]): number {
  let m = Infinity;
  for (const v of values) if (v < m) m = v;
  return m;
}

function max(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}

function moments(values: readonly number[]): { mean: number; cv: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, cv: Math.sqrt(squares / (values.length - 1)) / mean };
}

describe('RandomStream', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    expect(draws(new RandomStream('s'), 100)).toEqual(draws(new RandomStream('s'), 100));
    expect(draws(new RandomStream('s'), 100)).not.toEqual(draws(new RandomStream('t'), 100));
  });

  it('draws uniforms in [0, 1)', () => {
    const values = draws(new RandomStream('range'), 100_000);
    expect(min(values)).toBeGreaterThanOrEqual(0);
    expect(max(values)).toBeLessThan(1);
    expect(moments(values).mean).toBeCloseTo(0.5, 2);
  });

  it('draws exponentials with the asked mean (and CV 1)', () => {
    const stream = new RandomStream('exponential');
    const values = Array.from({ length: 200_000 }, () => stream.exponential(2.5));
    const { mean, cv } = moments(values);
    // Standard error of the mean is 2.5 / sqrt(200k) = 0.0056: 1% is about 4.5 sigma.
    expect(Math.abs(mean / 2.5 - 1)).toBeLessThan(0.01);
    expect(Math.abs(cv - 1)).toBeLessThan(0.02);
    expect(min(values)).toBeGreaterThanOrEqual(0);
  });

  it('draws standard normals', () => {
    const stream = new RandomStream('normal');
    const values = Array.from({ length: 200_000 }, () => stream.normal());
    let sum = 0;
    let squares = 0;
    for (const v of values) {
      sum += v;
      squares += v * v;
    }
    expect(Math.abs(sum / values.length)).toBeLessThan(0.01);
    expect(Math.abs(squares / values.length - 1)).toBeLessThan(0.015);
  });

  it.each([0.25, 0.5, 1])('draws lognormals with mean 1 and CV %s', (cv) => {
    const stream = new RandomStream(`lognormal:${cv}`);
    const values = Array.from({ length: 400_000 }, () => stream.lognormalUnitMean(cv));
    const observed = moments(values);
    expect(Math.abs(observed.mean - 1)).toBeLessThan(0.01);
    // The sample CV of a lognormal converges slowly for large CV (heavy tail).
    expect(Math.abs(observed.cv / cv - 1)).toBeLessThan(cv < 1 ? 0.02 : 0.05);
    expect(min(values)).toBeGreaterThan(0);
  });

  it('returns exactly 1 for a lognormal with CV 0, without drawing', () => {
    const a = new RandomStream('cv0');
    const b = new RandomStream('cv0');
    expect(a.lognormalUnitMean(0)).toBe(1);
    expect(a.uniform()).toBe(b.uniform());
  });

  it('draws a weighted index with probability proportional to its weight', () => {
    const stream = new RandomStream('weighted');
    const weights = [1, 0, 3, 6];
    const counts = [0, 0, 0, 0];
    const n = 200_000;
    for (let i = 0; i < n; i++) counts[stream.weightedIndex(weights, 10)]++;
    expect(counts[1]).toBe(0);
    for (const i of [0, 2, 3]) expect(Math.abs(counts[i] / n - weights[i] / 10)).toBeLessThan(0.005);
  });
});

describe('RandomStreams', () => {
  it('gives the same sequence for the same seed and name', () => {
    const a = new RandomStreams(42).stream('service');
    const b = new RandomStreams(42).stream('service');
    expect(draws(a, 50)).toEqual(draws(b, 50));
  });

  it('gives different sequences for different seeds or names', () => {
    const base = draws(new RandomStreams(42).stream('service'), 50);
    expect(draws(new RandomStreams(43).stream('service'), 50)).not.toEqual(base);
    expect(draws(new RandomStreams(42).stream('arrivals'), 50)).not.toEqual(base);
  });

  it('hands out one stream per name: asking again continues it', () => {
    const streams = new RandomStreams(7);
    const first = streams.stream('x');
    expect(streams.stream('x')).toBe(first);
    const fresh = new RandomStreams(7).stream('x');
    fresh.uniform();
    first.uniform();
    expect(streams.stream('x').uniform()).toBe(fresh.uniform());
  });

  it('keeps streams independent: drawing from one never shifts another', () => {
    const alone = new RandomStreams(9);
    const expected = draws(alone.stream('b'), 200);

    const mixed = new RandomStreams(9);
    const a = mixed.stream('a');
    const b = mixed.stream('b');
    const got: number[] = [];
    const chooser = new RandomStream('interleave');
    while (got.length < 200) {
      // Interleave b with a random number of draws of every kind from a.
      const extra = Math.floor(chooser.uniform() * 4);
      for (let k = 0; k < extra; k++) {
        a.uniform();
        a.exponential(3);
        a.normal();
        a.lognormalUnitMean(0.5);
      }
      got.push(b.uniform());
    }
    expect(got).toEqual(expected);
    // A stream created later (a new random choice in the model) changes nothing either.
    mixed.stream('c').uniform();
    expect(draws(mixed.stream('b'), 10)).toEqual(draws(alone.stream('b'), 10));
  });
});
