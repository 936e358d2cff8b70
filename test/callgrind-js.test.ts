import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPerfMap, selfCosts } from '../scripts/callgrind-js.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'strait-callgrind-js-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Generated code at 0x1000-0x10ff (settle, optimized) and 0x1100-0x11ff (add, two
// tiers of one function); native code in node named by callgrind.
const PERF_MAP = [
  '1000 100 JS:*settle file:///repo/dist/head.mjs:478:9',
  '1100 80 JS:~add file:///repo/dist/head.mjs:514:6',
  '1180 80 JS:*add file:///repo/dist/head.mjs:514:6',
].join('\n');

const CALLGRIND = [
  '# callgrind format',
  'positions: instr line',
  'events: Ir',
  'ob=(1) ???',
  'fn=(1) 0x0000000000001000',
  '0x1000 0 5',
  '+4 0 7', // 0x1004: settle
  'cob=(2) /usr/bin/node',
  'cfn=(2) Builtins_RecordWriteSaveFP',
  'calls=3 0x9000',
  '+2 0 900', // 0x1006: inclusive cost of the calls, not settle's own
  '-6 0 1', // 0x1000 again
  'fn=(3) 0x0000000000001100',
  '0x1100 0 10', // add, interpreted
  '0x1190 0 20', // add, optimized: the same name
  '0x2000 0 4', // generated code outside the map
  'ob=(2)',
  'fn=(2)',
  '0x9000 0 300',
  '+1 0 600',
].join('\n');

describe('callgrind-js', () => {
  it('names generated code from the perf map and native code from callgrind, self cost only', () => {
    writeFileSync(path.join(dir, 'perf.map'), PERF_MAP);
    writeFileSync(path.join(dir, 'callgrind.out'), CALLGRIND);
    const self = selfCosts(path.join(dir, 'callgrind.out'), readPerfMap(path.join(dir, 'perf.map')), ['Ir']);
    expect(Object.fromEntries(self)).toEqual({
      'settle head.mjs:478': [13],
      'add head.mjs:514': [30],
      '(generated code, unnamed)': [4],
      'Builtins_RecordWriteSaveFP [node]': [900],
    });
  });

  it('sums the events asked for, by name, with trailing zero costs left out', () => {
    writeFileSync(path.join(dir, 'perf.map'), PERF_MAP);
    const file = path.join(dir, 'callgrind-cache.out');
    writeFileSync(
      file,
      [
        'positions: instr line',
        'events: Ir Dr Dw D1mr D1mw DLmr DLmw',
        'ob=(1) ???',
        'fn=(1) 0x0000000000001000',
        '0x1000 0 5 2 1 1 0 1', // settle: misses in L1 (read) and last level (read)
        '+4 0 7', // settle: instructions only, the rest left out
        '0x1190 0 20 4 4 0 3 0 3', // add: write misses
      ].join('\n'),
    );
    const self = selfCosts(file, readPerfMap(path.join(dir, 'perf.map')), ['Ir', 'D1mr', 'D1mw', 'DLmr', 'DLmw']);
    expect(Object.fromEntries(self)).toEqual({
      'settle head.mjs:478': [12, 1, 0, 1, 0],
      'add head.mjs:514': [20, 0, 3, 0, 3],
    });
    expect(() => selfCosts(path.join(dir, 'callgrind.out'), [], ['Ir', 'D1mr'])).toThrow(/expected event D1mr among the counted events \(Ir\)/);
  });
});
