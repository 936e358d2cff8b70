import { describe, expect, it } from 'vitest';
import type { Request } from '../sim/model/request.ts';
import { OUTCOMES, type RequestRecords } from '../sim/metrics/request-records.ts';
import { NO_DECISIONS, type ClusterView, type Decision, type Policy } from '../sim/policy/policy.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { PolicyContractError, WorkloadError } from '../sim/core/errors.ts';
import { arrival, cluster, listArrivals, modelProfile, poissonArrivals, runSimulation, type RunOutput } from './helpers.ts';

/** A policy from bare handlers; completions are ignored unless given. */
function policy(handlers: Partial<Omit<Policy, 'name'>> & { onArrival: Policy['onArrival'] }): Policy {
  return { name: 'test', onCompletion: () => NO_DECISIONS, ...handlers };
}

/** Dispatches every arrival at once to one GPU (its local queue holds the overflow). */
function eagerTo(gpu: number): Policy {
  return policy({ onArrival: (request) => [{ kind: 'dispatch', request, gpu }] });
}

/** Every column of the records as plain arrays, for whole-run comparisons. */
function columns(records: RequestRecords): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [key, value] of Object.entries(records)) {
    if (value !== null && typeof value === 'object' && 'view' in value && typeof value.view === 'function') {
      out[key] = Array.from(value.view() as ArrayLike<number>);
    }
  }
  return out;
}

function outcomes(run: RunOutput): string[] {
  return Array.from(run.records.outcome.view(), (code) => OUTCOMES[code]);
}

const TIMELINE = [
  'arrival',
  'dispatched',
  'transferInStart',
  'transferInEnd',
  'executionStart',
  'executionEnd',
  'transferOutStart',
  'completed',
] as const;

describe('copies on a busy device', () => {
  it('take each direction its own setup, plus the busy setup per request executing when they start', () => {
    const spec = cluster([
      {
        maxConcurrency: 2,
        sharing: { mode: 'spatial', interferenceAlpha: 0, timeSliceMs: 1, contextSwitchMs: 0 },
        link: { setupMs: 0.25, d2hSetupMs: 0.5, busySetupMs: 2, d2hBusySetupMs: 1 },
      },
    ]);
    const model = modelProfile({ phases: [{ soloMs: 10, compute: 0.1 }] }); // no bytes: copies are their setup
    const run = runSimulation({ cluster: spec, models: [model], arrivals: listArrivals([arrival(0), arrival(3)]) });
    const c = columns(run.records);
    // A: in 0.25 (nothing executing), executes 0.25-10.25, out 0.5 + 1 (B executing) = 11.75.
    // B: in 0.25 + 2 (A executing) from 3 to 5.25, executes to 15.25, out 0.5 (alone) = 15.75.
    expect(c.transferInEnd).toEqual([0.25, 5.25]);
    expect(c.completed).toEqual([11.75, 15.75]);
  });
});

describe('a request alone', () => {
  // setup 0.25 ms; input 4000 B over 1000 B/ms = 4 ms; phases 1.5 + 2.5 ms;
  // output 1000 B over 500 B/ms = 2 ms. Arriving at 7: done at 7 + 10.5 = 17.5.
  const spec = cluster([{ link: { setupMs: 0.25, h2dBytesPerMs: 1000, d2hBytesPerMs: 500 } }]);
  const model = modelProfile({ phases: [1.5, 2.5], inputBytesPerItem: 4000, outputBytesPerItem: 1000 });

  it('takes setup + in / bw + solo execution + setup + out / bw, exactly', () => {
    const run = runSimulation({ cluster: spec, models: [model], arrivals: listArrivals([arrival(7)]) });
    const r = run.records;
    const at = (column: (typeof TIMELINE)[number]) => r[column].view()[0];
    expect(TIMELINE.map(at)).toEqual([7, 7, 7, 11.25, 11.25, 15.25, 15.25, 17.5]);
    expect(r.latency.view()[0]).toBe(10.5);
    expect(r.soloLatency.view()[0]).toBe(10.5);
    // The solo predictor is exact for a request alone.
    expect(r.predictedTransfer.view()[0]).toBe(6.5);
    expect(r.predictedExecution.view()[0]).toBe(4);
    expect(r.predictedCompletion.view()[0]).toBe(17.5);
    expect(outcomes(run)).toEqual(['met']);
    expect(run.result.simulatedMs).toBe(17.5);
    expect(run.result.gpus[0].busyMs).toBe(4);
  });

  it('is bounded by the uplink when the uplink is slower than the link', () => {
    const slowUplink = cluster([{ link: { setupMs: 0.25, h2dBytesPerMs: 1000, d2hBytesPerMs: 500 } }], {
      uplinkH2dBytesPerMs: 500,
      uplinkD2hBytesPerMs: 250,
    });
    const run = runSimulation({ cluster: slowUplink, models: [model], arrivals: listArrivals([arrival(0)]) });
    // 0.25 + 8 + 4 + 0.25 + 4
    expect(run.records.latency.view()[0]).toBe(16.5);
    expect(run.records.soloLatency.view()[0]).toBe(16.5);
  });

  it('scales bytes with the batch unless the arrival overrides them', () => {
    const run = runSimulation({
      cluster: spec,
      models: [model],
      arrivals: listArrivals([arrival(0, { batch: 2 }), arrival(100, { inputBytes: 1000, outputBytes: 0 })]),
    });
    const r = run.records;
    // batch 2: 8000 B in (8 ms), 2000 B out (4 ms); the constant-cost phases take 4 ms.
    expect(r.latency.view()[0]).toBe(0.25 + 8 + 4 + 0.25 + 4);
    // overrides: 1 ms in, nothing out but the setup.
    expect(r.latency.view()[1]).toBe(0.25 + 1 + 4 + 0.25);
  });

  it('meets a deadline it reaches exactly, and misses one just before', () => {
    const run = runSimulation({
      cluster: spec,
      models: [model],
      arrivals: listArrivals([arrival(0, { relativeDeadline: 10.5 }), arrival(100, { relativeDeadline: 10.49 })]),
    });
    expect(outcomes(run)).toEqual(['met', 'late']);
  });
});

describe('request timelines under load', () => {
  const spec = cluster(
    [
      { maxConcurrency: 3, sharing: { mode: 'spatial', interferenceAlpha: 0.4, timeSliceMs: 1, contextSwitchMs: 0 }, link: { setupMs: 0.05 } },
      { maxConcurrency: 2, sharing: { mode: 'time-sliced', interferenceAlpha: 0, timeSliceMs: 2, contextSwitchMs: 0.1 }, link: { setupMs: 0.1 } },
    ],
    { uplinkH2dBytesPerMs: 1500, uplinkD2hBytesPerMs: 1500 },
  );
  const model = modelProfile({
    phases: [
      { soloMs: 0.4, compute: 0.5, memory: 0.6 },
      { soloMs: 0.8, compute: 0.9, memory: 0.2 },
    ],
    inputBytesPerItem: 400,
    outputBytesPerItem: 100,
    variability: { kind: 'lognormal', cv: 0.5 },
  });

  it.each([...POLICIES.keys()])('are ordered for every request under %s', (name) => {
    const run = runSimulation({
      cluster: spec,
      models: [model],
      arrivals: poissonArrivals({ rate: 2, count: 3000, seed: `timeline:${name}` }),
      policy: name,
      seed: 5,
    });
    const r = run.records;
    expect(r.length).toBe(3000);
    expect(outcomes(run).every((o) => o === 'met')).toBe(true);
    const views = TIMELINE.map((column) => r[column].view());
    for (let i = 0; i < r.length; i++) {
      for (let k = 1; k < views.length; k++) {
        if (!(views[k - 1][i] <= views[k][i])) {
          throw new Error(`request ${r.id.view()[i]}: ${TIMELINE[k - 1]} ${views[k - 1][i]} > ${TIMELINE[k]} ${views[k][i]}`);
        }
      }
    }
    // Contention can only slow a transfer down.
    const gpu = r.gpu.view();
    const inStart = r.transferInStart.view();
    const inEnd = r.transferInEnd.view();
    for (let i = 0; i < r.length; i++) {
      const link = spec.gpus[gpu[i]].link;
      expect(inEnd[i] - inStart[i]).toBeGreaterThanOrEqual(link.setupMs + 400 / 1000 - 1e-9);
    }
    // Both GPUs got work, and each delivered exactly the solo work it completed.
    for (const g of run.result.gpus) {
      expect(g.soloWorkMs).toBeGreaterThan(0);
      expect(Math.abs(g.deliveredWorkMs / g.soloWorkMs - 1)).toBeLessThan(1e-9);
    }
  });
});

describe('the GPU slot and its local queue', () => {
  it('runs requests dispatched to a busy GPU in order, one per slot', () => {
    const run = runSimulation({
      models: [modelProfile({ phases: [1] })],
      arrivals: listArrivals([arrival(0), arrival(0), arrival(0)]),
      policy: eagerTo(0),
    });
    const r = run.records;
    expect(Array.from(r.id.view())).toEqual([0, 1, 2]);
    expect(Array.from(r.dispatched.view())).toEqual([0, 0, 0]);
    expect(Array.from(r.transferInStart.view())).toEqual([0, 1, 2]);
    expect(Array.from(r.completed.view())).toEqual([1, 2, 3]);
  });

  it('shares a GPU among the requests holding its slots', () => {
    // Two slots, two requests at 0: inputs of 1000 B share the 1000 B/ms link (done
    // at 2), the 3 ms phases share the GPU by time slicing (done at 8).
    const run = runSimulation({
      cluster: cluster([{ maxConcurrency: 2 }]),
      models: [modelProfile({ phases: [3], inputBytesPerItem: 1000 })],
      arrivals: listArrivals([arrival(0), arrival(0)]),
    });
    expect(Array.from(run.records.transferInEnd.view())).toEqual([2, 2]);
    expect(Array.from(run.records.completed.view())).toEqual([8, 8]);
  });

  it('kills and restarts a preempted request', () => {
    // r0 (4 ms) starts at 0; r1 arrives at 1, preempts it and runs 1..5; r0 is
    // dispatched again at 1, waits in the local queue, and reruns from scratch 5..9.
    const preempting = policy({
      onArrival(request: Request, view: ClusterView): readonly Decision[] {
        const running = view.gpus[0].running;
        if (running.length === 0) return [{ kind: 'dispatch', request, gpu: 0 }];
        return [
          { kind: 'preempt', request: running[0] },
          { kind: 'dispatch', request, gpu: 0 },
        ];
      },
      onPreempted: (request) => [{ kind: 'dispatch', request, gpu: 0 }],
    });
    const run = runSimulation({
      models: [modelProfile({ phases: [4] })],
      arrivals: listArrivals([arrival(0), arrival(1)]),
      policy: preempting,
    });
    const r = run.records;
    expect(Array.from(r.id.view())).toEqual([1, 0]);
    expect(Array.from(r.completed.view())).toEqual([5, 9]);
    expect(Array.from(r.preemptions.view())).toEqual([0, 1]);
    expect(r.dispatched.view()[1]).toBe(1);
    expect(r.executionStart.view()[1]).toBe(5);
    expect(run.result.gpus[0].soloWorkMs).toBe(8);
    expect(run.result.gpus[0].busyMs).toBe(9); // the killed first try's 1 ms was spent
  });
});

describe('requests that are not served', () => {
  it('records rejections and, at the end, whatever the policy still holds', () => {
    const run = runSimulation({
      models: [modelProfile()],
      arrivals: listArrivals([arrival(0), arrival(1), arrival(2)]),
      policy: policy({ onArrival: (request) => (request.id === 1 ? [{ kind: 'reject', request }] : NO_DECISIONS) }),
    });
    expect(Array.from(run.records.id.view())).toEqual([1, 0, 2]);
    expect(outcomes(run)).toEqual(['rejected', 'unserved', 'unserved']);
    expect(run.result.requests).toBe(3);
  });
});

describe('contracts', () => {
  const twoGpus = cluster([{ models: ['m'] }, { models: ['other'] }]);
  const models = [modelProfile({ name: 'm' }), modelProfile({ name: 'other' })];
  const run = (p: Policy, arrivals = listArrivals([arrival(0), arrival(0.5)])) =>
    runSimulation({ cluster: twoGpus, models, arrivals, policy: p });

  it('rejects a dispatch to a GPU that does not host the model', () => {
    expect(() => run(eagerTo(1))).toThrow(PolicyContractError);
    expect(() => run(eagerTo(1))).toThrow(/does not host model m/);
  });

  it('rejects a dispatch to a GPU that does not exist', () => {
    expect(() => run(eagerTo(7))).toThrow(PolicyContractError);
  });

  it('rejects acting twice on one request', () => {
    const twice = policy({
      onArrival: (request) => [
        { kind: 'dispatch', request, gpu: 0 },
        { kind: 'dispatch', request, gpu: 0 },
      ],
    });
    expect(() => run(twice)).toThrow(PolicyContractError);
    const rejectRunning = policy({
      onArrival: (request) => [
        { kind: 'dispatch', request, gpu: 0 },
        { kind: 'reject', request },
      ],
    });
    expect(() => run(rejectRunning)).toThrow(PolicyContractError);
  });

  it('rejects preempting a request that is not running, and preempting without onPreempted', () => {
    const preemptWaiting = policy({ onArrival: (request) => [{ kind: 'preempt', request }] });
    expect(() => run(preemptWaiting)).toThrow(PolicyContractError);
    const noHandler = policy({
      onArrival: (request, view) =>
        view.gpus[0].running.length > 0
          ? [{ kind: 'preempt', request: view.gpus[0].running[0] }]
          : [{ kind: 'dispatch', request, gpu: 0 }],
    });
    expect(() => run(noHandler)).toThrow(/no onPreempted/);
  });

  it('rejects arrivals out of time order', () => {
    const unsorted = listArrivals([arrival(0), arrival(5), arrival(3)]);
    expect(() => run(POLICIES.get('fifo')!.create({}), unsorted)).toThrow(WorkloadError);
  });

  it('accepts arrivals at equal times', () => {
    const ties = listArrivals([arrival(1), arrival(1), arrival(1)]);
    expect(run(POLICIES.get('fifo')!.create({}), ties).records.length).toBe(3);
  });

  it('rejects an arrival for an unknown model', () => {
    const unknown = listArrivals([arrival(0, { model: 'nope' })]);
    expect(() => run(POLICIES.get('fifo')!.create({}), unknown)).toThrow(WorkloadError);
  });
});

describe('determinism', () => {
  const spec = cluster([
    { maxConcurrency: 4, sharing: { mode: 'spatial', interferenceAlpha: 0.3, timeSliceMs: 1, contextSwitchMs: 0 }, link: { setupMs: 0.02 } },
  ]);
  const model = modelProfile({
    phases: [
      { soloMs: 0.5, compute: 0.6, memory: 0.5 },
      { soloMs: 0.3, compute: 0.3, memory: 0.8 },
    ],
    inputBytesPerItem: 300,
    outputBytesPerItem: 50,
    variability: { kind: 'lognormal', cv: 0.8 },
  });
  const simulate = (seed: number) =>
    runSimulation({ cluster: spec, models: [model], arrivals: poissonArrivals({ rate: 2.5, count: 5000, seed: 'determinism' }), seed });

  it('gives identical records and counters for the same seed', () => {
    const a = simulate(11);
    const b = simulate(11);
    expect(columns(b.records)).toEqual(columns(a.records));
    expect(b.result).toEqual(a.result);
    expect(Object.keys(columns(a.records)).length).toBeGreaterThanOrEqual(20);
  });

  it('gives different service times for a different seed, on the same arrivals', () => {
    const a = columns(simulate(11).records);
    const b = columns(simulate(12).records);
    expect(b.arrival.slice().sort((x, y) => x - y)).toEqual(a.arrival.slice().sort((x, y) => x - y));
    expect(b.completed).not.toEqual(a.completed);
    expect(b.executionEnd).not.toEqual(a.executionEnd);
  });
});
