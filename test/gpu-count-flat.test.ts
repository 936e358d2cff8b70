import { describe, expect, it } from 'vitest';
import type { GpuView } from '../sim/cluster/gpu-state.ts';
import type { Request } from '../sim/model/request.ts';
import type { ClusterView, Decision, Policy, PolicyParams } from '../sim/policy/policy.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { cluster, modelProfile, poissonArrivals, runSimulation } from './helpers.ts';

/** What a GPU's view says of its slots: the reads a scan of every GPU makes. */
const SLOT_READS = new Set<PropertyKey>(['freeSlots', 'queuedCount', 'running']);

interface Reads {
  arrivals: number;
  arrivalReads: number;
  completions: number;
  completionReads: number;
}

/**
 * The policy, shown GPU views that count reads of their slots (the real GPUs behind
 * them, so watchSlots still works), with the reads tallied per kind of callback.
 */
function counting(policy: Policy, reads: Reads): Policy {
  let current = 0;
  let gpus: GpuView[] | undefined;
  const viewOf = (view: ClusterView): ClusterView => {
    gpus ??= view.gpus.map(
      (gpu) =>
        new Proxy(gpu, {
          get(target, key) {
            if (SLOT_READS.has(key)) current++;
            return Reflect.get(target, key, target);
          },
        }),
    );
    const shown = gpus;
    return { get now() { return view.now; }, gpus: shown, waiting: view.waiting, predictor: view.predictor };
  };
  const tally = (decide: () => readonly Decision[], add: (n: number) => void) => {
    current = 0;
    const decisions = decide();
    add(current);
    return decisions;
  };
  return {
    name: policy.name,
    onArrival: (request: Request, view: ClusterView) =>
      tally(() => policy.onArrival(request, viewOf(view)), (n) => {
        reads.arrivals++;
        reads.arrivalReads += n;
      }),
    onCompletion: (request: Request, view: ClusterView) =>
      tally(() => policy.onCompletion(request, viewOf(view)), (n) => {
        reads.completions++;
        reads.completionReads += n;
      }),
    onPreempted: (request: Request, view: ClusterView) => policy.onPreempted!(request, viewOf(view)),
    onWake: (view: ClusterView) => policy.onWake?.(viewOf(view)) ?? [],
  };
}

const GPUS = 256;

/**
 * Reads per callback on 256 two-slot GPUs at `load` of their capacity (two requests on
 * one GPU share it, so a GPU completes one request per ms): at the default half, most
 * GPUs have a free slot.
 */
function readsOf(name: string, params: PolicyParams = {}, predictor = 'solo', load = 0.5): Reads {
  const reads: Reads = { arrivals: 0, arrivalReads: 0, completions: 0, completionReads: 0 };
  const model = modelProfile({ phases: [{ soloMs: 1 }] });
  const high = poissonArrivals({ rate: (load / 2) * GPUS, count: 1500, seed: 'flat-high', model: model.name, priority: 'high' });
  const low = poissonArrivals({ rate: (load / 2) * GPUS, count: 1500, seed: 'flat-low', model: model.name, priority: 'low' });
  // Merge the two classes by time.
  let a = high.next();
  let b = low.next();
  const arrivals = {
    next() {
      if (a === undefined && b === undefined) return undefined;
      if (b === undefined || (a !== undefined && a.arrival <= b.arrival)) {
        const next = a;
        a = high.next();
        return next;
      }
      const next = b;
      b = low.next();
      return next;
    },
  };
  runSimulation({
    cluster: cluster(Array.from({ length: GPUS }, () => ({ maxConcurrency: 2 }))),
    models: [model],
    arrivals,
    policy: counting(POLICIES.get(name)!.create(params), reads),
    predictor,
  });
  return reads;
}

describe('policies read only the GPUs that changed, not every GPU (issue 16: flat in GPU count)', () => {
  // A scan of every GPU reads at least 256 views per callback; an index refreshed from
  // the GPUs that changed reads a few.
  const FEW = 16;

  it('fifo with a reserve: arrivals and completions', () => {
    const r = readsOf('fifo', { reserveSlots: 1 });
    expect(r.arrivalReads / r.arrivals).toBeLessThan(FEW);
    expect(r.completionReads / r.completions).toBeLessThan(FEW);
  });

  it('preempt: arrivals and completions', () => {
    const r = readsOf('preempt');
    expect(r.arrivalReads / r.arrivals).toBeLessThan(FEW);
    expect(r.completionReads / r.completions).toBeLessThan(FEW);
  });

  // strait and clockwork choose by predicted completion: with a predictor that has GPU
  // classes (solo, static) they predict once per class and free-slot count, not once
  // per hosting GPU. Each prediction reads its GPU, and strait with static also checks
  // the high requests a low one would join: about 19 reads per arrival at 64, 256 and
  // 512 GPUs alike, where asking every hosting GPU reads 256 or more.
  const PREDICTING = 32;
  for (const predictor of ['solo', 'static']) {
    it(`strait with ${predictor}: arrivals and completions`, () => {
      const r = readsOf('strait', {}, predictor);
      expect(r.arrivals).toBeGreaterThan(0);
      expect(r.arrivalReads / r.arrivals).toBeLessThan(PREDICTING);
      expect(r.completionReads / r.completions).toBeLessThan(FEW);
    });

    it(`clockwork with ${predictor}: arrivals and completions`, () => {
      const r = readsOf('clockwork', {}, predictor);
      expect(r.arrivals).toBeGreaterThan(0);
      expect(r.arrivalReads / r.arrivals).toBeLessThan(PREDICTING);
      expect(r.completionReads / r.completions).toBeLessThan(FEW);
    });

    // Overloaded (1.5x what one request at a time serves, no deadline to reject on),
    // almost every GPU holds a queue: serving must look at the GPUs that just freed,
    // not at every GPU with a queue (about 220 reads per arrival when it did).
    it(`clockwork with ${predictor}, most GPUs queued: arrivals and completions`, () => {
      const r = readsOf('clockwork', {}, predictor, 1.5);
      expect(r.arrivals).toBeGreaterThan(0);
      expect(r.arrivalReads / r.arrivals).toBeLessThan(PREDICTING);
      expect(r.completionReads / r.completions).toBeLessThan(FEW);
    });
  }
});
