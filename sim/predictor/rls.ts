import { bug } from '../core/errors.ts';
/**
 * Recursive least squares with exponential forgetting: the online linear regression
 * behind the adaptive predictor. After n updates the weights minimize
 *
 *   sum_i forgetting^(n-i) * weight_i * (y_i - w . x_i)^2  +  prior term,
 *
 * so observations older than about 1 / (1 - forgetting) fade out and the model
 * tracks a workload that changes. Numerical care:
 * - P starts at delta * I (delta large: a weak prior around the initial weights);
 * - P is kept symmetric (averaged with its transpose after every update);
 * - its trace is capped at its starting value (delta * dim), which stops the
 *   "covariance wind-up" forgetting causes along directions the inputs do not
 *   excite (a constant feature, collinear features): P could otherwise grow
 *   without bound there and the next unusual input would move the weights wildly;
 * - an update with a non-finite input, target or gain is skipped.
 */
export interface RlsOptions {
  /** In (0, 1]; 1 never forgets. @default 1 */
  readonly forgetting?: number;
  /** Initial P = delta * I. @default 100 */
  readonly delta?: number;
  /** Initial weights (the prior mean). @default zeros */
  readonly initial?: readonly number[];
}

export class RecursiveLeastSquares {
  readonly dim: number;
  private readonly w: Float64Array;
  /** Row-major dim x dim. */
  private readonly p: Float64Array;
  private readonly px: Float64Array;
  private readonly forgetting: number;
  private readonly maxTrace: number;
  /** Updates applied so far. */
  count = 0;

  constructor(dim: number, options: RlsOptions = {}) {
    if (!(Number.isInteger(dim) && dim >= 1)) bug(`RLS dimension: expected a positive integer, got ${dim}`);
    const forgetting = options.forgetting ?? 1;
    const delta = options.delta ?? 100;
    if (!(forgetting > 0 && forgetting <= 1)) bug(`RLS forgetting factor: expected a number in (0, 1], got ${forgetting}`);
    if (!(delta > 0 && Number.isFinite(delta))) bug(`RLS delta: expected a positive number, got ${delta}`);
    this.dim = dim;
    this.forgetting = forgetting;
    this.w = new Float64Array(dim);
    if (options.initial !== undefined) {
      if (options.initial.length !== dim) bug(`RLS initial weights: expected ${dim}, got ${options.initial.length}`);
      this.w.set(options.initial);
    }
    this.p = new Float64Array(dim * dim);
    for (let i = 0; i < dim; i++) this.p[i * dim + i] = delta;
    this.px = new Float64Array(dim);
    this.maxTrace = delta * dim;
  }

  get weights(): readonly number[] {
    return Array.from(this.w);
  }

  predict(x: ArrayLike<number>): number {
    let y = 0;
    for (let i = 0; i < this.dim; i++) y += this.w[i] * x[i];
    return y;
  }

  /** Learns from one observation; `weight` > 0 scales its importance. Returns false if skipped. */
  update(x: ArrayLike<number>, y: number, weight = 1): boolean {
    const n = this.dim;
    if (!(Number.isFinite(y) && weight > 0 && Number.isFinite(weight))) return false;
    for (let i = 0; i < n; i++) if (!Number.isFinite(x[i])) return false;
    const p = this.p;
    const px = this.px;
    let xpx = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += p[i * n + j] * x[j];
      px[i] = s;
      xpx += x[i] * s;
    }
    const denom = this.forgetting / weight + xpx;
    if (!(denom > 0 && Number.isFinite(denom))) return false;
    const error = y - this.predict(x);
    // Gain k = P x / denom; w += k e; P = (P - k (P x)^T) / forgetting, symmetrized.
    for (let i = 0; i < n; i++) this.w[i] += (px[i] / denom) * error;
    const inv = 1 / this.forgetting;
    let trace = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const a = (p[i * n + j] - (px[i] * px[j]) / denom) * inv;
        const b = (p[j * n + i] - (px[j] * px[i]) / denom) * inv;
        const v = 0.5 * (a + b);
        p[i * n + j] = v;
        p[j * n + i] = v;
      }
      // Rounding can push a diagonal entry to or below zero; keep P positive definite.
      if (!(p[i * n + i] > 1e-12)) p[i * n + i] = 1e-12;
      trace += p[i * n + i];
    }
    if (trace > this.maxTrace) {
      const scale = this.maxTrace / trace;
      for (let i = 0; i < n * n; i++) p[i] *= scale;
    }
    this.count++;
    return true;
  }
}
