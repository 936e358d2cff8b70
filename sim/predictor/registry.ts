import type { Predictor, PredictorSetup } from './predictor.ts';
import { AdaptivePredictor } from './adaptive.ts';
import { SoloPredictor } from './solo.ts';
import { StaticPredictor } from './static.ts';

export interface PredictorEntry {
  readonly description: string;
  /** Parameter names it accepts in the scenario's predictorParams. */
  readonly params: readonly string[];
  create(setup: PredictorSetup): Predictor;
}

/** Predictors by name: an explicit map, so what exists is visible in one place. */
export const PREDICTORS: ReadonlyMap<string, PredictorEntry> = new Map<string, PredictorEntry>([
  ['solo', { description: 'profile solo times and uncontended transfers; ignores interference', params: [], create: (s) => new SoloPredictor(s) }],
  [
    'static',
    {
      description:
        'solo times x a fixed slowdown by co-runner count at dispatch (the coarse approach); uncontended transfers. ' +
        'slowdowns: factors for 0, 1, 2, ... co-runners, the last repeated (default [1, 1.35, 1.8, 2.3, 2.8])',
      params: ['slowdowns'],
      create: (s) => new StaticPredictor(s),
    },
  ],
  [
    'adaptive',
    {
      description:
        'slowdown from the live co-location set, transfer time from the link load, learned online (RLS with forgetting); ' +
        'uses the candidate model with the lowest recent error, solo until warm. forgetting (0.995), window (200 completions), ' +
        'warmup (20 completions), candidates (solo, linear, per-model, law), delta (RLS prior scale, 100)',
      params: ['forgetting', 'window', 'warmup', 'candidates', 'delta'],
      create: (s) => new AdaptivePredictor(s),
    },
  ],
]);
