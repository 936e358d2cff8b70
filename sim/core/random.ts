import seedrandom from 'seedrandom';

/** A seeded source of uniform numbers in [0, 1) with the draws the models need. */
export class RandomStream {
  private readonly next: () => number;

  constructor(seed: string) {
    // Brent's xorgens (xor4096): period 2^4096 - 1, and about five times faster than
    // seedrandom's default ARC4, which matters at millions of draws per run.
    this.next = seedrandom.xor4096(seed);
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
