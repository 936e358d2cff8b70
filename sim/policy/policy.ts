import type { Ms } from '../core/units.ts';
import type { Request } from '../model/request.ts';
import type { GpuView } from '../cluster/gpu-state.ts';
import type { Predictor } from '../predictor/predictor.ts';

/**
 * What a policy may see. The same shape is offered by the simulator and by the
 * replay engine, so one policy object runs unchanged on both.
 */
export interface ClusterView {
  /** Current time (simulated, or wall time since the replay started). */
  readonly now: Ms;
  readonly gpus: readonly GpuView[];
  /** Requests waiting for a decision, in the order they became waiting. */
  readonly waiting: ReadonlySet<Request>;
  readonly predictor: Predictor;
}

/**
 * The narrow control surface: a policy acts only by returning decisions, which the
 * driver applies in order.
 * - dispatch: send a waiting request to a GPU that hosts its model; it starts when
 *   the GPU has a free slot, else waits in that GPU's local queue.
 * - reject: refuse a request (admission control); counts as a violation.
 * - drop: discard a waiting or GPU-queued request; counts as a violation.
 * - preempt: stop a running request. mode "kill" (the default) stops it at once:
 *   it loses its progress, waits again, and the policy hears of it through
 *   onPreempted. mode "phase-boundary" lets the current phase finish, then suspends
 *   it keeping its progress (onPreempted is called then); dispatched back to the
 *   same GPU it resumes at its next phase, elsewhere it restarts. costMs stalls the
 *   GPU that long at full demand (the price of killing kernels or switching).
 * - wake: call onWake at the given time (for policies that defer work).
 */
export type Decision =
  | { readonly kind: 'dispatch'; readonly request: Request; readonly gpu: number }
  | { readonly kind: 'reject'; readonly request: Request }
  | { readonly kind: 'drop'; readonly request: Request }
  | { readonly kind: 'preempt'; readonly request: Request; readonly mode?: PreemptMode; readonly costMs?: Ms }
  | { readonly kind: 'wake'; readonly at: Ms };

export type PreemptMode = 'kill' | 'phase-boundary';

export const NO_DECISIONS: readonly Decision[] = Object.freeze([]);

/**
 * A scheduling policy: synchronous and deterministic. It is told of every arrival
 * and completion and answers with decisions. A request the policy neither
 * dispatches nor rejects stays waiting, held for a later call.
 */
export interface Policy {
  readonly name: string;
  onArrival(request: Request, view: ClusterView): readonly Decision[];
  /** A request finished (its slot is free again). */
  onCompletion(request: Request, view: ClusterView): readonly Decision[];
  /** A request this policy preempted is waiting again. */
  onPreempted?(request: Request, view: ClusterView): readonly Decision[];
  onWake?(view: ClusterView): readonly Decision[];
}

/** Parameters from the scenario, already validated as a JSON object. */
export type PolicyParams = Readonly<Record<string, unknown>>;
