import { describe, expect, it } from 'vitest';
import { FreeSlotIndex } from '../sim/cluster/free-slot-index.ts';
import { GpuState } from '../sim/cluster/gpu-state.ts';
import { PositionSet } from '../sim/cluster/position-set.ts';
import type { Request } from '../sim/model/request.ts';
import { anyFreeAmong, mostFree } from '../sim/policy/queue-policy.ts';
import { slotsBeyondReserve, slotsForNewWork, WatchedFreeSlots, type SlotsOf } from '../sim/policy/watched-free-slots.ts';
import { gpuSpec } from './helpers.ts';

/** A small deterministic LCG, so a failure replays. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

describe('FreeSlotIndex', () => {
  it('answers as the front-to-back scan does (most free, lowest index on ties) under random updates', () => {
    const random = lcg(7);
    const gpus = 37;
    const free = new Array<number>(gpus).fill(0);
    const index = new FreeSlotIndex(gpus);
    const groups: number[][] = [
      [],
      Array.from({ length: gpus }, (_, g) => g),
      Array.from({ length: gpus }, (_, g) => g).filter((g) => g % 3 === 0),
      [5],
      [2, 3, 30],
    ];
    // The last group joins halfway (a policy meets a new host list mid-run): the GPUs' memberships are laid out again.
    const ids = groups.slice(0, -1).map((hosts) => index.addGroup(hosts));
    for (let step = 0; step < 5000; step++) {
      if (step === 2500) ids.push(index.addGroup(groups[groups.length - 1]));
      const g = Math.floor(random() * gpus);
      free[g] = Math.floor(random() * 4); // few values: ties are common
      index.set(g, free[g]);
      for (let k = 0; k < ids.length; k++) {
        expect(index.mostFree(ids[k])).toBe(mostFree(groups[k], free));
        expect(index.anyFree(ids[k])).toBe(anyFreeAmong(groups[k], free));
        // The first position at or after `from` with exactly `slots` free, as a scan finds it.
        const slots = 1 + Math.floor(random() * 3);
        const from = Math.floor(random() * groups[k].length);
        const scan = groups[k].findIndex((h, p) => p >= from && free[h] === slots);
        expect(index.nextWith(ids[k], slots, from)).toBe(scan);
        expect(index.maxSlots(ids[k])).toBeGreaterThanOrEqual(Math.max(0, ...groups[k].map((h) => free[h])));
      }
      expect(index.anyFreeAnywhere()).toBe(free.some((f) => f > 0));
    }
  });
});

describe('GpuState.watchSlots', () => {
  it('reports every change of running or queued work', () => {
    const gpu = new GpuState(3, gpuSpec({ maxConcurrency: 2 }));
    const seen: number[] = [];
    gpu.watchSlots((g) => seen.push(g));
    const a = { id: 1 } as Request;
    const b = { id: 2 } as Request;
    gpu.addRunning(a);
    gpu.queue.push(b);
    gpu.queue.remove(b);
    gpu.queue.push(b);
    gpu.queue.shift();
    gpu.removeRunning(a);
    expect(seen).toEqual([3, 3, 3, 3, 3, 3]);
    expect(gpu.freeSlots).toBe(2);
  });

  it('tells every watcher, in the order they asked, each change', () => {
    const gpu = new GpuState(5, gpuSpec({ maxConcurrency: 2 }));
    const seen: string[] = [];
    for (const name of ['a', 'b', 'c']) gpu.watchSlots((g) => seen.push(`${name}${g}`));
    gpu.addRunning({ id: 1 } as Request);
    gpu.queue.push({ id: 2 } as Request);
    expect(seen).toEqual(['a5', 'b5', 'c5', 'a5', 'b5', 'c5']);
  });
});

describe('WatchedFreeSlots', () => {
  it('answers from the GPUs as they are after every change of running or queued work, for plain slots and slots beyond a reserve', () => {
    for (const [name, slotsOf] of [
      ['slotsForNewWork', slotsForNewWork],
      ['beyond a reserve of 1', slotsBeyondReserve(1)],
    ] as [string, SlotsOf][]) {
      const random = lcg(name.length);
      const gpus = Array.from({ length: 13 }, (_, g) => new GpuState(g, gpuSpec({ maxConcurrency: 1 + (g % 4) })));
      const watched = new WatchedFreeSlots(slotsOf);
      const everyGpu = gpus.map((_, g) => g);
      const odd = everyGpu.filter((g) => g % 2 === 1);
      watched.refresh(gpus); // attaches: from here the GPUs write their changes
      let nextId = 0;
      for (let step = 0; step < 3000; step++) {
        const gpu = gpus[Math.floor(random() * gpus.length)];
        const r = random();
        if (r < 0.35 && gpu.freeSlots > 0) gpu.addRunning({ id: nextId++ } as Request);
        else if (r < 0.7 && gpu.running.length > 0) gpu.removeRunning(gpu.running[Math.floor(random() * gpu.running.length)]);
        else if (r < 0.85) gpu.queue.push({ id: nextId++ } as Request);
        else gpu.queue.shift();
        watched.refresh(gpus);
        const free = gpus.map(slotsOf);
        for (const hosts of [everyGpu, odd]) {
          expect(watched.mostFree(hosts), `${name}, step ${step}`).toBe(mostFree(hosts, free));
          expect(watched.anyFree(hosts)).toBe(anyFreeAmong(hosts, free));
        }
        expect(watched.anyFreeAnywhere()).toBe(free.some((f) => f > 0));
        // A slot taken for a dispatch being decided counts until the GPU reports the dispatch.
        const target = watched.mostFree(everyGpu);
        if (target >= 0 && random() < 0.3) {
          watched.take(target);
          expect(watched.get(target)).toBe(free[target] - 1);
          gpus[target].addRunning({ id: nextId++ } as Request);
          expect(watched.get(target)).toBe(slotsOf(gpus[target]));
        }
      }
    }
  });
});

describe('PositionSet', () => {
  it('finds the lowest member at or after a position, and says when it is empty, at one, two and three levels', () => {
    const random = lcg(11);
    for (const size of [0, 1, 32, 33, 1024, 1025, 40000]) {
      const set = new PositionSet(size);
      const members = new Set<number>();
      expect(set.isEmpty()).toBe(true);
      for (let step = 0; step < 400 && size > 0; step++) {
        const p = Math.floor(random() * size);
        if (random() < 0.55) {
          set.add(p);
          members.add(p);
        } else {
          set.delete(p);
          members.delete(p);
        }
        const from = Math.floor(random() * size);
        const expected = [...members].filter((m) => m >= from).sort((a, b) => a - b)[0] ?? -1;
        expect(set.next(from)).toBe(expected);
        expect(set.isEmpty()).toBe(members.size === 0);
      }
    }
  });
});
