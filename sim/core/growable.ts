/** An append-only Float64Array that doubles its capacity as it fills. */
export class GrowableFloat64 {
  /**
   * The backing array, filled up to `length`; replaced when it grows. Public for a row
   * writer that sizes its columns once per row (RequestRecords), to be read only then.
   */
  data: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }

  /** Ensures room for `capacity` values without further growth. */
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = new Float64Array(capacity);
    bigger.set(this.data.subarray(0, this.length));
    this.data = bigger;
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  /**
   * Extends the filled part to `n` values (growing as push would) and returns the
   * backing array, for a writer that fills a row of several columns: a double passed
   * to push() is boxed whenever V8 does not inline the call, and a row of twenty
   * columns is past its inlining budget.
   */
  extendTo(n: number): Float64Array {
    if (n > this.data.length) this.reserve(Math.max(n, this.data.length * 2));
    this.length = n;
    return this.data;
  }

  /** A view of the filled part (shares memory until the next growth). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** An append-only Int32Array that doubles its capacity as it fills. */
export class GrowableInt32 {
  /**
   * The backing array, filled up to `length`; replaced when it grows. Public for a row
   * writer that sizes its columns once per row (RequestRecords), to be read only then.
   */
  data: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }

  /** Ensures room for `capacity` values without further growth. */
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const bigger = new Int32Array(capacity);
    bigger.set(this.data.subarray(0, this.length));
    this.data = bigger;
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  /**
   * Extends the filled part to `n` values (growing as push would) and returns the
   * backing array, for a writer that fills a row of several columns: a double passed
   * to push() is boxed whenever V8 does not inline the call, and a row of twenty
   * columns is past its inlining budget.
   */
  extendTo(n: number): Int32Array {
    if (n > this.data.length) this.reserve(Math.max(n, this.data.length * 2));
    this.length = n;
    return this.data;
  }

  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
