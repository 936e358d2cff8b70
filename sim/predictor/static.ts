import type { GpuView } from '../cluster/gpu-state.ts';
import type { Request } from '../model/request.ts';
import { Params } from '../core/params.ts';
import { PredictionBuffer, type Prediction, type PredictionContext, type Predictor, type PredictorSetup } from './predictor.ts';
import { SoloEstimates, type SlotCosts } from './solo-estimates.ts';

/**
 * Default slowdown by number of co-runners (0, 1, 2, 3, ...; the last repeats): the
 * coarse, model-agnostic curve of earlier interference predictors, about +35% for
 * the first co-runner and +45 to 50% for each further one. A scenario or a calibration
 * profile should replace it with factors measured on its own hardware and models.
 */
export const DEFAULT_SLOWDOWNS: readonly number[] = [1, 1.35, 1.8, 2.3, 2.8];

/**
 * The coarse approach: solo execution time times a fixed factor chosen only by how
 * many requests share the GPU when it starts, whatever they are. Transfers are
 * uncontended (as solo). Params: `slowdowns`, factor by co-runner count (index 0 =
 * alone), the last repeated for larger counts.
 */
export class StaticPredictor implements Predictor {
  readonly name = 'static';
  readonly slowdowns: readonly number[];
  private readonly solo: SoloEstimates;
  private readonly out = new PredictionBuffer();
  /** Queued work ahead runs on a full GPU (one object for every call, not one per prediction). */
  private readonly queuedOnFullGpu: SlotCosts = {
    queuedMs: (queued, g) =>
      this.solo.transferInMs(queued, g.index) + this.solo.transferOutMs(queued, g.index) + this.slowdown(g.spec.maxConcurrency - 1) * this.solo.executionMs(queued),
  };

  constructor(setup: PredictorSetup) {
    this.solo = new SoloEstimates(setup.cluster);
    this.slowdowns = new Params('predictorParams.static', setup.params).numberList('slowdowns', DEFAULT_SLOWDOWNS, { above: 0 });
  }

  /** The factor for this many co-runners. */
  slowdown(coRunners: number): number {
    const s = this.slowdowns;
    return s[Math.min(coRunners, s.length - 1)];
  }

  /**
   * Co-runners it will have when it starts: those holding a slot now, or, when it
   * must wait for one, a full GPU (every other slot taken).
   */
  coRunners(request: Request, gpu: GpuView): number {
    const startsNow = gpu.freeSlots > 0 && gpu.queuedCount === 0;
    if (!startsNow) return gpu.spec.maxConcurrency - 1;
    let n = 0;
    for (const r of gpu.running) if (r !== request) n++;
    return n;
  }

  predict(request: Request, gpu: GpuView, context: PredictionContext): Prediction {
    const transferMs = this.solo.transferInMs(request, gpu.index) + this.solo.transferOutMs(request, gpu.index);
    const executionMs = this.solo.executionMs(request) * this.slowdown(this.coRunners(request, gpu));
    const start = this.solo.slotFreeAt(gpu, context.now, this.queuedOnFullGpu);
    const out = this.out;
    out.transferMs = transferMs;
    out.executionMs = executionMs;
    out.start = start;
    out.completion = start + transferMs + executionMs;
    return out;
  }

  /** GPUs with the same transfer estimates and slot count answer alike (Predictor.gpuClass). */
  gpuClass(gpu: number): number {
    return this.solo.gpuClass[gpu];
  }

  observe(): void {
    // Fixed factors: nothing to learn.
  }
}
