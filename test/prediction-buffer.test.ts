import { describe, expect, it } from 'vitest';
import type { ArrivalSpec } from '../sim/arrivals.ts';
import type { RequestRecords } from '../sim/metrics/request-records.ts';
import type { Predictor } from '../sim/predictor/predictor.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';
import { RandomStream } from '../sim/core/random.ts';
import { cluster, listArrivals, modelProfile, runSimulation } from './helpers.ts';

/**
 * The built-in predictors answer in one object each rewrites on every call
 * (PredictionBuffer). A caller that kept that object across a second call would read
 * the second answer for the first: every policy must decide exactly as it does when
 * each prediction is a fresh copy.
 */

const models = [
  modelProfile({ name: 'm', phases: [{ soloMs: 2, compute: 0.6, memory: 0.3 }, 1], inputBytesPerItem: 4000, outputBytesPerItem: 1000 }),
  modelProfile({ name: 'n', phases: [{ soloMs: 5, compute: 0.4, memory: 0.5 }], inputBytesPerItem: 20000, outputBytesPerItem: 500 }),
];

const spec = cluster(Array.from({ length: 6 }, (_, i) => ({ maxConcurrency: 1 + (i % 3), link: { h2dBytesPerMs: i % 2 === 0 ? 1000 : 400 } })));

/** Both classes of both models, above capacity at times, with deadlines some cannot meet. */
function arrivals(): ArrivalSpec[] {
  const stream = new RandomStream('prediction-buffer');
  const list: ArrivalSpec[] = [];
  let time = 0;
  for (let i = 0; i < 1500; i++) {
    time += stream.exponential(i % 400 < 200 ? 0.5 : 1.5);
    const model = stream.uniform() < 0.6 ? 'm' : 'n';
    const priority = stream.uniform() < 0.3 ? 'high' : 'low';
    list.push({ arrival: time, model, batch: 1, priority, relativeDeadline: (model === 'm' ? 5 : 12) * (1 + 2 * stream.uniform()) });
  }
  return list;
}

/** The named predictor as registered (answers in its buffer), or with every answer copied. */
function predictorFor(name: string, copied: boolean, counts: { all: number; running: number }): Predictor {
  const inner = PREDICTORS.get(name)!.create({ cluster: spec });
  if (!copied) return inner;
  return {
    name: inner.name,
    predict: (request, gpu, context) => {
      counts.all++;
      if (request.state !== 'waiting') counts.running++; // strait's what-if for a running high request
      return { ...inner.predict(request, gpu, context) };
    },
    observe: (request, gpu, context) => inner.observe(request, gpu, context),
    ...(inner.gpuClass !== undefined ? { gpuClass: (g: number) => inner.gpuClass!(g) } : {}),
  };
}

function columns(records: RequestRecords): Record<string, number[]> {
  return Object.fromEntries(records.columns().map((column, i) => [i, Array.from(column.view())]));
}

describe('a prediction rewritten by the next call changes no decision', () => {
  for (const policy of ['strait', 'clockwork', 'edf', 'preempt', 'fifo']) {
    for (const predictor of ['solo', 'static', 'adaptive']) {
      it(`${policy} with ${predictor}`, () => {
        const counts = { all: 0, running: 0 };
        const run = (copied: boolean) =>
          runSimulation({ cluster: spec, models, arrivals: listArrivals(arrivals()), policy, predictor: predictorFor(predictor, copied, counts) }).records;
        const buffered = columns(run(false));
        const copied = columns(run(true));
        expect(counts.all).toBeGreaterThan(500); // at least every dispatch asks (the applier)
        if (policy === 'strait') expect(counts.running).toBeGreaterThan(0);
        expect(buffered).toEqual(copied);
      });
    }
  }
});
