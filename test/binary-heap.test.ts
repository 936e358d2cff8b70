import { describe, expect, it } from 'vitest';
import { BinaryHeap } from '../sim/core/binary-heap.ts';
import { RandomStream } from '../sim/core/random.ts';

describe('BinaryHeap', () => {
  it('pops in order and matches a sorted reference under random push, pop and remove', () => {
    for (let seed = 0; seed < 10; seed++) {
      const random = new RandomStream(`binary-heap:${seed}`);
      // Items are distinct objects; the order is by key, then by id (a strict order).
      const heap = new BinaryHeap<{ key: number; id: number }>((a, b) => a.key < b.key || (a.key === b.key && a.id < b.id));
      let reference: { key: number; id: number }[] = [];
      let id = 0;
      for (let step = 0; step < 3000; step++) {
        const u = random.uniform();
        if (u < 0.5) {
          const item = { key: Math.floor(random.uniform() * 20), id: id++ };
          heap.push(item);
          reference.push(item);
        } else if (u < 0.6 && reference.length > 0) {
          const item = reference[Math.floor(random.uniform() * reference.length)];
          expect(heap.remove(item)).toBe(true);
          expect(heap.remove(item)).toBe(false);
          reference = reference.filter((r) => r !== item);
        } else {
          reference.sort((a, b) => a.key - b.key || a.id - b.id);
          expect(heap.peek()).toBe(reference[0]);
          expect(heap.pop()).toBe(reference.shift());
        }
        expect(heap.size).toBe(reference.length);
      }
      reference.sort((a, b) => a.key - b.key || a.id - b.id);
      const drained = [];
      for (let item = heap.pop(); item !== undefined; item = heap.pop()) drained.push(item);
      expect(drained).toEqual(reference);
      expect(heap.pop()).toBeUndefined();
    }
  });
});
