import type { GpuView } from '../cluster/gpu-state.ts';
import type { Request } from '../model/request.ts';
import { PredictionBuffer, type Prediction, type PredictionContext, type Predictor, type PredictorSetup } from './predictor.ts';
import { SoloEstimates } from './solo-estimates.ts';

/**
 * The profile-only predictor: solo execution time and uncontended transfers, no
 * interference from co-runners. The baseline every better predictor must beat.
 */
export class SoloPredictor implements Predictor {
  readonly name = 'solo';
  private readonly solo: SoloEstimates;
  private readonly out = new PredictionBuffer();

  constructor(setup: PredictorSetup) {
    this.solo = new SoloEstimates(setup.cluster);
  }

  predict(request: Request, gpu: GpuView, context: PredictionContext): Prediction {
    const transferMs = this.solo.transferInMs(request, gpu.index) + this.solo.transferOutMs(request, gpu.index);
    const executionMs = this.solo.executionMs(request);
    const start = this.solo.slotFreeAt(gpu, context.now);
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
    // Profile only: nothing to learn.
  }
}
