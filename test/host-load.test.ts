import { describe, expect, it } from 'vitest';
import { hostLoadWarning, parseLoadAverage, parseProcessStat, parseProcsRunning, summarizeHostLoad } from '../replay/host-load.ts';

const STAT_FIELDS_AFTER_NAME = (state: string, ppid: number, processor: number) => {
  // fields 3..52 of /proc/<pid>/stat; field 39 is the processor.
  const fields = Array.from({ length: 50 }, () => '0');
  fields[0] = state;
  fields[1] = String(ppid);
  fields[39 - 3] = String(processor);
  return fields.join(' ');
};

describe('host load from /proc', () => {
  it('reads the load average, procs_running and a process line whose name holds spaces and parentheses', () => {
    expect(parseLoadAverage('6.93 6.08 5.82 9/212 13060\n')).toBe(6.93);
    expect(parseProcsRunning('cpu  1 2 3\nprocs_running 10\nprocs_blocked 0\n')).toBe(10);
    const p = parseProcessStat(`9045 (stress-ng (cpu) x) ${STAT_FIELDS_AFTER_NAME('R', 9000, 1)}`);
    expect(p).toEqual({ pid: 9045, name: 'stress-ng (cpu) x', state: 'R', ppid: 9000, processor: 1 });
  });

  it('calls a device busy when others are runnable on its cores in most samples, and says who', () => {
    const hog = { loadAverage1m: 3.1, procsRunning: 4, othersRunnable: 1, others: ['stress-ng-cpu'] };
    const idle = { loadAverage1m: 0.2, procsRunning: 1, othersRunnable: 0, others: [] };
    const busy = summarizeHostLoad([1], [hog, hog, idle]);
    expect(busy).toMatchObject({ busy: true, othersRunnable: 0.67, others: ['stress-ng-cpu x2'] });
    expect(hostLoadWarning(busy, 2)).toMatch(/not idle: 0\.67 other runnable process\(es\) on core\(s\) 1 \(stress-ng-cpu x2\), load average 3\.10/);
    const quiet = summarizeHostLoad([1], [idle, idle, idle]);
    expect(quiet?.busy).toBe(false);
    expect(hostLoadWarning(quiet, 2)).toBeUndefined();
  });
});
