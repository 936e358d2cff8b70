/**
 * Where V8's optimized code boxes numbers, makes function contexts and calls the write
 * barrier, counted: `node --print-opt-code` lists the machine code of every function it
 * optimizes (addresses, pc offsets, and a table of pc offset to source position), and
 * callgrind counts how often each address ran (generatedCodeCosts). A site is found in
 * the listing and named by the bundle line its source position falls on. Used by
 * bench:instructions --sites.
 *
 * What the three are, and why they matter in strait's hot path:
 * - heap number: a double leaving a register for a tagged place (an argument of a call V8
 *   did not inline, a return value, an array of objects) is copied into a new 16-byte
 *   heap object. Each is an allocation, and more scavenges.
 * - context: a function whose variable a closure captures allocates a context on every
 *   call, even on calls that make no closure.
 * - write barrier: storing a young object (a request) into an old one (a long-lived
 *   array or model object) calls V8's barrier to remember the slot, about 50
 *   instructions.
 */
export type SiteKind = 'heap number' | 'context' | 'write barrier';

interface Instruction {
  readonly address: number;
  readonly offset: number;
  readonly text: string;
}

export interface CompiledFunction {
  readonly name: string;
  readonly instructions: readonly Instruction[];
  /** (pc offset, source position) pairs, ascending by offset. */
  readonly positions: readonly (readonly [number, number])[];
}

/** Splits a --print-opt-code listing into its optimized functions. */
export function readListing(text: string): CompiledFunction[] {
  const functions: { name: string; instructions: Instruction[]; positions: [number, number][] }[] = [];
  let current: (typeof functions)[number] | undefined;
  let inPositions = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('name = ')) {
      current = { name: line.slice('name = '.length).trim(), instructions: [], positions: [] };
      functions.push(current);
      inPositions = false;
      continue;
    }
    if (current === undefined) continue;
    if (line.startsWith('Source positions:')) {
      inPositions = true;
      continue;
    }
    if (inPositions) {
      const position = /^\s+([0-9a-f]+)\s+(\d+)\s*$/.exec(line);
      if (position !== null) {
        current.positions.push([parseInt(position[1], 16), Number(position[2])]);
        continue;
      }
      if (/^\s*pc offset/.test(line)) continue;
      inPositions = false;
    }
    const instruction = /^0x([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+(.*)$/.exec(line);
    if (instruction !== null) current.instructions.push({ address: parseInt(instruction[1], 16), offset: parseInt(instruction[2], 16), text: instruction[3] });
  }
  for (const f of functions) f.positions.sort((a, b) => a[0] - b[0]);
  return functions;
}

/** One site, with how often its code ran in the counted run. */
export interface Site {
  readonly kind: SiteKind;
  readonly fn: string;
  /** Source position (characters into the script) of the code the site belongs to, or -1. */
  readonly position: number;
  readonly count: number;
}

const ALLOCATION_TOP_LOAD = /^REX\.W movq r\w+,\[r13[^\]]*\] \(external value \(Heap::NewSpaceAllocationTopAddress\(\)\)\)/;
const BARRIER_CALL = /^call .*\(RecordWrite\w*\)/;
const JUMP_TARGET = /^j\w+ 0x[0-9a-f]+\s+<\+0x([0-9a-f]+)>/;
/** How far after the allocation-top load the new object's map and value are stored. */
const MAP_STORE_WINDOW = 12;
/** The bump of the allocation top right after its load: `leaq rX,[rY+SIZE]`. */
const ALLOCATION_SIZE = /^REX\.W leaq r\w+,\[r\w+\+0x([0-9a-f]+)\]/;
/** A double stored at a heap number's value (offset 8, tagged pointer minus 1). */
const HEAP_NUMBER_VALUE_STORE = /^vmovsd \[r\w+\+0x7\],xmm/;

/** The source position in force at pc `offset`: the last table entry at or before it. */
function positionAt(f: CompiledFunction, offset: number): number {
  let found = -1;
  for (const [pc, position] of f.positions) {
    if (pc > offset) break;
    found = position;
  }
  return found;
}

/**
 * The pc offset whose source position names a barrier call at instruction `i`. The
 * call sits in deferred code at the function's end, whose own position is whatever
 * came last; the store it belongs to is where the jump into that block is.
 */
function barrierOrigin(f: CompiledFunction, i: number, targets: ReadonlyMap<number, number>): number {
  for (let k = i; k >= 0; k--) {
    const from = targets.get(f.instructions[k].offset);
    if (from !== undefined) return from;
  }
  return f.instructions[i].offset;
}

/** Every site of the listing's functions, counted by `costs` (executions per address). */
export function sitesOf(functions: readonly CompiledFunction[], costs: ReadonlyMap<number, number>): Site[] {
  const sites: Site[] = [];
  for (const f of functions) {
    const targets = new Map<number, number>(); // jump target offset -> offset of the first jump there
    for (const ins of f.instructions) {
      const jump = JUMP_TARGET.exec(ins.text);
      if (jump !== null && !targets.has(parseInt(jump[1], 16))) targets.set(parseInt(jump[1], 16), ins.offset);
    }
    f.instructions.forEach((ins, i) => {
      const count = costs.get(ins.address) ?? 0;
      if (count === 0) return;
      if (BARRIER_CALL.test(ins.text)) {
        sites.push({ kind: 'write barrier', fn: f.name, position: positionAt(f, barrierOrigin(f, i, targets)), count });
        return;
      }
      if (!ALLOCATION_TOP_LOAD.test(ins.text)) return;
      const window = f.instructions.slice(i + 1, i + 1 + MAP_STORE_WINDOW).map((w) => w.text);
      // A heap number stores its map in the window, or (the map loaded ahead, in a
      // register) is 16 bytes with a double stored at its value.
      const size = ALLOCATION_SIZE.exec(window[0] ?? '');
      const boxesDouble = size !== null && parseInt(size[1], 16) === 16 && window.some((t) => HEAP_NUMBER_VALUE_STORE.test(t));
      const kind: SiteKind | undefined =
        window.some((t) => t.includes('(root (heap_number_map))')) || boxesDouble
          ? 'heap number'
          : window.some((t) => t.includes('FUNCTION_CONTEXT_TYPE'))
            ? 'context'
            : undefined;
      if (kind !== undefined) sites.push({ kind, fn: f.name, position: positionAt(f, ins.offset), count });
    });
  }
  return sites;
}

/** Sites summed by kind, function and `lineOf(position)`: the key a run's sites are compared by. */
export function sitesByLine(sites: readonly Site[], lineOf: (position: number) => string): Map<string, number> {
  const byLine = new Map<string, number>();
  for (const s of sites) {
    const key = `${s.kind}\t${s.fn}\t${lineOf(s.position)}`;
    byLine.set(key, (byLine.get(key) ?? 0) + s.count);
  }
  return byLine;
}

/** `position -> "L<line>: <the line's start>"` in `source` (one script: the bundle). */
export function lineNamer(source: string): (position: number) => string {
  const starts = [0];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return (position) => {
    if (position < 0 || position > source.length) return '(no position)';
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= position) lo = mid;
      else hi = mid - 1;
    }
    const end = source.indexOf('\n', position);
    const text = source.slice(position, end < 0 ? undefined : Math.min(end, position + 60)).trim();
    return `L${lo + 1}: ${text}`;
  };
}
