import type { Request } from '../model/request.ts';
import type { GpuView } from '../cluster/gpu-state.ts';
import type { ClusterSpec } from '../cluster/cluster-spec.ts';

/** A latency prediction for one request placed on one GPU. */
export interface Prediction {
  /** Input plus output transfer time, ms. */
  readonly transferMs: number;
  /** Kernel execution time, ms. */
  readonly executionMs: number;
  /** When it would start (enter its input transfer), absolute ms. */
  readonly start: number;
  /** When it would complete, absolute ms. */
  readonly completion: number;
}

/**
 * A Prediction a predictor rewrites on each call instead of allocating one (see
 * Predictor.predict). The fields start as NaN, a double: V8 then keeps one number box per
 * field and rewrites it in place, where a new object per call was four boxes and the
 * object (about 120 bytes per request on the bench mix).
 */
export class PredictionBuffer implements Prediction {
  transferMs = NaN;
  executionMs = NaN;
  start = NaN;
  completion = NaN;
}

/** What a predictor may see besides the target GPU. */
export interface PredictionContext {
  readonly now: number;
  readonly gpus: readonly GpuView[];
}

/**
 * Predicts transfer, execution and completion time of a request on a GPU from that
 * GPU's current and queued work. Learning predictors update from observe(), called
 * once per completed request with its observed times.
 */
export interface Predictor {
  readonly name: string;
  /**
   * The prediction may be an object the predictor rewrites on its next call (the
   * built-in ones do, a PredictionBuffer each): a caller reads what it needs before it
   * asks again, and keeps numbers, not the object.
   */
  predict(request: Request, gpu: GpuView, context: PredictionContext): Prediction;
  observe(request: Request, gpu: GpuView, context: PredictionContext): void;
  /**
   * Optional: a class per GPU index such that, for any request, two GPUs of one class
   * get identical predictions whenever each has nothing queued and the same number of
   * free slots (at least one), and so do their idle one-slot copies (WhatIfGpu.alone).
   * A policy choosing among many GPUs then predicts once per class and free-slot count,
   * not once per GPU. Absent where an answer depends on a GPU's own history or
   * co-runners (adaptive): such a predictor is asked about every GPU.
   */
  gpuClass?(gpu: number): number;
}

export interface PredictorSetup {
  readonly cluster: ClusterSpec;
  /** The predictor's parameters from the scenario (validated against its entry's names). */
  readonly params?: Readonly<Record<string, unknown>>;
}
