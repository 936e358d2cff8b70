import type { Ms } from './core/units.ts';
import { onePhase } from './gpu/gpu-executor.ts';
import type { Request } from './model/request.ts';
import { transition } from './model/request-state.ts';
import type { PreemptMode } from './policy/policy.ts';
import type { RequestLife } from './request-life.ts';

/** What a GPU runs while paying a preemption's cost: no request's work. */
export class PreemptionStall {}

/** The stall's phase: full compute and memory demand; its solo time is the scale (the cost). */
const STALL = onePhase(1, 1, 1, 1);

/**
 * Stops a running request (the applier has checked that it runs). Returns true when
 * it is waiting again now (kill); false when it will be suspended at its next phase
 * boundary, or is already on its way out (its output transfer), where stopping it
 * would gain nothing.
 */
export function preemptRunning(life: RequestLife, request: Request, mode: PreemptMode, costMs: Ms): boolean {
  const state = request.state as 'transfer-in' | 'executing' | 'transfer-out';
  const gpu = life.gpus[request.gpu];
  if (costMs > 0) life.executors[gpu.index].startPhase(new PreemptionStall(), STALL, 0, costMs);
  if (mode === 'phase-boundary') {
    if (state !== 'transfer-out') request.suspendAtBoundary = true;
    return false;
  }
  const host = gpu.spec.host;
  if (state === 'transfer-in') life.h2d[host].abort(request);
  else if (state === 'executing') life.executors[request.gpu].abort(request);
  else life.d2h[host].abort(request);
  gpu.removeRunning(request);
  request.preemptions++;
  transition(request, state, 'waiting');
  request.gpu = -1;
  request.forgetProgress();
  life.waiting.add(request);
  life.applier.startQueued(gpu);
  return true;
}

/** A phase-boundary preemption takes effect: the request leaves its slot, keeping its progress. */
export function suspend(life: RequestLife, request: Request): void {
  const gpu = life.gpus[request.gpu];
  gpu.removeRunning(request);
  request.preemptions++;
  request.suspendAtBoundary = false;
  request.resumeGpu = gpu.index;
  transition(request, 'executing', 'waiting');
  request.gpu = -1;
  life.waiting.add(request);
  life.applier.startQueued(gpu);
  life.applier.notifyPreempted(request);
}
