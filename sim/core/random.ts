import seedrandom from 'seedrandom';

/**
 * A seeded source of uniform numbers in [0, 1) with the draws the models need.
 *
 * Brent's xorgens (xor4096): period 2^4096 - 1, and about five times faster than
 * seedrandom's default ARC4, which matters at millions of draws per run. seedrandom
 * seeds it (its string mixing and warm-up); the draws are then made here, the same
 * arithmetic on the state in an Int32Array: seedrandom keeps it in a plain array,
 * where most int32 values are boxed numbers, and reaches it through two closures (a
 * draw there cost about as much as the Math.log of an exponential).
 */
export class RandomStream {
  /** The xorshift state, 128 words, and its position. */
  private readonly x: Int32Array;
  private i: number;
  /** The Weyl generator. */
  private w: number;

  constructor(seed: string) {
    const state = seedrandom.xor4096(seed, { state: true }).state() as { i: number; w: number; X: number[] };
    this.x = Int32Array.from(state.X);
    this.i = state.i;
    this.w = state.w;
  }

  /** seedrandom's xor4096 draw: one 32-bit step, as a fraction of 2^32. */
  private next(): number {
    const x = this.x;
    const w = (this.w = (this.w + 0x61c88647) | 0);
    let i = this.i;
    let v = x[(i + 34) & 127];
    i = (i + 1) & 127;
    let t = x[i];
    v ^= v << 13;
    t ^= t << 17;
    v ^= v >>> 15;
    t ^= t >>> 12;
    v = x[i] = v ^ t;
    this.i = i;
    return (((v + (w ^ (w >>> 16))) | 0) >>> 0) / 0x100000000;
  }

  uniform(): number {
    return this.next();
  }

  /** Exponential with the given mean (inverse transform; 1 - u avoids log(0)). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Standard normal by Box-Muller (one value per call keeps streams aligned). */
  normal(): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Lognormal with mean 1 and the given coefficient of variation. */
  lognormalUnitMean(cv: number): number {
    if (cv === 0) return 1;
    const sigma2 = Math.log(1 + cv * cv);
    return Math.exp(Math.sqrt(sigma2) * this.normal() - sigma2 / 2);
  }

  /** Index drawn with probability proportional to weights (which sum to > 0). */
  weightedIndex(weights: readonly number[], total: number): number {
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }
}

/**
 * Named random streams derived from one run seed. Each name gets an independent
 * stream, so adding a draw to one stream never shifts another: a run stays
 * reproducible when a model gains a new random choice.
 */
export class RandomStreams {
  private readonly streams = new Map<string, RandomStream>();

  constructor(readonly seed: number) {}

  stream(name: string): RandomStream {
    let stream = this.streams.get(name);
    if (stream === undefined) {
      stream = new RandomStream(`strait:${this.seed}:${name}`);
      this.streams.set(name, stream);
    }
    return stream;
  }
}
