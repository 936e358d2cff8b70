import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runBenchScript } from './bench-script.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

const hasValgrind = spawnSync('valgrind', ['--version']).status === 0;

// The counts themselves are machine facts, not asserted here; only that the script runs
// end to end and prints its lines (a short run: the slope is not meaningful at this size).
describe.skipIf(!hasValgrind)('bench:instructions', () => {
  it(
    'counts the floor under valgrind and prints instructions per request',
    () => {
      const run = runBenchScript('bench-instructions.ts', ['--requests', '3000', '--variants', 'floor']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^M\/M\/8: instructions per request \(valgrind, slope between 1,000 and 3,000 requests, after a warm-up of 20,000\)$/);
      expect(lines[1]).toMatch(/^floor: \d+$/);
    },
    CHILD_LIMIT_MS,
  );
});

describe('bench:instructions without valgrind', () => {
  it(
    'says it needs valgrind, exit 2',
    () => {
      const run = runBenchScript('bench-instructions.ts', [], { ...process.env, PATH: '/nonexistent' });
      expect(run.status).toBe(2);
      expect(run.stderr.trim()).toBe('bench:instructions: needs valgrind on PATH (Debian: apt-get install valgrind), found none');
    },
    CHILD_LIMIT_MS,
  );
});
