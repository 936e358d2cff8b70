import type { Policy, PolicyParams } from './policy.ts';
import { QueuePolicy, edfOrder, fifoOrder, priorityOrder } from './queue-policy.ts';

export interface PolicyEntry {
  readonly description: string;
  /** Parameter names it accepts (anything else in the scenario is an error). */
  readonly params: readonly string[];
  create(params: PolicyParams): Policy;
}

/** Policies by name: an explicit map, so what exists is visible in one place. */
export const POLICIES: ReadonlyMap<string, PolicyEntry> = new Map<string, PolicyEntry>([
  ['fifo', { description: 'first come, first served; work-conserving', params: [], create: () => new QueuePolicy('fifo', fifoOrder) }],
  ['edf', { description: 'earliest deadline first; work-conserving', params: [], create: () => new QueuePolicy('edf', edfOrder) }],
  [
    'priority',
    {
      description: 'static priority: high before low, FIFO within a class, no preemption',
      params: [],
      create: () => new QueuePolicy('priority', priorityOrder),
    },
  ],
]);
