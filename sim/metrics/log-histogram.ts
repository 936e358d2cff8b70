/**
 * A histogram with logarithmic buckets (as in DDSketch): any quantile of the values
 * added comes back within `relativeAccuracy` of a true sample value, in memory that
 * grows with the range of values (a few thousand buckets), not with their count.
 * Deterministic: the same values in any order give the same answers.
 */
export class LogHistogram {
  private readonly gamma: number;
  private readonly logGamma: number;
  /** Counts by bucket index - offset. */
  private counts: number[] = [];
  private offset = 0;
  private zeros = 0;
  count = 0;

  /** Values at or below this count as zero. */
  static readonly ZERO = 1e-12;

  constructor(relativeAccuracy = 0.005) {
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
  }

  add(value: number): void {
    if (!(value >= 0) || value === Infinity) return;
    this.count++;
    if (value <= LogHistogram.ZERO) {
      this.zeros++;
      return;
    }
    const index = Math.ceil(Math.log(value) / this.logGamma);
    if (this.counts.length === 0) this.offset = index;
    if (index < this.offset) {
      this.counts = [...new Array<number>(this.offset - index).fill(0), ...this.counts];
      this.offset = index;
    }
    const slot = index - this.offset;
    while (this.counts.length <= slot) this.counts.push(0);
    this.counts[slot]++;
  }

  /** Adds the first n values (a batch: one call, no number passed on its own). */
  addAll(values: Float64Array, n: number): void {
    for (let i = 0; i < n; i++) this.add(values[i]);
  }

  /** The q-quantile (0..1), as the midpoint of its bucket; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    // Nearest rank, as a 0-based position among the sorted values.
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil(q * this.count) - 1));
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    for (let slot = 0; slot < this.counts.length; slot++) {
      seen += this.counts[slot];
      if (seen > rank) return (2 * Math.pow(this.gamma, slot + this.offset)) / (this.gamma + 1);
    }
    return (2 * Math.pow(this.gamma, this.counts.length - 1 + this.offset)) / (this.gamma + 1);
  }
}
