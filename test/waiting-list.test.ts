import { describe, expect, it } from 'vitest';
import { WaitingList } from '../sim/cluster/waiting-list.ts';
import { builtinModel } from '../sim/model/builtin-models.ts';
import { Request } from '../sim/model/request.ts';

const model = builtinModel('mlp')!;
const request = (id: number) => new Request(id, id, model, 1, 'high', 1e9, 1, 1, 1);
const ids = (list: WaitingList) => [...list].map((r) => r.id);

describe('WaitingList', () => {
  it('keeps insertion order and removes from the head, middle and tail', () => {
    const list = new WaitingList();
    const rs = [0, 1, 2, 3, 4].map(request);
    for (const r of rs) list.add(r);
    expect(ids(list)).toEqual([0, 1, 2, 3, 4]);
    expect(list.delete(rs[2])).toBe(true);
    expect(list.delete(rs[0])).toBe(true);
    expect(list.delete(rs[4])).toBe(true);
    expect(list.delete(rs[4])).toBe(false);
    expect(ids(list)).toEqual([1, 3]);
    expect(list.size).toBe(2);
    expect(list.has(rs[1])).toBe(true);
    expect(list.has(rs[2])).toBe(false);
    list.add(rs[2]); // re-added: goes to the back
    list.add(rs[1]); // already in: stays where it is
    expect(ids(list)).toEqual([1, 3, 2]);
    expect([...list.keys()].map((r) => r.id)).toEqual([1, 3, 2]);
    expect([...list.entries()].map(([a, b]) => a === b)).toEqual([true, true, true]);
  });

  it('survives removal of the current request while iterating', () => {
    const list = new WaitingList();
    for (const r of [0, 1, 2, 3].map(request)) list.add(r);
    const seen: number[] = [];
    for (const r of list) {
      seen.push(r.id);
      list.delete(r);
    }
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(list.size).toBe(0);
    expect(ids(list)).toEqual([]);
  });

  it('matches a Set under random adds and deletes', () => {
    const list = new WaitingList();
    const reference = new Set<Request>();
    const rs = Array.from({ length: 20 }, (_, i) => request(i));
    let x = 7;
    for (let step = 0; step < 2000; step++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const r = rs[x % rs.length];
      if ((x >> 8) % 2 === 0) {
        list.add(r);
        reference.add(r);
      } else {
        expect(list.delete(r)).toBe(reference.delete(r));
      }
      expect(list.size).toBe(reference.size);
    }
    expect([...list]).toEqual([...reference]);
  });

  it('refuses a request that waits in another list', () => {
    const r = request(0);
    new WaitingList().add(r);
    expect(() => new WaitingList().add(r)).toThrow(/another waiting list/);
  });
});
