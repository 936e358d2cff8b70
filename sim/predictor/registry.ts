import type { Predictor, PredictorSetup } from './predictor.ts';
import { SoloPredictor } from './solo.ts';

export interface PredictorEntry {
  readonly description: string;
  /** Parameter names it accepts in the scenario's predictorParams. */
  readonly params: readonly string[];
  create(setup: PredictorSetup): Predictor;
}

/** Predictors by name: an explicit map, so what exists is visible in one place. */
export const PREDICTORS: ReadonlyMap<string, PredictorEntry> = new Map<string, PredictorEntry>([
  ['solo', { description: 'profile solo times and uncontended transfers; ignores interference', params: [], create: (s) => new SoloPredictor(s) }],
]);
