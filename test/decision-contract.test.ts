import { describe, expect, it } from 'vitest';
import { PolicyContractError } from '../sim/core/errors.ts';
import type { Decision, Policy } from '../sim/policy/policy.ts';
import type { Request } from '../sim/model/request.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';
import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import { ReplayEngine } from '../replay/replay-engine.ts';
import { arrival, cluster, listArrivals, modelProfile, runSimulation } from './helpers.ts';

/**
 * Both drivers apply decisions through one module (sim/policy/decision-applier.ts):
 * the same policy mistake fails the same way in the simulator and in the replay.
 * Each mistake happens at the first arrival, before the replay would need a worker.
 */
const spec = cluster([{ models: ['m'] }, { models: ['other'] }]);
const models = [modelProfile({ name: 'm' }), modelProfile({ name: 'other' })];
const arrivals = [arrival(0)];

function onArrival(decide: (request: Request) => Decision[]): Policy {
  return { name: 'faulty', onArrival: (request) => decide(request), onCompletion: () => [] };
}

const MISTAKES: Record<string, Policy> = {
  'dispatch to a GPU that does not host the model': onArrival((request) => [{ kind: 'dispatch', request, gpu: 1 }]),
  'dispatch to a GPU that does not exist': onArrival((request) => [{ kind: 'dispatch', request, gpu: 7 }]),
  'preempt a waiting request': onArrival((request) => [{ kind: 'preempt', request }]),
  'reject twice': onArrival((request) => [{ kind: 'reject', request }, { kind: 'reject', request }]),
  'drop a rejected request': onArrival((request) => [{ kind: 'reject', request }, { kind: 'drop', request }]),
  'dispatch a dropped request': onArrival((request) => [{ kind: 'drop', request }, { kind: 'dispatch', request, gpu: 0 }]),
};

function simulatorError(policy: Policy): unknown {
  try {
    runSimulation({ cluster: spec, models, arrivals: listArrivals(arrivals), policy });
  } catch (error) {
    return error;
  }
  return undefined;
}

async function replayError(policy: Policy): Promise<unknown> {
  const engine = new ReplayEngine({
    cluster: spec,
    models: new Map(models.map((m) => [m.name, m])),
    policy,
    predictor: PREDICTORS.get('solo')!.create({ cluster: spec }),
    sink: new RunRecorder(spec),
    backend: { kind: 'tfjs', choice: 'cpu' },
    timeScale: 1,
    warmupRuns: 0,
    seed: 1,
  });
  try {
    await engine.run(arrivals);
  } catch (error) {
    return error;
  } finally {
    await engine.shutdown();
  }
  return undefined;
}

describe('one decision contract for the simulator and the replay', () => {
  for (const [mistake, policy] of Object.entries(MISTAKES)) {
    it(`both reject: ${mistake}`, async () => {
      const inSimulator = simulatorError(policy);
      const inReplay = await replayError(policy);
      expect(inSimulator).toBeInstanceOf(PolicyContractError);
      expect(inReplay).toBeInstanceOf(PolicyContractError);
      expect((inReplay as Error).message).toBe((inSimulator as Error).message);
      expect((inSimulator as Error).message).toMatch(/^policy faulty: \w+ of request 0: expected .+, got .+$/);
    });
  }
});
