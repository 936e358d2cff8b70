import { describe, expect, it } from 'vitest';
import { Engine } from '../sim/core/engine.ts';
import { RandomStream } from '../sim/core/random.ts';
import { GpuExecutor, onePhase } from '../sim/gpu/gpu-executor.ts';
import { PhaseRecord, spatialRates, timeSlicedRates, type SharingParams } from '../sim/gpu/sharing.ts';

/** One phase of given solo time and demands, for an executor test. */
interface PhaseWork<T> {
  readonly owner: T;
  readonly work: number;
  readonly compute: number;
  readonly memory: number;
  readonly sensitivity?: number;
}

function start<T>(exec: GpuExecutor<T>, phase: PhaseWork<T>): void {
  exec.startPhase(phase.owner, onePhase(phase.work, phase.compute, phase.memory, phase.sensitivity), 0, 1);
}

/**
 * Records of 6 numbers from offset 2 (PhaseRecord's four, then two others), the gaps
 * filled with a value no law may read: the laws keep to the records they are given.
 */
const FIRST = 2;
const STRIDE = 6;

function records(count: number, fill: (phases: Float64Array, at: number, i: number) => void): Float64Array {
  const phases = new Float64Array(FIRST + count * STRIDE + 3).fill(Number.NaN);
  for (let i = 0; i < count; i++) fill(phases, FIRST + i * STRIDE, i);
  return phases;
}

function ratesOf(phases: Float64Array, count: number): number[] {
  return Array.from({ length: count }, (_, i) => phases[FIRST + i * STRIDE + PhaseRecord.Rate]);
}

function spatial(compute: number[], memory: number[], alpha: number, sensitivity = compute.map(() => 1)): number[] {
  const phases = records(compute.length, (into, at, i) => {
    into[at + PhaseRecord.Compute] = compute[i];
    into[at + PhaseRecord.Memory] = memory[i];
    into[at + PhaseRecord.Sensitivity] = sensitivity[i];
  });
  spatialRates(phases, FIRST, STRIDE, compute.length, { interferenceAlpha: alpha });
  return ratesOf(phases, compute.length);
}

function timeSliced(count: number, slice: number, switchMs: number): number[] {
  const phases = records(count, () => {});
  timeSlicedRates(phases, FIRST, STRIDE, count, { timeSliceMs: slice, contextSwitchMs: switchMs });
  return ratesOf(phases, count);
}

describe('spatialRates', () => {
  it('runs a phase alone at full speed whatever alpha', () => {
    expect(spatial([0.6], [0.9], 5)).toEqual([1]);
    expect(spatial([1], [1], 0.5)).toEqual([1]);
  });

  it('overlaps phases perfectly when they fit and there is no interference', () => {
    expect(spatial([0.3, 0.5], [0.2, 0.4], 0)).toEqual([1, 1]);
  });

  it("slows each phase by the others' memory traffic times its own sensitivity", () => {
    // Oversubscription 1; rate_i = 1 / (1 + alpha * s_i * (sum of the others' m)).
    const [a, b] = spatial([0.5, 0.5], [0.4, 0.2], 1, [2, 0.5]);
    expect(a).toBeCloseTo(1 / (1 + 2 * 0.2), 12);
    expect(b).toBeCloseTo(1 / (1 + 0.5 * 0.4), 12);
    // Sensitivity 0: immune to the neighbour's traffic, still bound by oversubscription.
    expect(spatial([0.8, 0.8], [0.9, 0.9], 3, [0, 1])[0]).toBeCloseTo(1 / 1.8, 12);
  });

  it('slows all phases by the oversubscription of the busiest resource', () => {
    expect(spatial([0.8, 0.8, 0.4], [0, 0, 0], 0.7)).toEqual([0.5, 0.5, 0.5]); // compute sums to 2
    expect(spatial([0.1, 0.1], [0.9, 0.7], 0)).toEqual([1 / 1.6, 1 / 1.6]); // memory sums to 1.6
  });

  it('slows each phase by alpha times the memory demand of the others', () => {
    // Fits (sums 0.4 and 0.6): only interference. The light phase suffers from the heavy one.
    const [light, heavy] = spatial([0.2, 0.2], [0.1, 0.5], 1);
    expect(light).toBeCloseTo(1 / 1.5, 15);
    expect(heavy).toBeCloseTo(1 / 1.1, 15);
  });

  it('combines both: two memory-heavy phases', () => {
    // sum m = 1.4 oversubscribes; each also sees the other's 0.7 at alpha 0.5.
    expect(spatial([0.4, 0.4], [0.7, 0.7], 0.5)).toEqual([1 / (1.4 * 1.35), 1 / (1.4 * 1.35)]);
  });

  it('never speeds a phase up when another joins, and keeps every rate in (0, 1]', () => {
    const random = new RandomStream('spatial-monotone');
    for (let trial = 0; trial < 500; trial++) {
      const n = 1 + Math.floor(random.uniform() * 6);
      const compute = Array.from({ length: n + 1 }, () => 0.05 + 0.95 * random.uniform());
      const memory = Array.from({ length: n + 1 }, () => random.uniform());
      const alpha = random.uniform();
      const before = spatial(compute.slice(0, n), memory.slice(0, n), alpha);
      const after = spatial(compute, memory, alpha);
      for (let i = 0; i < n; i++) {
        expect(before[i]).toBeGreaterThan(0);
        expect(before[i]).toBeLessThanOrEqual(1);
        expect(after[i]).toBeLessThanOrEqual(before[i]);
      }
    }
  });
});

describe('timeSlicedRates', () => {
  it('runs one context at full speed, with no switch cost', () => {
    expect(timeSliced(1, 2, 0.5)).toEqual([1]);
  });

  it.each([2, 3, 4, 7])('gives each of %i contexts 1/n without switch cost', (n) => {
    expect(timeSliced(n, 2, 0)).toEqual(new Array(n).fill(1 / n));
  });

  it('loses the switch share of time when contexts alternate', () => {
    // 2 ms slices, 0.5 ms switches: 80% useful, split 4 ways.
    expect(timeSliced(4, 2, 0.5)).toEqual([0.2, 0.2, 0.2, 0.2]);
  });
});

const SPATIAL = (alpha: number): SharingParams => ({ mode: 'spatial', interferenceAlpha: alpha, timeSliceMs: 1, contextSwitchMs: 0 });
const TIME_SLICED = (slice: number, switchMs: number): SharingParams => ({
  mode: 'time-sliced',
  interferenceAlpha: 0,
  timeSliceMs: slice,
  contextSwitchMs: switchMs,
});

/** An executor on a fresh engine that records each phase's start and end. */
function executor(sharing: SharingParams, onDone?: (owner: string) => void) {
  const engine = new Engine();
  const done = new Map<string, { start: number; end: number }>();
  const started = new Map<string, number>();
  const exec = new GpuExecutor<string>(engine, sharing, (owner) => {
    expect(done.has(owner)).toBe(false);
    done.set(owner, { start: started.get(owner) ?? NaN, end: engine.now });
    onDone?.(owner);
  });
  // The executor tells only the owner when a phase ends: its start is noted here.
  const startPhase = exec.startPhase.bind(exec);
  exec.startPhase = (owner, table, k, scale) => {
    started.set(owner, engine.now);
    startPhase(owner, table, k, scale);
  };
  const phase = (owner: string, work: number, compute = 1, memory = 0): PhaseWork<string> => ({ owner, work, compute, memory });
  const endOf = (owner: string) => done.get(owner)?.end;
  return { engine, exec, done, phase, endOf };
}

describe('GpuExecutor, spatial sharing', () => {
  it('slows a sensitive phase more beside the same neighbour, then runs it at full speed alone', () => {
    const { engine, exec, endOf } = executor(SPATIAL(1));
    start(exec, { owner: 'sensitive', work: 10, compute: 0.4, memory: 0.5, sensitivity: 2 });
    start(exec, { owner: 'immune', work: 10, compute: 0.4, memory: 0.5, sensitivity: 0 });
    engine.run();
    expect(endOf('immune')).toBeCloseTo(10, 10); // rate 1 throughout
    expect(endOf('sensitive')).toBeCloseTo(15, 10); // rate 1/(1 + 1*2*0.5) = 0.5 until 10, then alone
  });

  it('runs two memory-heavy phases started together slower than alone but faster than in sequence', () => {
    const { engine, exec, phase, endOf } = executor(SPATIAL(0.5));
    start(exec, phase('a', 10, 0.4, 0.7));
    start(exec, phase('b', 10, 0.4, 0.7));
    engine.run();
    const expected = 10 * 1.4 * 1.35; // work / rate, rate = 1 / (1.4 * (1 + 0.5 * 0.7))
    for (const owner of ['a', 'b']) {
      expect(endOf(owner)).toBeCloseTo(expected, 10);
      expect(endOf(owner)!).toBeGreaterThan(10);
    }
    expect(Math.max(endOf('a')!, endOf('b')!)).toBeLessThan(20);
    expect(exec.busyTime).toBeCloseTo(expected, 10);
    expect(exec.completedWork).toBe(20);
    expect(exec.deliveredWork).toBeCloseTo(20, 10);
  });

  it('recomputes rates when a phase joins and when one leaves', () => {
    // a alone 0..4 (4 done, 6 left); both at 1/1.89 until a's 6 are done at 4 + 6 * 1.89;
    // b has done 6 by then and finishes its last 4 alone.
    const { engine, exec, phase, endOf } = executor(SPATIAL(0.5));
    start(exec, phase('a', 10, 0.4, 0.7));
    engine.at(4, () => start(exec, phase('b', 10, 0.4, 0.7)));
    engine.run();
    expect(endOf('a')).toBeCloseTo(4 + 6 * 1.89, 10);
    expect(endOf('b')).toBeCloseTo(4 + 6 * 1.89 + 4, 10);
    expect(exec.busyTime).toBeCloseTo(4 + 6 * 1.89 + 4, 10);
  });

  it('does not slow phases that fit side by side without interference', () => {
    const { engine, exec, phase, endOf } = executor(SPATIAL(0));
    start(exec, phase('a', 3, 0.5, 0.3));
    start(exec, phase('b', 5, 0.5, 0.3));
    engine.run();
    expect(endOf('a')).toBe(3);
    expect(endOf('b')).toBe(5);
  });
});

describe('GpuExecutor, time slicing', () => {
  it.each([1, 2, 3, 4, 8])('finishes %i equal phases together at n * w without switch cost', (n) => {
    const { engine, exec, phase, done } = executor(TIME_SLICED(2, 0));
    for (let i = 0; i < n; i++) start(exec, phase(`p${i}`, 5));
    engine.run();
    expect(done.size).toBe(n);
    for (const { end } of done.values()) expect(end).toBeCloseTo(n * 5, 10);
    expect(exec.busyTime).toBeCloseTo(n * 5, 10);
  });

  it('stretches them by (slice + switch) / slice with a switch cost', () => {
    const { engine, exec, phase, done } = executor(TIME_SLICED(2, 0.5));
    for (let i = 0; i < 4; i++) start(exec, phase(`p${i}`, 5));
    engine.run();
    for (const { end } of done.values()) expect(end).toBe(25); // 4 * 5 * 2.5 / 2
    expect(exec.busyTime).toBe(25);
    expect(exec.completedWork).toBe(20);
    expect(exec.deliveredWork).toBeCloseTo(20, 10);
  });

  it('shares as processor sharing when phases overlap partly', () => {
    // a alone 0..2 (4 left); both at 1/2 until b's 2 are done at 6; a's last 2 alone: 8.
    const { engine, exec, phase, endOf } = executor(TIME_SLICED(1, 0));
    start(exec, phase('a', 6));
    engine.at(2, () => start(exec, phase('b', 2)));
    engine.run();
    expect(endOf('b')).toBe(6);
    expect(endOf('a')).toBe(8);
  });

  it('speeds the others up when a phase is aborted', () => {
    // Both at 1/2 until 4 (2 done each); a alone for its last 8: done at 12.
    const { engine, exec, phase, endOf, done } = executor(TIME_SLICED(1, 0));
    start(exec, phase('a', 10));
    start(exec, phase('b', 10));
    engine.at(4, () => {
      expect(exec.abort('b')).toBe(true);
      expect(exec.abort('b')).toBe(false);
    });
    engine.run();
    expect(endOf('a')).toBe(12);
    expect(done.has('b')).toBe(false);
    expect(exec.completedWork).toBe(10);
    expect(exec.deliveredWork).toBeCloseTo(12, 10); // b's 2 were delivered, then lost
  });
});

describe('GpuExecutor, work conservation', () => {
  /** Starts `count` random phases at Poisson times; returns their solo work total. */
  function feed(
    engine: Engine,
    exec: GpuExecutor<string>,
    random: RandomStream,
    count: number,
    meanGap: number,
    works = new Map<string, number>(),
  ): number {
    let time = 0;
    let total = 0;
    for (let i = 0; i < count; i++) {
      time += random.exponential(meanGap);
      const p: PhaseWork<string> = {
        owner: `p${i}`,
        work: 0.01 + random.exponential(1),
        compute: 0.05 + 0.95 * random.uniform(),
        memory: random.uniform(),
      };
      total += p.work;
      works.set(p.owner, p.work);
      engine.at(time, () => start(exec, p));
    }
    return total;
  }

  it('delivers exactly the solo work of the phases it completes, in both modes', () => {
    for (let seed = 0; seed < 20; seed++) {
      const random = new RandomStream(`work-conservation:${seed}`);
      const sharing = seed % 2 === 0 ? SPATIAL(random.uniform()) : TIME_SLICED(1 + random.uniform(), random.uniform());
      const { engine, exec, done } = executor(sharing);
      const works = new Map<string, number>();
      const total = feed(engine, exec, random, 400, 0.8, works);
      engine.run();
      expect(done.size).toBe(400);
      expect(Math.abs(exec.completedWork / total - 1)).toBeLessThan(1e-12);
      expect(Math.abs(exec.deliveredWork / exec.completedWork - 1)).toBeLessThan(1e-9);
      expect(exec.activeCount).toBe(0);
      // Sharing never makes a phase faster than alone.
      for (const [owner, { start, end }] of done) expect(end - start).toBeGreaterThanOrEqual(works.get(owner)! * (1 - 1e-9));
      if (sharing.mode === 'time-sliced') {
        // One context at a time: busy at least as long as the work, and losing at most
        // the switch share of the time.
        expect(exec.busyTime).toBeGreaterThanOrEqual(total * (1 - 1e-9));
        const efficiency = sharing.timeSliceMs / (sharing.timeSliceMs + sharing.contextSwitchMs);
        expect(exec.busyTime).toBeLessThanOrEqual((total / efficiency) * (1 + 1e-9));
      }
    }
  });

  it('is busy exactly the completed work when time slicing has no switch cost', () => {
    for (let seed = 0; seed < 10; seed++) {
      const random = new RandomStream(`time-sliced-busy:${seed}`);
      const { engine, exec } = executor(TIME_SLICED(1, 0));
      const total = feed(engine, exec, random, 400, 0.8);
      engine.run();
      expect(Math.abs(exec.busyTime / total - 1)).toBeLessThan(1e-9);
    }
  });

  it('is busy exactly the sum of solo work when phases run one at a time', () => {
    for (let seed = 0; seed < 10; seed++) {
      const random = new RandomStream(`exclusive:${seed}`);
      const works = Array.from({ length: 200 }, () => 0.01 + random.exponential(1));
      const total = works.reduce((a, b) => a + b, 0);
      let next = 0;
      // Each completion starts the next phase from its callback, as the simulator
      // chains a request's phases: no idle gap, one phase active at a time.
      const startNext = () => {
        if (next >= works.length) return;
        const i = next++;
        start(exec, { owner: `p${i}`, work: works[i], compute: 0.05 + 0.95 * random.uniform(), memory: random.uniform() });
      };
      const { engine, exec, done } = executor(SPATIAL(random.uniform()), startNext);
      engine.at(0, startNext);
      engine.run();
      expect(done.size).toBe(works.length);
      expect(Math.abs(exec.busyTime / total - 1)).toBeLessThan(1e-12);
      expect(Math.abs(engine.now / total - 1)).toBeLessThan(1e-12);
      for (let i = 0; i < works.length; i++) {
        const d = done.get(`p${i}`)!;
        expect(Math.abs(d.end - d.start - works[i])).toBeLessThan(1e-9);
      }
    }
  });

  it('does not livelock on float residue late in a long run', () => {
    // At a clock of 1e8 ms the float residue of rate * dt exceeds a work epsilon
    // while the time it represents is below the clock's resolution.
    const random = new RandomStream('executor-residue');
    const { engine, exec, done } = executor(SPATIAL(0.3));
    let time = 1e8;
    const count = 5000;
    for (let i = 0; i < count; i++) {
      time += random.exponential(3);
      const work = random.exponential(1);
      engine.at(time, () => start(exec, { owner: `p${i}`, work, compute: 0.5, memory: 0.4 }));
    }
    let steps = 0;
    while (steps < 10 * count && engine.step()) steps++;
    expect(done.size).toBe(count);
    expect(engine.pending).toBe(0);
  });
});
