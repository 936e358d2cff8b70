/**
 * Self cost per function (instructions, and cache misses when simulated) from a callgrind
 * run of node, JavaScript included: callgrind (run with --dump-instr=yes) counts its
 * events per machine address, and node's --perf-basic-prof map (/tmp/perf-PID.map:
 * start, size and name of each piece of generated code) names the addresses that are
 * JavaScript. Native code is named by
 * callgrind itself (V8's builtins, the garbage collector, libc). Used by
 * bench:instructions --profile.
 */
import { readFileSync } from 'node:fs';
import { bug } from '../sim/core/errors.ts';

interface CodeRange {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

/** The ranges of a perf map, sorted by start. */
export function readPerfMap(file: string): CodeRange[] {
  const ranges: CodeRange[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (match === null) continue;
    const start = parseInt(match[1], 16);
    ranges.push({ start, end: start + parseInt(match[2], 16), name: shortName(match[3]) });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

/**
 * `JS:*settle file:///.../head.mjs:1210:9` -> `settle head.mjs:1210`: the tier marks
 * (*, ~, ^) dropped, so code of one function at two tiers adds up.
 */
function shortName(name: string): string {
  const js = /^JS:[*~^+]?(.*?) (?:file:\/\/)?\S*?([^/\s]+):(\d+):\d+$/.exec(name);
  if (js !== null) return `${js[1] === '' ? '(anonymous)' : js[1]} ${js[2]}:${js[3]}`;
  return name.replace(/^JS:[*~^+]?/, '');
}

function rangeOf(ranges: readonly CodeRange[], address: number): CodeRange | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid].start <= address) lo = mid + 1;
    else hi = mid - 1;
  }
  const r = ranges[hi];
  return r !== undefined && address < r.end ? r : undefined;
}

/** One line of self cost: the object and function callgrind names, the address, the costs of `events`. */
type CostVisitor = (object: string, fn: string, address: number, costs: number[]) => void;

/**
 * Walks a callgrind file's self costs (run with --dump-instr=yes), giving `visit` each
 * address's costs of `events` (callgrind's names: Ir for instructions; with
 * --cache-sim=yes also D1mr, D1mw, DLmr, DLmw for data misses). Callgrind's format
 * compresses names to `(id)` after their first use, writes addresses relative to the
 * previous one (`+N`, `-N`, `*`) and leaves trailing zero costs out; the line after
 * `calls=` is a call's inclusive cost, not self cost, and is skipped.
 */
function forEachSelfCost(callgrindFile: string, events: readonly string[], visit: CostVisitor): void {
  const names = new Map<string, string>();
  const resolve = (kind: string, text: string): string => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(text);
    if (match === null) return text;
    const key = `${kind}${match[1]}`;
    if (match[2] !== undefined) names.set(key, match[2]);
    return names.get(key) ?? text;
  };
  let columns: number[] | undefined;
  let positions = 1;
  let object = '';
  let fn = '';
  let address = 0;
  let skipCallCost = false;
  for (const line of readFileSync(callgrindFile, 'utf8').split('\n')) {
    if (line.startsWith('positions:')) positions = line.slice('positions:'.length).trim().split(/\s+/).length;
    if (line.startsWith('events:')) {
      const present = line.slice('events:'.length).trim().split(/\s+/);
      columns = events.map((event) => {
        const k = present.indexOf(event);
        if (k < 0) bug(`${callgrindFile}: expected event ${event} among the counted events (${present.join(' ')}), got none`);
        return k;
      });
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && /^[a-z]+$/.test(line.slice(0, eq))) {
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1).trim();
      if (key === 'ob') object = resolve('ob', value);
      else if (key === 'fn') fn = resolve('fn', value);
      else if (key === 'cob') resolve('ob', value);
      else if (key === 'cfn') resolve('fn', value);
      else if (key === 'fl' || key === 'fi' || key === 'fe' || key === 'cfi' || key === 'cfl') resolve('fl', value);
      else if (key === 'calls') skipCallCost = true;
      continue;
    }
    const first = line[0];
    if (first !== '0' && first !== '+' && first !== '-' && first !== '*') continue;
    const parts = line.split(' ');
    const token = parts[0];
    if (token.startsWith('0x')) address = parseInt(token, 16);
    else if (first === '+') address += Number(token.slice(1));
    else if (first === '-') address -= Number(token.slice(1));
    if (skipCallCost) {
      skipCallCost = false;
      continue;
    }
    if (columns === undefined) bug(`${callgrindFile}: expected an events: line before the first cost line`);
    const costs = columns.map((k) => Number(parts[positions + k] ?? 0) || 0);
    if (costs.some((c) => c > 0)) visit(object, fn, address, costs);
  }
}

/** Code callgrind cannot name (the object `???`): what V8 generated at run time. */
const isGenerated = (object: string) => object.includes('???');

/**
 * Self cost by function name, of each of `events` (see forEachSelfCost): generated code
 * named through the perf map `ranges`, native code by callgrind itself.
 */
export function selfCosts(callgrindFile: string, ranges: readonly CodeRange[], events: readonly string[]): Map<string, number[]> {
  const self = new Map<string, number[]>();
  forEachSelfCost(callgrindFile, events, (object, fn, address, costs) => {
    const js = isGenerated(object) ? rangeOf(ranges, address) : undefined;
    const name = js !== undefined ? js.name : isGenerated(object) ? '(generated code, unnamed)' : `${fn} [${object.split('/').at(-1)}]`;
    const sums = self.get(name);
    if (sums === undefined) self.set(name, costs);
    else for (let k = 0; k < costs.length; k++) sums[k] += costs[k];
  });
  return self;
}

/** One event's self cost at each address of generated code (for reading against V8's listing of the code it compiled). */
export function generatedCodeCosts(callgrindFile: string, event: string): Map<number, number> {
  const byAddress = new Map<number, number>();
  forEachSelfCost(callgrindFile, [event], (object, _fn, address, costs) => {
    if (isGenerated(object)) byAddress.set(address, (byAddress.get(address) ?? 0) + costs[0]);
  });
  return byAddress;
}
