import type { ClusterSpec } from '../sim/cluster/cluster-spec.ts';
import type { ModelProfile } from '../sim/model/profile.ts';
import type { Priority } from '../sim/model/request.ts';

/** How a request's deadline is set from its arrival. */
export type DeadlineRule =
  /** factor times the request's solo latency (uncontended transfers + solo execution). */
  | { readonly kind: 'slo-factor'; readonly factor: number }
  /** a fixed budget in ms. */
  | { readonly kind: 'budget'; readonly ms: number };

/** One class of traffic: a model at a priority, with its share of the request rate. */
export interface StreamSpec {
  readonly model: string;
  readonly priority: Priority;
  /** Relative share of the total request rate. */
  readonly weight: number;
  /** Batch sizes drawn uniformly per request. */
  readonly batchSizes: readonly number[];
  readonly deadline: DeadlineRule;
}

export type StopRule = { readonly kind: 'requests'; readonly count: number } | { readonly kind: 'duration'; readonly ms: number };

export interface WorkloadSpec {
  readonly arrivals: 'poisson';
  /**
   * Total request rate per second at load 1. Absent: the rate at which the mix
   * offers exactly the cluster's capacity (solo work = number of GPUs), so `load`
   * reads as a fraction of capacity.
   */
  readonly ratePerSec?: number;
  readonly streams: readonly StreamSpec[];
  readonly stop: StopRule;
}

export interface PolicyChoice {
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** A validated scenario with every default filled in. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  /** Multiplies the arrival rate. */
  readonly load: number;
  readonly models: readonly ModelProfile[];
  readonly cluster: ClusterSpec;
  readonly workload: WorkloadSpec;
  readonly policy: PolicyChoice;
  readonly predictor: string;
}
