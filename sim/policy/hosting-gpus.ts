import type { GpuView } from '../cluster/gpu-state.ts';

/**
 * The indices of the GPUs that host each model, listed once per model on first use:
 * which GPU hosts which model never changes during a run, so the policies that pick
 * among a model's hosts need not test every GPU per request.
 */
export class HostingGpus {
  private readonly byModel = new Map<string, readonly number[]>();
  /**
   * The lists by their GPUs: models hosted on the same GPUs get the same array, so
   * whatever a policy keeps per host list (class lists, trees, free-slot groups) is
   * kept once for them, not once per model, and updated once per GPU change.
   */
  private readonly byMembers = new Map<string, readonly number[]>();

  of(model: string, gpus: readonly GpuView[]): readonly number[] {
    let hosts = this.byModel.get(model);
    if (hosts === undefined) {
      const list: number[] = [];
      for (let g = 0; g < gpus.length; g++) if (gpus[g].hosts(model)) list.push(g);
      const members = list.join(',');
      hosts = this.byMembers.get(members);
      if (hosts === undefined) this.byMembers.set(members, (hosts = list));
      this.byModel.set(model, hosts);
    }
    return hosts;
  }
}
