import { onePhase } from './gpu/gpu-executor.ts';

/** What a GPU runs while paying a preemption's cost: no request's work. */
export class PreemptionStall {}

/** The stall's phase: full compute and memory demand; its solo time is the scale (the cost). */
export const STALL = onePhase(1, 1, 1, 1);
