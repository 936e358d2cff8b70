import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBenchScript } from './bench-script.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const RATIO_LINE = /^this\/base cost per event \d+\.\d{3} \(min \d+\.\d{3}, max \d+\.\d{3}\)/;

function benchAb(args: string[]) {
  return runBenchScript('bench-ab.ts', args);
}

// Formats and failures only: what bench:ab measures is speed, which no test here asserts on.
describe('bench:ab', () => {
  it(
    'compares a checkout with itself (two bundled copies) and ends with the ratio line',
    () => {
      const run = benchAb(['--base', '.', '--requests', '2000', '--pairs', '2']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines.filter((line) => line.startsWith('pair '))).toHaveLength(2);
      expect(lines.at(-1)).toMatch(RATIO_LINE);
      // The bundles are removed once loaded.
      expect(existsSync(join(root, 'dist', `bench-ab-${run.pid}`))).toBe(false);
    },
    CHILD_LIMIT_MS,
  );

  it(
    '--processes N runs the comparison in N processes and ends with the median of theirs',
    () => {
      const run = benchAb(['--base', '.', '--requests', '2000', '--pairs', '1', '--processes', '2']);
      expect(run.status).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines.filter((line) => /^process [12]: this\/base cost per event /.test(line))).toHaveLength(2);
      expect(lines.at(-1)).toMatch(RATIO_LINE);
      expect(lines.at(-1)).toMatch(/ over 2 processes$/);
    },
    CHILD_LIMIT_MS,
  );

  it(
    'says in one line, exit 2, when --base is not a strait checkout',
    () => {
      const run = benchAb(['--base', 'sim', '--requests', '2000', '--pairs', '1']);
      expect(run.status).toBe(2);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^bench:ab: --base .*sim: expected a strait checkout with scenarios\/run-scenario\.ts/)]);
    },
    CHILD_LIMIT_MS,
  );
});
