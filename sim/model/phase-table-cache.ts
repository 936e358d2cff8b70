import { PhaseColumn, type PhaseDemands } from '../gpu/gpu-executor.ts';
import { lookupBatch, type ModelProfile } from './profile.ts';

/** Each model's phase table resolved at one batch size, computed once per (model, batch) pair. */
export class PhaseTableCache {
  private readonly byModel = new Map<ModelProfile, PhaseDemands[]>();
  // The table asked for last: phases of one request follow one another, and a map
  // lookup per phase start was a measurable share of the hot path.
  private lastModel: ModelProfile | undefined = undefined;
  private lastBatch = -1;
  private lastTable: PhaseDemands | undefined = undefined;

  get(model: ModelProfile, batch: number): PhaseDemands {
    if (model === this.lastModel && batch === this.lastBatch) return this.lastTable!;
    const table = this.lookup(model, batch);
    this.lastModel = model;
    this.lastBatch = batch;
    this.lastTable = table;
    return table;
  }

  private lookup(model: ModelProfile, batch: number): PhaseDemands {
    let byBatch = this.byModel.get(model);
    if (byBatch === undefined) {
      byBatch = [];
      this.byModel.set(model, byBatch);
    }
    let table = byBatch[batch];
    if (table === undefined) byBatch[batch] = table = phaseTable(model, batch);
    return table;
  }
}

/**
 * A model's phases resolved at one batch size. A function of its own: its closures
 * capture `batch`, and a function whose variable a closure captures allocates a context
 * on every call, even on the calls that make no closure (each cache miss did).
 */
function phaseTable(model: ModelProfile, batch: number): PhaseDemands {
  const phases = new Float64Array(PhaseColumn.Count * model.phases.length);
  model.phases.forEach((p, k) => {
    const at = PhaseColumn.Count * k;
    phases[at + PhaseColumn.SoloMs] = lookupBatch(p.soloMs, batch);
    phases[at + PhaseColumn.Compute] = lookupBatch(p.compute, batch);
    phases[at + PhaseColumn.Memory] = lookupBatch(p.memory, batch);
    phases[at + PhaseColumn.Sensitivity] = p.sensitivity === undefined ? 1 : lookupBatch(p.sensitivity, batch);
  });
  return { phases };
}
