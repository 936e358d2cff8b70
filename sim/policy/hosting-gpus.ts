import type { GpuView } from '../cluster/gpu-state.ts';

/**
 * The indices of the GPUs that host each model, listed once per model on first use:
 * which GPU hosts which model never changes during a run, so the policies that pick
 * among a model's hosts need not test every GPU per request.
 */
export class HostingGpus {
  private readonly byModel = new Map<string, readonly number[]>();

  of(model: string, gpus: readonly GpuView[]): readonly number[] {
    let hosts = this.byModel.get(model);
    if (hosts === undefined) {
      const list: number[] = [];
      for (let g = 0; g < gpus.length; g++) if (gpus[g].hosts(model)) list.push(g);
      this.byModel.set(model, (hosts = list));
    }
    return hosts;
  }
}
