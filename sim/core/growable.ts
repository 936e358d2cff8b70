/** An append-only Float64Array that doubles its capacity as it fills. */
export class GrowableFloat64 {
  /** The backing array, filled up to `length`; replaced when it grows. */
  private data: Float64Array;
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

  /** A view of the filled part (shares memory until the next growth). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** An append-only Int32Array that doubles its capacity as it fills. */
export class GrowableInt32 {
  /** The backing array, filled up to `length`; replaced when it grows. */
  private data: Int32Array;
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

  /** A view of the filled part (shares memory until the next growth). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
