import type { Predictor } from '../predictor/predictor.ts';

/**
 * A model's hosting GPUs split by the predictor's GPU class (Predictor.gpuClass), each
 * list ascending, made once per host list: GPUs of one class with the same free slots
 * get the same prediction, so a policy asks once per class and free-slot count.
 */
export class HostsByClass {
  private predictor: Predictor | undefined;
  private readonly byHosts = new Map<readonly number[], readonly (readonly number[])[]>();
  // The host list asked about last and its answer: models hosted on the same GPUs share
  // one list (HostingGpus), so most questions repeat the last one; an identity check
  // instead of the map's hash lookup.
  private lastHosts: readonly number[] | undefined = undefined;
  private lastLists: readonly (readonly number[])[] = [];

  /** The class lists of `hosts` (kept for the run), or undefined when the predictor has no classes. */
  of(hosts: readonly number[], predictor: Predictor): readonly (readonly number[])[] | undefined {
    if (predictor.gpuClass === undefined) return undefined;
    if (predictor !== this.predictor) {
      this.predictor = predictor;
      this.byHosts.clear();
      this.lastHosts = undefined;
    }
    if (hosts === this.lastHosts) return this.lastLists;
    let lists = this.byHosts.get(hosts);
    if (lists === undefined) {
      const byClass = new Map<number, number[]>();
      for (const g of hosts) {
        const c = predictor.gpuClass(g);
        let list = byClass.get(c);
        if (list === undefined) byClass.set(c, (list = []));
        list.push(g);
      }
      this.byHosts.set(hosts, (lists = [...byClass.values()]));
    }
    this.lastHosts = hosts;
    this.lastLists = lists;
    return lists;
  }
}
