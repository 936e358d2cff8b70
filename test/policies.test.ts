import { describe, expect, it } from 'vitest';
import type { GpuView } from '../sim/cluster/gpu-state.ts';
import { InputError } from '../sim/core/errors.ts';
import { RandomStream } from '../sim/core/random.ts';
import { OUTCOMES } from '../sim/metrics/request-records.ts';
import { soloExecutionMs, type ModelProfile } from '../sim/model/profile.ts';
import type { Request } from '../sim/model/request.ts';
import type { Policy, PolicyParams } from '../sim/policy/policy.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import type { Prediction, PredictionContext, Predictor } from '../sim/predictor/predictor.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';
import type { ArrivalSpec } from '../sim/simulator.ts';
import { arrival, cluster, listArrivals, modelProfile, runSimulation, type RunOutput } from './helpers.ts';

function create(name: string, params: PolicyParams = {}): Policy {
  return POLICIES.get(name)!.create(params);
}

interface Row {
  readonly outcome: string;
  readonly gpu: number;
  readonly preemptions: number;
  readonly dispatched: number;
  readonly executionStart: number;
  readonly completed: number;
}

/** Each request's record by id. */
function rows(run: RunOutput): Row[] {
  const r = run.records;
  const out: Row[] = [];
  for (let i = 0; i < r.length; i++) {
    out[r.id.view()[i]] = {
      outcome: OUTCOMES[r.outcome.view()[i]],
      gpu: r.gpu.view()[i],
      preemptions: r.preemptions.view()[i],
      dispatched: r.dispatched.view()[i],
      executionStart: r.executionStart.view()[i],
      completed: r.completed.view()[i],
    };
  }
  return out;
}

const pick = <K extends keyof Row>(run: RunOutput, key: K): Row[K][] => rows(run).map((row) => row[key]);

/** Time-sliced GPU, no transfer cost: n requests sharing it each run at 1/n. */
const TIME_SLICED = { mode: 'time-sliced', interferenceAlpha: 0, timeSliceMs: 1, contextSwitchMs: 0 } as const;

/**
 * A predictor that knows this test GPU exactly: solo time times the number of requests
 * sharing the GPU (time slicing), no transfer time. A full GPU: start when its first
 * running request is predicted to end.
 */
class SharingPredictor implements Predictor {
  readonly name = 'sharing';
  predict(request: Request, gpu: GpuView, context: PredictionContext): Prediction {
    const solo = soloExecutionMs(request.model, request.batch);
    const startsNow = gpu.freeSlots > 0 && gpu.queuedCount === 0;
    let start = context.now;
    let coRunners = 0;
    if (startsNow) {
      for (const r of gpu.running) if (r !== request) coRunners++;
    } else {
      start = Math.min(...gpu.running.map((r) => r.predictedCompletion));
      coRunners = gpu.spec.maxConcurrency - 1;
    }
    const executionMs = solo * (1 + coRunners);
    return { transferMs: 0, executionMs, start, completion: start + executionMs };
  }
  observe(): void {}
}

/** A predictor that always says `executionMs`, whatever the request (to make predictions wrong on purpose). */
function fixedPredictor(executionMs: number): Predictor {
  return {
    name: 'fixed',
    predict: (_request, _gpu, context) => ({ transferMs: 0, executionMs, start: context.now, completion: context.now + executionMs }),
    observe: () => {},
  };
}

const low = (time: number, extra: Partial<ArrivalSpec> = {}): ArrivalSpec => arrival(time, { priority: 'low', ...extra });

describe('the queue policies\' reserve (reserveSlots)', () => {
  const model = modelProfile({ phases: [2] });
  // Time-sliced, so two requests sharing the GPU each run at half speed.
  const gpu = { maxConcurrency: 2, sharing: TIME_SLICED };
  const arrivals = () => listArrivals([low(0), low(0), arrival(0.5)]);

  it('keeps slots free of low work for high arrivals, never for high work', () => {
    // Work-conserving: both lows share the GPU; the high waits for a slot until 4.
    const packed = runSimulation({ cluster: cluster([gpu]), models: [model], arrivals: arrivals(), policy: create('priority') });
    expect(pick(packed, 'executionStart')).toEqual([0, 0, 4]);
    // Reserve 1: the second low waits, the high starts on arrival in the kept slot; the
    // first low ends at 3.5 with the high still running, so the second waits for 4.
    const reserved = runSimulation({ cluster: cluster([gpu]), models: [model], arrivals: arrivals(), policy: create('priority', { reserveSlots: 1 }) });
    expect(pick(reserved, 'executionStart')).toEqual([0, 4, 0.5]);
    // A high request may still fill the last slot.
    const highs = runSimulation({
      cluster: cluster([gpu]),
      models: [model],
      arrivals: listArrivals([arrival(0), arrival(0)]),
      policy: create('edf', { reserveSlots: 1 }),
    });
    expect(pick(highs, 'executionStart')).toEqual([0, 0]);
  });

  it('lets a high request pass a low one held back by the reserve in fifo order', () => {
    const run = runSimulation({
      cluster: cluster([gpu]),
      models: [model],
      arrivals: listArrivals([low(0), low(0.1), arrival(0.2)]),
      policy: create('fifo', { reserveSlots: 1 }),
    });
    expect(pick(run, 'executionStart')[2]).toBe(0.2);
  });
});

describe('clockwork', () => {
  const model = modelProfile({ phases: [2] });

  it('runs one request at a time per GPU, whatever its slots', () => {
    const run = runSimulation({
      cluster: cluster([{ maxConcurrency: 4 }]),
      models: [model],
      arrivals: listArrivals([arrival(0), arrival(0), arrival(0)]),
      policy: create('clockwork'),
    });
    expect(pick(run, 'executionStart')).toEqual([0, 2, 4]);
    expect(pick(run, 'completed')).toEqual([2, 4, 6]);
    // fifo shares the four slots instead: all three end together.
    const shared = runSimulation({
      cluster: cluster([{ maxConcurrency: 4 }]),
      models: [model],
      arrivals: listArrivals([arrival(0), arrival(0), arrival(0)]),
    });
    expect(pick(shared, 'completed')).toEqual([6, 6, 6]);
  });

  it('rejects on arrival what is predicted to miss its deadline, counting the queue ahead', () => {
    // r0 ends at 2; r1 would end at 4 > 3: rejected; r2 would end at 4 <= 4: kept, and meets it.
    const run = runSimulation({
      models: [model],
      arrivals: listArrivals([arrival(0, { relativeDeadline: 10 }), arrival(0, { relativeDeadline: 3 }), arrival(0, { relativeDeadline: 4 })]),
      policy: create('clockwork'),
    });
    expect(pick(run, 'outcome')).toEqual(['met', 'rejected', 'met']);
    expect(pick(run, 'completed')).toEqual([2, NaN, 4]);
  });

  it('queues each arrival on the GPU with the earliest predicted completion', () => {
    const run = runSimulation({
      cluster: cluster([{}, {}]),
      models: [model],
      arrivals: listArrivals([arrival(0), arrival(0), arrival(0), arrival(1)]),
      policy: create('clockwork'),
    });
    // r0 and r1 take the idle GPUs; r2 queues behind r0 (tie: lower index); r3 at 1
    // behind r1 (gpu0 is busy until 4, gpu1 until 2).
    expect(pick(run, 'gpu')).toEqual([0, 1, 0, 1]);
    expect(pick(run, 'completed')).toEqual([2, 2, 4, 4]);
  });

  it('drops at its turn a request that has become late (dropLate), or runs it late without', () => {
    // The predictor says 1 ms; requests take 2. r1 is accepted (predicted end 2 <= 2.5),
    // but its turn comes at 2, when it would end at 3 at best.
    const arrivals = () => listArrivals([arrival(0), arrival(0, { relativeDeadline: 2.5 })]);
    const dropping = runSimulation({ models: [model], arrivals: arrivals(), policy: create('clockwork'), predictor: fixedPredictor(1) });
    expect(pick(dropping, 'outcome')).toEqual(['met', 'dropped']);
    const keeping = runSimulation({
      models: [model],
      arrivals: arrivals(),
      policy: create('clockwork', { dropLate: false }),
      predictor: fixedPredictor(1),
    });
    expect(pick(keeping, 'outcome')).toEqual(['met', 'late']);
    expect(pick(keeping, 'completed')).toEqual([2, 4]);
  });
});

describe('preempt', () => {
  // Two phases of 2 ms: a low request at 0, a high one at 1, one slot.
  const model = modelProfile({ phases: [2, 2] });
  const lowThenHigh = () => listArrivals([low(0), arrival(1)]);

  it('kill-and-restart: the high request takes the slot at once and the low one loses the work done', () => {
    const run = runSimulation({ models: [model], arrivals: lowThenHigh(), policy: create('preempt', { costMs: 0 }) });
    // r1 runs 1..5; r0 restarts from scratch at 5: 4 more ms, not 3.
    expect(pick(run, 'completed')).toEqual([9, 5]);
    expect(pick(run, 'preemptions')).toEqual([1, 0]);
    expect(pick(run, 'executionStart')).toEqual([5, 1]);
    expect(run.result.gpus[0].busyMs).toBe(9); // the killed 1 ms was spent for nothing
    expect(run.result.gpus[0].soloWorkMs).toBe(8);
  });

  it('at the next phase boundary: the low request finishes its phase, is suspended and resumes keeping its progress', () => {
    const run = runSimulation({
      models: [model],
      arrivals: lowThenHigh(),
      policy: create('preempt', { mode: 'phase-boundary', costMs: 0 }),
    });
    // r0's first phase ends at 2, then r1 runs 2..6; r0 resumes its second phase 6..8.
    expect(pick(run, 'completed')).toEqual([8, 6]);
    expect(pick(run, 'preemptions')).toEqual([1, 0]);
    expect(pick(run, 'executionStart')).toEqual([0, 2]);
    expect(run.result.gpus[0].busyMs).toBe(8); // nothing lost
  });

  it('charges the preemption cost as a GPU stall', () => {
    const run = runSimulation({ models: [model], arrivals: lowThenHigh(), policy: create('preempt', { costMs: 0.5 }) });
    // The 0.5 ms stall time-slices with r1's first phase from 1 to 2: r1 ends 0.5 ms later.
    expect(pick(run, 'completed')).toEqual([9.5, 5.5]);
    expect(run.result.gpus[0].busyMs).toBe(9.5);
  });

  it('preempts the most recently started low request, never a high one, and uses a free slot first', () => {
    const run = runSimulation({
      cluster: cluster([{ maxConcurrency: 2, sharing: TIME_SLICED }]),
      models: [model],
      arrivals: listArrivals([low(0), low(0.5), arrival(1), arrival(1.5), arrival(2)]),
      policy: create('preempt', { costMs: 0 }),
    });
    // r2 preempts r1 (started later than r0), r3 then preempts r0; r4 finds only high
    // work and waits. No high request is ever preempted.
    expect(pick(run, 'preemptions')).toEqual([1, 1, 0, 0, 0]);
    expect(pick(run, 'dispatched').slice(2)).toEqual([1, 1.5, Math.min(...pick(run, 'completed').slice(2, 4))]);
    const free = runSimulation({
      cluster: cluster([{}, {}]),
      models: [model],
      arrivals: listArrivals([low(0), arrival(1)]),
      policy: create('preempt'),
    });
    expect(pick(free, 'preemptions')).toEqual([0, 0]);
    expect(pick(free, 'gpu')).toEqual([0, 1]);
  });

  it('leaves a low request alone once it has been preempted maxPreemptionsPerRequest times', () => {
    const arrivals = () => listArrivals([low(0), arrival(1), arrival(6)]);
    const unlimited = runSimulation({ models: [model], arrivals: arrivals(), policy: create('preempt', { costMs: 0 }) });
    expect(pick(unlimited, 'preemptions')).toEqual([2, 0, 0]);
    const once = runSimulation({ models: [model], arrivals: arrivals(), policy: create('preempt', { costMs: 0, maxPreemptionsPerRequest: 1 }) });
    // r0 restarts at 5 and is left alone at 6: r2 waits for it (ends 9) and runs 9..13.
    expect(pick(once, 'preemptions')).toEqual([1, 0, 0]);
    expect(pick(once, 'completed')).toEqual([9, 5, 13]);
  });
});

describe('strait', () => {
  // One 10 ms phase; two slots shared by time slicing, so a co-runner doubles the time.
  const model = modelProfile({ phases: [10] });
  const twoSlots = cluster([{ maxConcurrency: 2, sharing: TIME_SLICED }]);
  // No reserved slot unless a test asks for one, so low work may share the GPU.
  const run = (arrivals: readonly ArrivalSpec[], params: PolicyParams = {}, predictor: string | Predictor = new SharingPredictor()) =>
    runSimulation({
      cluster: twoSlots,
      models: [model],
      arrivals: listArrivals(arrivals),
      policy: create('strait', { reserveSlots: 0, ...params }),
      predictor,
    });

  it('holds back a low request that would make a high one on its GPU late, until the high one is done', () => {
    // At 1, with the low request co-running, h would end at 1 + 9 x 2 = 19 > 15.
    const held = run([arrival(0, { relativeDeadline: 15 }), low(1)]);
    expect(pick(held, 'outcome')).toEqual(['met', 'met']);
    expect(pick(held, 'dispatched')).toEqual([0, 10]);
    expect(pick(held, 'completed')).toEqual([10, 20]);
    // Static priority lets it in, and the high request misses its deadline.
    const priority = runSimulation({ cluster: twoSlots, models: [model], arrivals: listArrivals([arrival(0, { relativeDeadline: 15 }), low(1)]), policy: 'priority' });
    expect(pick(priority, 'outcome')).toEqual(['late', 'met']);
    expect(pick(priority, 'completed')).toEqual([19, 20]);
  });

  it('serves a high request queued for a slot first, and holds back a low one that would make it late', () => {
    // x and y share the GPU 0..20. h (deadline 31) arrives at 1 and waits for a slot,
    // predicted to start at 10 (x's predicted end) and end by 30; z arrives at 2.
    // At 20 h takes the first free slot; z would stretch h to 40 > 31, so it waits.
    const arrivals = [low(0), low(0), arrival(1, { relativeDeadline: 30 }), low(2)];
    const straitRun = run(arrivals);
    expect(pick(straitRun, 'dispatched')).toEqual([0, 0, 20, 30]);
    expect(pick(straitRun, 'completed')).toEqual([20, 20, 30, 40]);
    expect(pick(straitRun, 'outcome')).toEqual(['met', 'met', 'met', 'met']);
    // Static priority also serves h first, but lets z join it: h is late.
    const priority = runSimulation({ cluster: twoSlots, models: [model], arrivals: listArrivals(arrivals), policy: 'priority' });
    expect(pick(priority, 'dispatched')).toEqual([0, 0, 20, 20]);
    expect(pick(priority, 'outcome')).toEqual(['met', 'met', 'late', 'met']);
  });

  it('admits it at once when the high request still makes its deadline', () => {
    const admitted = run([arrival(0, { relativeDeadline: 25 }), low(1)]);
    expect(pick(admitted, 'dispatched')).toEqual([0, 1]);
    expect(pick(admitted, 'completed')).toEqual([19, 20]); // as predicted: 19 <= 25
    expect(pick(admitted, 'outcome')).toEqual(['met', 'met']);
  });

  it('sees only the interference its predictor sees: with solo it lets the low request in', () => {
    const blind = run([arrival(0, { relativeDeadline: 15 }), low(1)], {}, 'solo');
    expect(pick(blind, 'dispatched')).toEqual([0, 1]);
    expect(pick(blind, 'outcome')).toEqual(['late', 'met']);
  });

  it('looks again every recheckMs while it holds work back, and admits it as soon as it is harmless', () => {
    // With h started at 0, admitting at t predicts h's end at t + (10 - t) x 2 = 20 - t:
    // harmless from 5 on. Looks at 1, 3 and 5.
    const rechecked = run([arrival(0, { relativeDeadline: 15 }), low(1)], { recheckMs: 2 });
    expect(pick(rechecked, 'dispatched')).toEqual([0, 5]);
    expect(pick(rechecked, 'completed')).toEqual([15, 20]);
    expect(pick(rechecked, 'outcome')).toEqual(['met', 'met']);
    // No wake loop: two wakes, then none once nothing is held back.
    const plain = run([arrival(0, { relativeDeadline: 15 }), low(1)]);
    expect(rechecked.result.events - plain.result.events).toBeLessThanOrEqual(3);
  });

  it('keeps reserveSlots free of low work for high arrivals', () => {
    const arrivals = [low(0), low(0), arrival(1)];
    const reserved = run(arrivals, { reserveSlots: 1 });
    // r1 may start only where a slot stays free after it: not until the GPU is empty at
    // 20. r2 starts at once in the reserved slot.
    expect(pick(reserved, 'dispatched')).toEqual([0, 20, 1]);
    expect(pick(reserved, 'executionStart')[2]).toBe(1);
    // Without a reserve both slots go to low work, and the high request waits until 20.
    const unreserved = run(arrivals, { reserveSlots: 0 });
    expect(pick(unreserved, 'dispatched')).toEqual([0, 0, 20]);
    // The default reserves one slot.
    expect(pick(runSimulation({ cluster: twoSlots, models: [model], arrivals: listArrivals(arrivals), policy: create('strait'), predictor: new SharingPredictor() }), 'dispatched')).toEqual([0, 20, 1]);
  });

  it('sends a high request to the GPU with the earliest predicted completion, not the one with most free slots', () => {
    const spec = cluster([{ maxConcurrency: 4, sharing: TIME_SLICED }, { maxConcurrency: 1 }]);
    const arrivals = () => listArrivals([low(0), arrival(1)]);
    const strait = runSimulation({ cluster: spec, models: [model], arrivals: arrivals(), policy: create('strait'), predictor: new SharingPredictor() });
    expect(pick(strait, 'gpu')).toEqual([0, 1]);
    expect(pick(strait, 'completed')).toEqual([10, 11]);
    const priority = runSimulation({ cluster: spec, models: [model], arrivals: arrivals(), policy: 'priority' });
    expect(pick(priority, 'gpu')).toEqual([0, 0]);
  });

  it('drops early a request predicted to miss its deadline (lateAction drop)', () => {
    // r1 (high) cannot finish in 5 ms; r2 (low) is examined when r0's slot frees at 10,
    // and by then cannot make 12; r3 then runs at 10.
    const dropped = runSimulation({
      models: [model],
      arrivals: listArrivals([low(0), arrival(1, { relativeDeadline: 5 }), low(2, { relativeDeadline: 10 }), low(3)]),
      policy: create('strait'),
      predictor: new SharingPredictor(),
    });
    expect(pick(dropped, 'outcome')).toEqual(['met', 'dropped', 'dropped', 'met']);
    expect(pick(dropped, 'dispatched')).toEqual([0, NaN, NaN, 10]);
    expect(dropped.result.simulatedMs).toBe(20);
  });

  it('defers it instead (lateAction defer): it runs behind the work that can still make its deadline', () => {
    const deferred = runSimulation({
      models: [model],
      arrivals: listArrivals([low(0), low(2, { relativeDeadline: 10 }), low(3)]),
      policy: create('strait', { lateAction: 'defer' }),
      predictor: new SharingPredictor(),
    });
    // EDF would serve r1 first at 10; it is late anyway, so r2 goes first.
    expect(pick(deferred, 'outcome')).toEqual(['met', 'late', 'met']);
    expect(pick(deferred, 'dispatched')).toEqual([0, 20, 10]);
  });
});

describe('policy parameters', () => {
  const error = (name: string, params: PolicyParams): string => {
    try {
      create(name, params);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error('no error');
  };

  it('name the field and what was expected', () => {
    expect(error('preempt', { mode: 'stop' })).toBe('policy.params.mode: expected one of "kill", "phase-boundary", got "stop"');
    expect(error('preempt', { costMs: -1 })).toBe('policy.params.costMs: expected a number >= 0, got -1');
    expect(error('preempt', { maxPreemptionsPerRequest: 1.5 })).toBe('policy.params.maxPreemptionsPerRequest: expected an integer >= 0, got 1.5');
    expect(error('strait', { lateAction: 'skip' })).toBe('policy.params.lateAction: expected one of "drop", "defer", got "skip"');
    expect(error('strait', { reserveSlots: '1' })).toBe('policy.params.reserveSlots: expected an integer >= 0, got "1"');
    expect(error('clockwork', { dropLate: 1 })).toBe('policy.params.dropLate: expected true or false, got 1');
    expect(error('strait', { reserve: 1 })).toBe(
      'policy.params.reserve: unknown field; expected one of lateAction, reserveSlots, marginMs, recheckMs',
    );
    expect(error('fifo', { window: 3 })).toBe('policy.params.window: unknown field; expected one of reserveSlots');
    expect(error('edf', { reserveSlots: -1 })).toBe('policy.params.reserveSlots: expected an integer >= 0, got -1');
  });

  it('list each registered name with its parameters', () => {
    expect([...POLICIES.keys()]).toEqual(['fifo', 'edf', 'priority', 'clockwork', 'preempt', 'strait']);
    expect(POLICIES.get('preempt')!.params).toEqual(['mode', 'costMs', 'maxPreemptionsPerRequest']);
    for (const name of POLICIES.keys()) expect(create(name).name).toBe(name);
  });
});

describe('every policy on a small mixed workload', () => {
  const models: ModelProfile[] = [
    modelProfile({ name: 'a', phases: [{ soloMs: 0.6, compute: 0.6, memory: 0.4 }, { soloMs: 0.9, compute: 0.8, memory: 0.2 }], inputBytesPerItem: 300, outputBytesPerItem: 60 }),
    modelProfile({ name: 'b', phases: [{ soloMs: 1.5, compute: 0.5, memory: 0.7 }], inputBytesPerItem: 500, outputBytesPerItem: 20, variability: { kind: 'lognormal', cv: 0.4 } }),
  ];
  const spec = cluster(
    [
      { models: ['a', 'b'], maxConcurrency: 3, sharing: { mode: 'spatial', interferenceAlpha: 0.4, timeSliceMs: 1, contextSwitchMs: 0 }, link: { setupMs: 0.02 } },
      { models: ['a'], maxConcurrency: 2, sharing: TIME_SLICED, link: { setupMs: 0.02 } },
    ],
    { uplinkH2dBytesPerMs: 1500, uplinkD2hBytesPerMs: 1500 },
  );
  const COUNT = 600;
  function workload(): ArrivalSpec[] {
    const stream = new RandomStream('policies:mixed');
    const out: ArrivalSpec[] = [];
    let time = 0;
    for (let i = 0; i < COUNT; i++) {
      time += stream.exponential(0.7);
      const high = stream.uniform() < 0.4;
      out.push({
        arrival: time,
        model: stream.uniform() < 0.6 ? 'a' : 'b',
        batch: 1,
        priority: high ? 'high' : 'low',
        relativeDeadline: high ? 4 + 4 * stream.uniform() : 10 + 20 * stream.uniform(),
      });
    }
    return out;
  }
  const arrivals = workload();
  const variants: [string, PolicyParams][] = [
    ...[...POLICIES.keys()].map((name): [string, PolicyParams] => [name, {}]),
    ['clockwork', { dropLate: false }],
    ['preempt', { mode: 'phase-boundary' }],
    ['preempt', { maxPreemptionsPerRequest: 1, costMs: 0 }],
    ['strait', { lateAction: 'defer', reserveSlots: 0, marginMs: 0.5, recheckMs: 1 }],
  ];
  const cases = [
    ...variants.map(([name, params]) => ({ name, params, predictor: 'solo' })),
    ...[...PREDICTORS.keys()].filter((p) => p !== 'solo').flatMap((predictor) => [
      { name: 'strait', params: {}, predictor },
      { name: 'strait', params: { lateAction: 'defer' }, predictor },
    ]),
  ];

  it.each(cases)('$name $params with $predictor accounts for every request', ({ name, params, predictor }) => {
    const result = runSimulation({ cluster: spec, models, arrivals: listArrivals(arrivals), policy: create(name, params), predictor, seed: 3 });
    const r = result.records;
    expect(r.length).toBe(COUNT);
    expect(new Set(r.id.view()).size).toBe(COUNT);
    const byOutcome = new Map<string, number>();
    for (let i = 0; i < r.length; i++) {
      const outcome = OUTCOMES[r.outcome.view()[i]];
      byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
      if (outcome === 'met' || outcome === 'late') {
        expect(r.completed.view()[i]).toBeGreaterThanOrEqual(r.executionEnd.view()[i]);
        expect(r.executionEnd.view()[i]).toBeGreaterThanOrEqual(r.executionStart.view()[i]);
        expect(r.executionStart.view()[i]).toBeGreaterThanOrEqual(r.arrival.view()[i]);
      }
    }
    // Something was served, and nothing was left waiting at the end.
    // Only preempt preempts, and on this load it does.
    const preemptions = r.preemptions.view().reduce((a, b) => a + b, 0);
    if (name === 'preempt') expect(preemptions).toBeGreaterThan(0);
    else expect(preemptions).toBe(0);
    expect(byOutcome.get('met') ?? 0).toBeGreaterThan(0);
    expect(byOutcome.get('unserved') ?? 0).toBe(0);
  });

  it('is deterministic', () => {
    const once = () => {
      const out = runSimulation({ cluster: spec, models, arrivals: listArrivals(arrivals), policy: create('strait', { lateAction: 'defer' }), predictor: 'solo', seed: 3 });
      return [Array.from(out.records.id.view()), Array.from(out.records.completed.view())];
    };
    expect(once()).toEqual(once());
  });
});
