import { describe, expect, it } from 'vitest';
import { Engine } from '../sim/core/engine.ts';
import { RandomStream } from '../sim/core/random.ts';
import { HostFabricDirection } from '../sim/pcie/host-fabric.ts';
import { maxMinFairRates } from '../sim/pcie/max-min-fair.ts';
import { arrival, cluster, listArrivals, modelProfile, runSimulation } from './helpers.ts';

function rates(linkOf: number[], linkCapacity: number[], uplink: number): number[] {
  const out = new Float64Array(linkOf.length);
  maxMinFairRates(linkOf, linkOf.length, linkCapacity, uplink, out);
  return Array.from(out);
}

describe('maxMinFairRates', () => {
  it.each([1, 2, 4, 8])('gives each of %i equal flows on one link 1/n of it', (n) => {
    expect(rates(new Array(n).fill(0), [1000], 1e9)).toEqual(new Array(n).fill(1000 / n));
  });

  it('splits a bottleneck uplink fairly across links', () => {
    // Links could carry 100 per flow or more; the uplink's 120 over 3 flows is tighter.
    expect(rates([0, 1, 1], [100, 100], 120)).toEqual([40, 40, 40]);
  });

  it('gives a link that is its own bottleneck its capacity and the rest of the uplink to the others', () => {
    // Uplink share 100/4 = 25; link 0 (10) is tighter: frozen at 10. The other three
    // then share the 90 left: 30 each, below their links' 50 and 100.
    expect(rates([0, 1, 1, 2], [10, 100, 100], 100)).toEqual([10, 30, 30, 30]);
  });

  it('freezes bottlenecks in order, each taking its share off the uplink', () => {
    // Round 1: uplink 120/4 = 30, link 0 gives 10: freeze it (left 110 for 3).
    // Round 2: 110/3 = 36.7, link 1 gives 50/2 = 25: freeze (left 60 for 1).
    // Round 3: 60, link 2 gives 200: the uplink is the bottleneck, 60.
    expect(rates([0, 1, 2, 1], [10, 50, 200], 120)).toEqual([10, 25, 60, 25]);
  });

  it('leaves links below the uplink at their own capacity', () => {
    expect(rates([0, 1, 1], [300, 500], 1e9)).toEqual([300, 250, 250]);
  });

  it('is max-min fair on random inputs: feasible, and every flow has a saturated bottleneck where it is largest', () => {
    for (let seed = 0; seed < 300; seed++) {
      const random = new RandomStream(`max-min:${seed}`);
      const links = 1 + Math.floor(random.uniform() * 5);
      const linkCapacity = Array.from({ length: links }, () => 100 + Math.floor(random.uniform() * 900));
      const flows = 1 + Math.floor(random.uniform() * 12);
      const linkOf = Array.from({ length: flows }, () => Math.floor(random.uniform() * links));
      const uplink = 100 + Math.floor(random.uniform() * 2000);
      const r = rates(linkOf, linkCapacity, uplink);
      const tolerance = 1e-9;
      const onLink = (l: number) => r.filter((_, f) => linkOf[f] === l);
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      expect(sum(r)).toBeLessThanOrEqual(uplink * (1 + tolerance));
      for (let l = 0; l < links; l++) expect(sum(onLink(l))).toBeLessThanOrEqual(linkCapacity[l] * (1 + tolerance));
      const uplinkSaturated = sum(r) >= uplink * (1 - tolerance);
      const maxRate = Math.max(...r);
      r.forEach((rate, f) => {
        expect(rate).toBeGreaterThan(0);
        const link = onLink(linkOf[f]);
        const linkSaturated = sum(link) >= linkCapacity[linkOf[f]] * (1 - tolerance);
        const largestOnLink = rate >= Math.max(...link) * (1 - tolerance);
        const largestOnUplink = rate >= maxRate * (1 - tolerance);
        expect((linkSaturated && largestOnLink) || (uplinkSaturated && largestOnUplink)).toBe(true);
      });
    }
  });
});

interface Finish {
  readonly owner: string;
  readonly at: number;
}

/** A fabric on a fresh engine, recording each transfer's completion time. */
function fabric(linkCapacity: number[], uplink: number, setupMs: number[]) {
  const engine = new Engine();
  const done: Finish[] = [];
  const dir = new HostFabricDirection<string>(engine, linkCapacity, uplink, setupMs, (owner) =>
    done.push({ owner, at: engine.now }),
  );
  const finishOf = (owner: string) => done.find((d) => d.owner === owner)?.at;
  return { engine, dir, done, finishOf };
}

describe('HostFabricDirection (processor sharing on the link, max-min with the uplink)', () => {
  it('finishes n equal transfers started together at setup + n * bytes / bandwidth', () => {
    const { engine, dir, done } = fabric([1000], 1e12, [0.5]);
    for (const owner of ['a', 'b', 'c', 'd']) dir.start(owner, 0, 2000);
    engine.run();
    expect(done.map((d) => d.at)).toEqual([8.5, 8.5, 8.5, 8.5]);
    expect(done.map((d) => d.owner).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(dir.bytesMoved).toEqual([8000]);
    expect(dir.linkBusyTime).toEqual([8]);
  });

  it.each([1, 3, 5, 7])('gives each of %i equal transfers 1/n of the link', (n) => {
    const { engine, dir, done } = fabric([1000], 1e12, [0.25]);
    for (let i = 0; i < n; i++) dir.start(`t${i}`, 0, 1500);
    engine.run();
    expect(done).toHaveLength(n);
    for (const d of done) expect(d.at).toBeCloseTo(0.25 + (n * 1500) / 1000, 9);
  });

  it('slows a transfer exactly as processor sharing predicts when another joins midway', () => {
    // a: 4000 bytes from 0 (flows from 0.5). b: 1000 bytes from 2.5 (flows from 3).
    // 0.5..3: a alone at 1000, 2500 moved, 1500 left.
    // 3..5:   both at 500; b's 1000 done at 5; a moved 1000, 500 left.
    // 5..5.5: a alone at 1000: done at 5.5.
    const { engine, dir, finishOf } = fabric([1000], 1e12, [0.5]);
    dir.start('a', 0, 4000);
    engine.at(2.5, () => dir.start('b', 0, 1000));
    engine.run();
    expect(finishOf('b')).toBe(5);
    expect(finishOf('a')).toBe(5.5);
    expect(dir.bytesMoved).toEqual([5000]);
    expect(dir.linkBusyTime).toEqual([5]); // work conserving: busy exactly bytes / bandwidth
  });

  it('draws no bandwidth during setup', () => {
    // Link 1's transfer sits in a 3 ms setup; link 0's has the uplink to itself meanwhile.
    const { engine, dir, finishOf } = fabric([1000, 1000], 1000, [0, 3]);
    dir.start('a', 0, 3000);
    dir.start('b', 1, 1000);
    engine.run();
    expect(finishOf('a')).toBe(3);
    expect(finishOf('b')).toBe(4);
  });

  it('does not move a flowing transfer when another merely starts its setup', () => {
    // a flows 0.5..1.5 alone; b starts at 1.4 and sits in setup until 1.9.
    const { engine, dir, finishOf } = fabric([1000], 1e12, [0.5]);
    dir.start('a', 0, 1000);
    engine.at(1.4, () => dir.start('b', 0, 1000));
    engine.run();
    expect(finishOf('a')).toBe(1.5);
    expect(finishOf('b')).toBeCloseTo(2.9, 12);
  });

  it('shares a bottleneck uplink between links', () => {
    const { engine, dir, finishOf } = fabric([1000, 1000], 1500, [0, 0]);
    dir.start('a', 0, 3000);
    dir.start('b', 1, 3000);
    engine.run();
    // 750 each: both done at 4.
    expect(finishOf('a')).toBe(4);
    expect(finishOf('b')).toBe(4);
  });

  it('gives a slow link its capacity and the rest of the uplink to a fast one, then all of it', () => {
    // Link 0 (200) is its own bottleneck; link 1 gets 1000 - 200 = 800 until link 0's
    // 1000 bytes are done at 5 (4000 moved on link 1), then its full 1000 for the 2000 left.
    const { engine, dir, finishOf } = fabric([200, 1000], 1000, [0, 0]);
    dir.start('slow', 0, 1000);
    dir.start('fast', 1, 6000);
    engine.run();
    expect(finishOf('slow')).toBe(5);
    expect(finishOf('fast')).toBe(7);
    expect(dir.bytesMoved).toEqual([1000, 6000]);
  });

  it('charges the setup to an empty transfer, and finishes it at once without one', () => {
    const withSetup = fabric([1000], 1e12, [0.75]);
    withSetup.dir.start('empty', 0, 0);
    withSetup.engine.run();
    expect(withSetup.done).toEqual([{ owner: 'empty', at: 0.75 }]);

    const noSetup = fabric([1000], 1e12, [0]);
    noSetup.dir.start('empty', 0, 0);
    expect(noSetup.done).toEqual([{ owner: 'empty', at: 0 }]); // synchronously
  });

  it('speeds the others up when a flowing transfer is aborted, and never reports it', () => {
    // Both at 500 until 1 (500 moved each); then a alone at 1000 for its last 1500.
    const { engine, dir, done, finishOf } = fabric([1000], 1e12, [0]);
    dir.start('a', 0, 2000);
    dir.start('b', 0, 2000);
    engine.at(1, () => {
      expect(dir.abort('b')).toBe(true);
      expect(dir.abort('b')).toBe(false);
    });
    engine.run();
    expect(finishOf('a')).toBe(2.5);
    expect(done).toHaveLength(1);
    expect(dir.bytesMoved).toEqual([2500]);
  });

  it('aborts a transfer in setup without it ever drawing bandwidth', () => {
    const { engine, dir, done, finishOf } = fabric([1000], 1e12, [1]);
    dir.start('a', 0, 1000);
    engine.at(0.5, () => dir.start('b', 0, 1000));
    engine.at(1.2, () => expect(dir.abort('b')).toBe(true)); // b's setup ends at 1.5
    engine.run();
    expect(finishOf('a')).toBe(2);
    expect(done).toHaveLength(1);
    expect(dir.bytesMoved).toEqual([1000]);
  });

  it('conserves bytes and is work conserving per link on random traffic', () => {
    for (let seed = 0; seed < 20; seed++) {
      const random = new RandomStream(`fabric-conservation:${seed}`);
      const links = 1 + Math.floor(random.uniform() * 4);
      const capacity = Array.from({ length: links }, () => 500 + random.uniform() * 1500);
      const setup = Array.from({ length: links }, () => random.uniform() * 0.5);
      // A huge uplink, so each link is processor sharing on its own capacity.
      const { engine, dir, done } = fabric(capacity, 1e15, setup);
      const started = new Map<string, { link: number; bytes: number; at: number }>();
      const offered = new Array<number>(links).fill(0);
      let time = 0;
      for (let i = 0; i < 300; i++) {
        time += random.exponential(1);
        const owner = `t${i}`;
        const link = Math.floor(random.uniform() * links);
        const bytes = Math.floor(random.uniform() * 3000);
        offered[link] += bytes;
        started.set(owner, { link, bytes, at: time });
        engine.at(time, () => dir.start(owner, link, bytes));
      }
      engine.run();
      expect(done).toHaveLength(300);
      expect(new Set(done.map((d) => d.owner)).size).toBe(300);
      for (const d of done) {
        const s = started.get(d.owner)!;
        // Never faster than alone on the link.
        expect(d.at).toBeGreaterThanOrEqual(s.at + setup[s.link] + s.bytes / capacity[s.link] - 1e-9);
      }
      for (let l = 0; l < links; l++) {
        expect(Math.abs(dir.bytesMoved[l] / offered[l] - 1)).toBeLessThan(1e-9);
        // While anything flows, the link runs at full capacity.
        expect(Math.abs((dir.linkBusyTime[l] * capacity[l]) / offered[l] - 1)).toBeLessThan(1e-9);
      }
      expect(dir.flowing).toBe(0);
    }
  });

  it('does not livelock on float residue late in a run at PCIe bandwidths', () => {
    // 16 GB/s = 1.6e7 bytes/ms: after ~1 s of simulated time the residue of rate * dt
    // exceeds any fixed byte epsilon while its time to finish is below the clock's
    // resolution. A flow must still finish rather than be rescheduled at `now` forever.
    const engine = new Engine();
    let finished = 0;
    const dir = new HostFabricDirection<number>(engine, [16e6, 16e6], 24e6, [0.01, 0.01], () => finished++);
    const random = new RandomStream('fabric-residue');
    let time = 0;
    const count = 20_000;
    for (let i = 0; i < count; i++) {
      time += random.exponential(0.5);
      const bytes = Math.floor(random.uniform() * 4e6);
      engine.at(time, () => dir.start(i, i % 2, bytes));
    }
    let steps = 0;
    while (steps < 10 * count && engine.step()) steps++;
    expect(finished).toBe(count);
    expect(engine.pending).toBe(0);
  });
});

describe('PCIe contention through the simulator', () => {
  it('gives n requests dispatched together 1/n of the link each for their input', () => {
    // 4 slots, 4 requests at t=0 with 2000 input bytes over a 1000 B/ms link, setup 0.5:
    // all inputs land at 0.5 + 4 * 2 = 8.5; then each runs its 1 ms phase exclusively
    // in turn... with time slicing and no switch cost all four share: done at 8.5 + 4.
    const spec = cluster([{ maxConcurrency: 4, link: { setupMs: 0.5, h2dBytesPerMs: 1000 } }]);
    const model = modelProfile({ phases: [1], inputBytesPerItem: 2000, outputBytesPerItem: 0 });
    const { records } = runSimulation({
      cluster: spec,
      models: [model],
      arrivals: listArrivals([arrival(0), arrival(0), arrival(0), arrival(0)]),
    });
    expect(Array.from(records.transferInEnd.view())).toEqual([8.5, 8.5, 8.5, 8.5]);
    expect(Array.from(records.executionEnd.view())).toEqual([12.5, 12.5, 12.5, 12.5]);
    // Output of zero bytes still pays the setup.
    expect(Array.from(records.completed.view())).toEqual([13, 13, 13, 13]);
  });
});
