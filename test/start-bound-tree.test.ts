import { describe, expect, it } from 'vitest';
import { RandomStream } from '../sim/core/random.ts';
import { StartBoundTree } from '../sim/policy/start-bound-tree.ts';

/** What clockwork's scan picks: the least completion, the first in the list on ties, or -1. */
function scan(gpus: readonly number[], completion: (g: number) => number): { g: number; c: number } {
  let g = -1;
  let c = Infinity;
  for (const x of gpus) {
    const cx = completion(x);
    if (cx < c) {
      g = x;
      c = cx;
    }
  }
  return { g, c };
}

describe('StartBoundTree', () => {
  // Values from a few small integers, so ties (between GPUs, and between a bound and
  // the best found) are common: the lowest index must win every one.
  it('finds the GPU a scan finds, ties included, through random updates (property)', () => {
    const random = new RandomStream('start-bound-tree');
    const pick = (n: number) => Math.floor(random.uniform() * n);
    for (let trial = 0; trial < 300; trial++) {
      const size = 1 + pick(70);
      const gpus = Array.from({ length: size }, (_, p) => 3 * p + pick(3)); // ascending, with gaps
      const queued = new Map<number, number>();
      const busyUntil = new Map<number, number>();
      const running = new Map<number, boolean>();
      const tree = new StartBoundTree(gpus);
      for (let step = 0; step < 40; step++) {
        for (let k = 0; k < 1 + pick(4); k++) {
          const p = pick(size);
          const g = gpus[p];
          queued.set(g, pick(4));
          busyUntil.set(g, pick(6));
          running.set(g, random.uniform() < 0.7);
          tree.set(p, queued.get(g)!, running.get(g)!, busyUntil.get(g)!);
        }
        const now = pick(4);
        const duration = pick(3);
        const completion = (g: number) => (running.get(g) ? Math.max(now, busyUntil.get(g) ?? 0) : now) + (queued.get(g) ?? 0) + duration;
        const expected = scan(gpus, completion);
        expect(tree.earliest(now, duration, completion)).toBe(expected.g);
        expect(tree.bestCompletion).toBe(expected.c);
      }
    }
  });

  it('answers -1 when the duration is infinite', () => {
    const tree = new StartBoundTree([0, 1, 2]);
    expect(tree.earliest(0, Infinity, () => Infinity)).toBe(-1);
  });
});
