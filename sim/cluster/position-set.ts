/**
 * A set of positions 0..size-1 as a bitset with a summary bit per word above it, level
 * over level up to one word: adding, removing and finding the lowest member at or
 * after a position each cost O(log32 size) (two or three word reads for thousands of
 * GPUs), where a flat bitset's search costs a word per 32 positions.
 */
export class PositionSet {
  /** levels[0] holds a bit per position; each level above, a bit per non-empty word below. */
  private readonly levels: Uint32Array[] = [];

  constructor(size: number) {
    let words = size;
    do {
      words = (words + 31) >>> 5;
      this.levels.push(new Uint32Array(words));
    } while (words > 1);
  }

  add(position: number): void {
    let i = position;
    for (const level of this.levels) {
      const w = i >>> 5;
      const before = level[w];
      level[w] = before | (1 << (i & 31));
      if (before !== 0) return; // the levels above already say this word is non-empty
      i = w;
    }
  }

  delete(position: number): void {
    let i = position;
    for (const level of this.levels) {
      const w = i >>> 5;
      const after = level[w] & ~(1 << (i & 31));
      level[w] = after;
      if (after !== 0) return;
      i = w;
    }
  }

  /** Whether the set has no member (its top level is one word). */
  isEmpty(): boolean {
    const top = this.levels[this.levels.length - 1];
    return top.length === 0 || top[0] === 0;
  }

  /** The lowest member at or after `from`, or -1. */
  next(from = 0): number {
    const levels = this.levels;
    let l = 0;
    let i = from;
    // Climb until a word holds a member at or after i.
    for (;;) {
      if (l === levels.length) return -1;
      const w = i >>> 5;
      if (w >= levels[l].length) return -1;
      const word = levels[l][w] & (~0 << (i & 31));
      if (word !== 0) {
        i = (w << 5) | lowestBit(word);
        break;
      }
      i = w + 1;
      l++;
    }
    // Descend along the lowest members.
    while (l > 0) {
      l--;
      i = (i << 5) | lowestBit(levels[l][i]);
    }
    return i;
  }
}

function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}
