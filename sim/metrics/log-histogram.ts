/** LogHistogram.ZERO as a number the compiler sees (a static is a property load per value). */
const enum Bound {
  Zero = 1e-12,
}

/**
 * A histogram with logarithmic buckets (as in DDSketch): any quantile of the values
 * added comes back within `relativeAccuracy` of a true sample value, in memory that
 * grows with the range of values (a few thousand buckets), not with their count.
 * Deterministic: the same values in any order give the same answers.
 */
export class LogHistogram {
  private readonly gamma: number;
  private readonly logGamma: number;
  /**
   * Counts of buckets `offset` to `offset + span - 1`, in a typed array with room to
   * grow: the per-value path is a range check and an increment (a JavaScript array
   * grown to each new bucket cost about 120 instructions per value besides the log).
   */
  private counts = new Float64Array(64);
  private offset = 0;
  private span = 0;
  private zeros = 0;
  count = 0;

  /** Values at or below this count as zero. */
  static readonly ZERO: number = Bound.Zero;

  constructor(relativeAccuracy = 0.005) {
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
  }

  add(value: number): void {
    if (this.place(value)) this.count++;
  }

  /** Adds the first n values (a batch: one call, no number passed on its own). */
  addAll(values: Float64Array, n: number): void {
    let placed = 0;
    for (let i = 0; i < n; i++) if (this.place(values[i])) placed++;
    this.count += placed;
  }

  /** Counts one value in its bucket (or among the zeros); false for a value it cannot place. */
  private place(value: number): boolean {
    if (!(value >= 0) || value === Infinity) return false;
    if (value <= Bound.Zero) {
      this.zeros++;
      return true;
    }
    const slot = Math.ceil(Math.log(value) / this.logGamma) - this.offset;
    if (slot >= 0 && slot < this.span) this.counts[slot]++;
    else this.addOutside(slot + this.offset);
    return true;
  }

  /** Counts a value of bucket `index`, outside the buckets in use: the range widens to take it. */
  private addOutside(index: number): void {
    if (this.span === 0) {
      this.offset = index;
      this.span = 1;
      this.counts[0] = 1;
      return;
    }
    const low = Math.min(index, this.offset);
    const span = Math.max(index, this.offset + this.span - 1) - low + 1;
    if (span > this.counts.length || low < this.offset) {
      const counts = new Float64Array(span > this.counts.length ? Math.max(span, 2 * this.counts.length) : this.counts.length);
      counts.set(this.counts.subarray(0, this.span), this.offset - low);
      this.counts = counts;
    }
    this.offset = low;
    this.span = span;
    this.counts[index - low]++;
  }

  /** The q-quantile (0..1), as the midpoint of its bucket; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    // Nearest rank, as a 0-based position among the sorted values.
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil(q * this.count) - 1));
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    for (let slot = 0; slot < this.span; slot++) {
      seen += this.counts[slot];
      if (seen > rank) return (2 * Math.pow(this.gamma, slot + this.offset)) / (this.gamma + 1);
    }
    return (2 * Math.pow(this.gamma, this.span - 1 + this.offset)) / (this.gamma + 1);
  }
}
