import { describe, expect, it } from 'vitest';
import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import { mmcCluster, straitMmc } from '../scripts/bench-mmc.ts';
import { DirectPriorityPolicy } from '../scripts/direct-priority-policy.ts';

/** Every record column of a recorder, by name, as plain arrays. */
function columns(recorder: RunRecorder): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, value] of Object.entries(recorder.records)) {
    if (typeof value === 'object' && value !== null && 'view' in value) out[name] = Array.from((value as { view(): ArrayLike<number> }).view());
  }
  return out;
}

describe('bench:layers direct policy', () => {
  // bench:layers prices the queue-policy machinery as `priority` less DirectPriorityPolicy:
  // a fair price only if both make the same decisions, so every record must agree.
  it.each([1, 4, 16])('makes the priority policy decisions on M/M/%i (every record column equal)', (gpus) => {
    const requests = 20_000;
    const viaPriority = new RunRecorder(mmcCluster(gpus), { expectedRequests: requests });
    const viaDirect = new RunRecorder(mmcCluster(gpus), { expectedRequests: requests });
    const a = straitMmc({ requests, gpus, seed: 3, sink: viaPriority });
    const b = straitMmc({ requests, gpus, seed: 3, sink: viaDirect, policy: new DirectPriorityPolicy(gpus) });
    expect(b.events).toBe(a.events);
    const expected = columns(viaPriority);
    expect(Object.keys(expected).length).toBe(21);
    expect(expected.id.length).toBe(requests);
    // Queues formed (else the policies' queue paths were never compared).
    const waited = expected.dispatched.filter((t, i) => t > expected.arrival[i]).length;
    expect(waited).toBeGreaterThan(requests / 20);
    expect(columns(viaDirect)).toEqual(expected);
  });
});
