import { describe, expect, it } from 'vitest';
import { lineNamer, readListing, sitesByLine, sitesOf } from '../scripts/jit-sites.ts';

// A listing in node --print-opt-code's shape: one function with a heap-number
// allocation, a context allocation that is never run, and a store whose barrier call
// sits in deferred code at the end, reached by a jump from the store.
const LISTING = [
  '--- Optimized code ---',
  'optimization_id = 7',
  'source_position = 100',
  'kind = TURBOFAN',
  'name = onEvent',
  'Instructions (size = 200)',
  '0x1000     0  55                   push rbp',
  '0x1004     4  4c8b4840             REX.W movq r9,[r13+0x40] (external value (Heap::NewSpaceAllocationTopAddress()))',
  '0x1008     8  4c8d7910             REX.W leaq r15,[r9+0x10]',
  '0x100c     c  4c897b40             REX.W movq [r13+0x40] (external value (Heap::NewSpaceAllocationTopAddress())),r15',
  '0x1010    10  4d8b8538020000       REX.W movq r15,[r13+0x238] (root (heap_number_map))',
  '0x1018    18  4c8979ff             REX.W movq [rcx+0xf],r8',
  '0x101c    1c  0f8580000000         jnz 0x10a0  <+0xa0>',
  '0x1020    20  4c8b6040             REX.W movq r12,[r13+0x40] (external value (Heap::NewSpaceAllocationTopAddress()))',
  '0x1024    24  48b8                 REX.W movq rax,0x1fc070742261    ;; object: 0x1fc070742261 <Map(FUNCTION_CONTEXT_TYPE)>',
  '0x1030    30  c3                   retl',
  '0x10a0    a0  50                   push rax',
  '0x10a4    a4  e8000000             call 0x2000  (RecordWriteSaveFP)    ;; near builtin entry',
  '0x10a8    a8  e900000000           jmp 0x1020  <+0x20>',
  '',
  'Source positions:',
  ' pc offset  position',
  '         0       100',
  '         4       130',
  '        18       150',
  '        a0       170',
  '',
  'Inlined functions (count = 0)',
].join('\n');

// The bundle: positions 130, 150 and 170 fall on lines 2, 3 and 4; a site is named by its line and the text from its position on.
const SOURCE = `${'a'.repeat(119)}\n${'b'.repeat(19)}\n${'c'.repeat(19)}\n${'d'.repeat(19)}\n`;

describe('jit-sites', () => {
  it('reads the functions, their instructions and source positions', () => {
    const [f] = readListing(LISTING);
    expect(f.name).toBe('onEvent');
    expect(f.instructions).toHaveLength(13);
    expect(f.instructions[1]).toEqual({ address: 0x1004, offset: 4, text: expect.stringContaining('NewSpaceAllocationTopAddress') });
    expect(f.positions).toEqual([
      [0, 100],
      [4, 130],
      [0x18, 150],
      [0xa0, 170],
    ]);
  });

  it('finds what ran: a heap number where it is allocated, a barrier call at the store that jumps to it', () => {
    const costs = new Map([
      [0x1004, 30], // the allocation ran 30 times
      [0x10a4, 5], // the barrier call 5 times
      [0x1000, 99],
    ]);
    const sites = sitesOf(readListing(LISTING), costs);
    expect(sites).toEqual([
      { kind: 'heap number', fn: 'onEvent', position: 130, count: 30 },
      // The call's own position (170) is the deferred block's; the store's jump is at 0x1c (150).
      { kind: 'write barrier', fn: 'onEvent', position: 150, count: 5 },
    ]);
    const byLine = sitesByLine(sites, lineNamer(SOURCE));
    expect([...byLine]).toEqual([
      ['heap number\tonEvent\tL2: bbbbbbbbb', 30],
      ['write barrier\tonEvent\tL3: ccccccccc', 5],
    ]);
  });

  it('knows a heap number whose map was loaded ahead by its size and the double stored in it', () => {
    const hoisted = readListing(
      [
        'name = runBefore',
        '0x3000     0  4c8b4840             REX.W movq rax,[r13+0x238] (root (heap_number_map))',
        '0x3004     4  4c8b4840             REX.W movq r9,[r13+0x40] (external value (Heap::NewSpaceAllocationTopAddress()))',
        '0x3008     8  4c8d7910             REX.W leaq r15,[r9+0x10]',
        '0x300c     c  4c897b40             REX.W movq [r13+0x40] (external value (Heap::NewSpaceAllocationTopAddress())),r15',
        '0x3010    10  4c8979ff             REX.W movq [r9-0x1],rax',
        '0x3014    14  c5fb1141             vmovsd [r9+0x7],xmm0',
        '0x3018    18  4c8b4840             REX.W movq r9,[r13+0x40] (external value (Heap::NewSpaceAllocationTopAddress()))',
        '0x301c    1c  4c8d7920             REX.W leaq r15,[r9+0x20]',
        '0x3020    20  c5fb1141             vmovsd [r9+0x7],xmm0',
      ].join('\n'),
    );
    // The second is 32 bytes: some other object, not counted.
    expect(sitesOf(hoisted, new Map([[0x3004, 9], [0x3018, 4]]))).toEqual([{ kind: 'heap number', fn: 'runBefore', position: -1, count: 9 }]);
  });

  it('counts a context allocation that ran, and nothing for code that did not', () => {
    expect(sitesOf(readListing(LISTING), new Map([[0x1020, 2]]))).toEqual([{ kind: 'context', fn: 'onEvent', position: 150, count: 2 }]);
    expect(sitesOf(readListing(LISTING), new Map())).toEqual([]);
  });
});
