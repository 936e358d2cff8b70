import type { ClusterSpec } from '../sim/cluster/cluster-spec.ts';
import type { ModelProfile } from '../sim/model/profile.ts';
import type { Priority } from '../sim/model/request.ts';
import type { ArrivalProcessSpec } from '../traces/arrival-processes.ts';

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
  /** This stream's own arrival process; absent: the workload's. */
  readonly arrivals?: ArrivalProcessSpec;
}

export type StopRule =
  | { readonly kind: 'requests'; readonly count: number }
  | { readonly kind: 'duration'; readonly ms: number }
  /** The whole trace (trace workloads only). */
  | { readonly kind: 'end' };

/**
 * How the workload's arrival process drives the streams that name none:
 * - 'stream': each stream runs its own copy at its own rate (independent processes,
 *   superposed; the merged trace is smoother than each stream);
 * - 'workload': one process at the total rate of those streams, each arrival given to
 *   one of them by weight (the merged trace follows the process).
 */
export type ArrivalScope = 'stream' | 'workload';

export interface WorkloadSpec {
  /** The arrival process of every stream that names none (poisson by default). */
  readonly arrivals: ArrivalProcessSpec;
  readonly arrivalScope: ArrivalScope;
  /**
   * Total request rate per second at load 1. Absent: the rate at which the mix
   * offers exactly the cluster's capacity (solo work = number of GPUs), so `load`
   * reads as a fraction of capacity.
   */
  readonly ratePerSec?: number;
  /** Generated workloads: the streams. Empty for a trace workload. */
  readonly streams: readonly StreamSpec[];
  /**
   * A trace file (absolute path) to replay instead of generating arrivals; `load`
   * then compresses its time axis (arrival / load), which scales its rate exactly.
   */
  readonly trace?: string;
  /**
   * A workload that changes over time: each phase is a generated workload of its
   * own (streams, process, rate) that runs for its durationMs, one after another.
   * The top-level streams are then empty.
   */
  readonly phases?: readonly WorkloadSpec[];
  readonly stop: StopRule;
}

export interface PolicyChoice {
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export type LoadBasis = 'nominal' | 'measured';

/** A validated scenario with every default filled in. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  /** Multiplies the arrival rate. */
  readonly load: number;
  /**
   * What `load` is a fraction of: absent or "nominal", the rate at load 1 (the nominal
   * capacity from solo times and slots when the workload gives no rate; a trace as
   * recorded); "measured", the measured capacity (scenarios/capacity.ts, best
   * concurrency), which a command resolves before running (scenarios/load-basis.ts).
   */
  readonly loadBasis?: LoadBasis;
  readonly models: readonly ModelProfile[];
  readonly cluster: ClusterSpec;
  readonly workload: WorkloadSpec;
  readonly policy: PolicyChoice;
  readonly predictor: string;
  /** Parameters per predictor name (for the policy's predictor and any shadows). */
  readonly predictorParams: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}
