import type { PhaseDemands } from '../gpu/gpu-executor.ts';
import { lookupBatch, type ModelProfile } from './profile.ts';

/** Each model's phase table resolved at one batch size, computed once per (model, batch) pair. */
export class PhaseTableCache {
  private readonly byModel = new Map<ModelProfile, PhaseDemands[]>();

  get(model: ModelProfile, batch: number): PhaseDemands {
    let byBatch = this.byModel.get(model);
    if (byBatch === undefined) {
      byBatch = [];
      this.byModel.set(model, byBatch);
    }
    let table = byBatch[batch];
    if (table === undefined) {
      table = {
        soloMs: Float64Array.from(model.phases, (p) => lookupBatch(p.soloMs, batch)),
        compute: Float64Array.from(model.phases, (p) => lookupBatch(p.compute, batch)),
        memory: Float64Array.from(model.phases, (p) => lookupBatch(p.memory, batch)),
        sensitivity: Float64Array.from(model.phases, (p) => (p.sensitivity === undefined ? 1 : lookupBatch(p.sensitivity, batch))),
      };
      byBatch[batch] = table;
    }
    return table;
  }
}
