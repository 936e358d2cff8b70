import { describe, expect, it } from 'vitest';
import { runBenchScript } from './bench-script.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

// Each stops at its option check, before any benchmark runs.
const CASES: [string, string[], RegExp][] = [
  ['bench-startup.ts', ['--runs', '0'], /^bench:startup: --runs must be a whole number of at least 1, got 0$/],
  ['bench-sweep.ts', ['--workers', '1'], /^bench:sweep: --workers must be a whole number of at least 2, got 1$/],
  ['bench-floor.ts', ['--pairs', 'x'], /^bench:floor: --pairs must be a whole number of at least 1, got x$/],
  ['bench-floor.ts', ['--bookkeeping', 'yes'], /^bench:floor: --bookkeeping must be true, false or both, got yes$/],
  ['bench-layers.ts', ['--gpus', '1.5'], /^bench:layers: --gpus must be a whole number of at least 1, got 1\.5$/],
  ['bench-ab.ts', ['--base', '.', '--processes', '0'], /^bench:ab: --processes must be a whole number of at least 1, got 0$/],
  ['bench-instructions.ts', ['--gpus', '0'], /^bench:instructions: --gpus must be a whole number of at least 1, got 0$/],
  ['bench-instructions.ts', ['--requests', '2'], /^bench:instructions: --requests must be at least 3 \(the short run is a third of it\), got 2$/],
  ['bench-instructions.ts', ['--warm-ups', '1,x'], /^bench:instructions: --warm-ups takes whole numbers of requests separated by commas, got 1,x$/],
  ['bench-instructions.ts', ['--profile', 'x'], /^bench:instructions: --profile must be a whole number of at least 0, got x$/],
  ['bench-instructions.ts', ['--cache', 'maybe'], /^bench:instructions: --cache must be true or false, got maybe$/],
  ['bench-alloc-cost.ts', ['--objects-per-request', '0'], /^bench:alloc-cost: --objects-per-request must be a whole number of at least 1, got 0$/],
  ['bench-instructions.ts', ['--variants', 'floor,fast'], /^bench:instructions: --variants: expected names from floor, strait, core, mix, got fast$/],
  ['bench-instructions.ts', ['--mix-policy', 'lifo'], /^bench:instructions: --mix-policy: expected one of fifo, .*, got lifo$/],
];

describe('bench scripts', () => {
  it.each(CASES)(
    '%s %j: one line naming the option, exit 2, no stack trace',
    (script, args, message) => {
      const run = runBenchScript(script, args);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    },
    CHILD_LIMIT_MS,
  );
});

describe('bench:alloc-cost', () => {
  it('runs the mix with and without garbage and ends on the ratio line (a run, not a timing test)', () => {
    const run = runBenchScript('bench-alloc-cost.ts', ['--requests', '2000', '--pairs', '2']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('bench mix: 2,000 requests, 3 extra objects per request (about 1320 bytes), 2 alternated pairs');
    expect(lines.filter((line) => /^pair \d: plain \d+ ms, with garbage \d+ ms, ratio \d+\.\d{3}$/.test(line))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^with\/without garbage \d+\.\d{3} \(min \d+\.\d{3}, max \d+\.\d{3}\)$/);
  }, CHILD_LIMIT_MS);
});

describe('bench:floor', () => {
  it('with --bookkeeping both runs both floors and strait each round and ends on the bare floor ratio line (a run, not a timing test)', () => {
    const run = runBenchScript('bench-floor.ts', ['--requests', '3000', '--pairs', '3', '--bookkeeping', 'both']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('model mmc: 3,000 requests, 8 GPUs, 3 alternated rounds, against the bare floor and the floor keeping records and summary');
    const round = /^round \d: floor [\d,]+ events\/s \(2\.00 per request\), bookkeeping floor [\d,]+ events\/s \(2\.00 per request\), strait [\d,]+ events\/s \(2\.00 per request\), ratio \/floor \d+\.\d{3}, \/bookkeeping floor \d+\.\d{3}$/;
    expect(lines.filter((line) => round.test(line))).toHaveLength(3);
    expect(lines.at(-2)).toMatch(/^strait\/bookkeeping-floor ratio \d+\.\d{3} \(min \d+\.\d{3}, max \d+\.\d{3}\)$/);
    expect(lines.at(-1)).toMatch(/^strait\/floor ratio \d+\.\d{3} \(min \d+\.\d{3}, max \d+\.\d{3}\)$/);
  }, CHILD_LIMIT_MS);
});
