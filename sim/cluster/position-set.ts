/**
 * A set of positions 0..size-1 as a bitset with a summary bit per word above it, level
 * over level up to one word: adding, removing and finding the lowest member at or
 * after a position each cost O(log32 size) (two or three word reads for thousands of
 * GPUs), where a flat bitset's search costs a word per 32 positions.
 *
 * The bottom level is also held in a field of its own, and each operation starts there
 * and climbs only when the word it changed emptied or stopped being empty: up to 32
 * positions (a cluster of 32 GPUs or fewer) that word is the whole set, and add and
 * delete touch no array of levels (with the queue policy's model lookup, 1% of an M/M/8
 * request's instructions; RESULTS.md, "Saturated fills skipped").
 */
export class PositionSet {
  /** levels[0] holds a bit per position; each level above, a bit per non-empty word below. */
  private readonly levels: Uint32Array[] = [];
  /** levels[0]. */
  private readonly bits: Uint32Array;
  /** The top level: one word (none for a set of no positions). */
  private readonly top: Uint32Array;

  constructor(size: number) {
    let words = size;
    do {
      words = (words + 31) >>> 5;
      this.levels.push(new Uint32Array(words));
    } while (words > 1);
    this.bits = this.levels[0];
    this.top = this.levels[this.levels.length - 1];
  }

  add(position: number): void {
    const w = position >>> 5;
    const before = this.bits[w];
    this.bits[w] = before | (1 << (position & 31));
    // Unless the word was empty, the levels above already say it is not.
    if (before === 0 && this.levels.length > 1) this.addAbove(w);
  }

  private addAbove(word: number): void {
    const levels = this.levels;
    let i = word;
    for (let l = 1; l < levels.length; l++) {
      const level = levels[l];
      const w = i >>> 5;
      const before = level[w];
      level[w] = before | (1 << (i & 31));
      if (before !== 0) return;
      i = w;
    }
  }

  delete(position: number): void {
    const w = position >>> 5;
    const after = this.bits[w] & ~(1 << (position & 31));
    this.bits[w] = after;
    if (after === 0 && this.levels.length > 1) this.deleteAbove(w);
  }

  private deleteAbove(word: number): void {
    const levels = this.levels;
    let i = word;
    for (let l = 1; l < levels.length; l++) {
      const level = levels[l];
      const w = i >>> 5;
      const after = level[w] & ~(1 << (i & 31));
      level[w] = after;
      if (after !== 0) return;
      i = w;
    }
  }

  /** Whether the set has no member (its top level is one word). */
  isEmpty(): boolean {
    return this.top.length === 0 || this.top[0] === 0;
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
