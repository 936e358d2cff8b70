import { ClockworkPolicy, CLOCKWORK_DEFAULTS } from './clockwork.ts';
import { Params } from '../core/params.ts';
import type { Policy, PolicyParams } from './policy.ts';
import { PreemptPolicy, PREEMPT_DEFAULTS } from './preempt.ts';
import { QUEUE_POLICY_DEFAULTS, QueuePolicy, edfOrder, fifoOrder, priorityOrder, type ServiceOrder } from './queue-policy.ts';
import { StraitPolicy, STRAIT_DEFAULTS } from './strait.ts';

export interface PolicyEntry {
  readonly description: string;
  /** Parameter names it accepts (anything else in the scenario is an error). */
  readonly params: readonly string[];
  /** Builds the policy; a bad parameter value is an InputError naming policy.params.<name>. */
  create(params: PolicyParams): Policy;
}

/** An entry whose create first checks the parameter names against its list. */
function entry(description: string, params: readonly string[], create: (params: Params) => Policy): PolicyEntry {
  return {
    description,
    params,
    create(values) {
      return create(new Params('policy.params', values).checkNames(params));
    },
  };
}

/** A work-conserving queue policy, with the optional low-priority reserve. */
function queueEntry(name: string, description: string, order: ServiceOrder): PolicyEntry {
  return entry(
    `${description}. reserveSlots: slots per GPU kept free of low work, as strait's reserve (${QUEUE_POLICY_DEFAULTS.reserveSlots}: none)`,
    ['reserveSlots'],
    (p) => new QueuePolicy(name, order, { reserveSlots: p.number('reserveSlots', QUEUE_POLICY_DEFAULTS.reserveSlots, { min: 0, integer: true }) }),
  );
}

/** Policies by name: an explicit map, so what exists is visible in one place. */
export const POLICIES: ReadonlyMap<string, PolicyEntry> = new Map<string, PolicyEntry>([
  ['fifo', queueEntry('fifo', 'first come, first served; work-conserving', fifoOrder)],
  ['edf', queueEntry('edf', 'earliest deadline first; work-conserving', edfOrder)],
  ['priority', queueEntry('priority', 'static priority: high before low, FIFO within a class, no preemption', priorityOrder)],
  [
    'clockwork',
    entry(
      'Clockwork-like predict-and-reject: one request at a time per GPU, per-GPU FIFO queues, each arrival queued on the GPU ' +
        'with the earliest predicted completion or rejected if that misses its deadline. ' +
        `dropLate: drop a request whose predicted completion misses its deadline when its turn comes (${CLOCKWORK_DEFAULTS.dropLate})`,
      ['dropLate'],
      (p) => new ClockworkPolicy({ dropLate: p.boolean('dropLate', CLOCKWORK_DEFAULTS.dropLate) }),
    ),
  ],
  [
    'preempt',
    entry(
      'REEF-like preemption: priority order, and a high arrival with no free slot preempts the most recently started ' +
        `low request on a GPU hosting its model. mode: "kill" (restart, progress lost) or "phase-boundary" (suspend at the next ` +
        `phase end, resume on the same GPU) ("${PREEMPT_DEFAULTS.mode}"); costMs: GPU stall per preemption (${PREEMPT_DEFAULTS.costMs}); ` +
        'maxPreemptionsPerRequest: a low request preempted this often is left to finish (no limit)',
      ['mode', 'costMs', 'maxPreemptionsPerRequest'],
      (p) =>
        new PreemptPolicy({
          mode: p.oneOf('mode', ['kill', 'phase-boundary'] as const, PREEMPT_DEFAULTS.mode),
          costMs: p.number('costMs', PREEMPT_DEFAULTS.costMs, { min: 0 }),
          maxPreemptionsPerRequest: p.number('maxPreemptionsPerRequest', PREEMPT_DEFAULTS.maxPreemptionsPerRequest, {
            min: 0,
            integer: true,
          }),
        }),
    ),
  ],
  [
    'strait',
    entry(
      'priority- and interference-aware, driven by the scenario predictor: high requests at once to the GPU with the earliest ' +
        'predicted completion; low requests (EDF) only where no running high request is predicted to miss its deadline because of ' +
        `them. lateAction: "drop" or "defer" a request predicted to miss anyway ("${STRAIT_DEFAULTS.lateAction}"); reserveSlots: ` +
        `slots per GPU kept free of low work (${STRAIT_DEFAULTS.reserveSlots}); marginMs: safety margin on high deadlines ` +
        `(${STRAIT_DEFAULTS.marginMs}); recheckMs: re-examine held-back work this often, 0 = only on events (${STRAIT_DEFAULTS.recheckMs})`,
      ['lateAction', 'reserveSlots', 'marginMs', 'recheckMs'],
      (p) =>
        new StraitPolicy({
          lateAction: p.oneOf('lateAction', ['drop', 'defer'] as const, STRAIT_DEFAULTS.lateAction),
          reserveSlots: p.number('reserveSlots', STRAIT_DEFAULTS.reserveSlots, { min: 0, integer: true }),
          marginMs: p.number('marginMs', STRAIT_DEFAULTS.marginMs, { min: 0 }),
          recheckMs: p.number('recheckMs', STRAIT_DEFAULTS.recheckMs, { min: 0 }),
        }),
    ),
  ],
]);
