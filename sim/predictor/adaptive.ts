import type { ClusterSpec } from '../cluster/cluster-spec.ts';
import type { GpuView, LinkLoad } from '../cluster/gpu-state.ts';
import type { Request } from '../model/request.ts';
import { colocationFeatures, phaseTable, type ColocationFeatures, type MeanDemand } from './colocation-features.ts';
import { Params } from '../core/params.ts';
import { PredictionBuffer, type Prediction, type PredictionContext, type Predictor, type PredictorSetup } from './predictor.ts';
import { RecursiveLeastSquares } from './rls.ts';
import { SharingForecaster } from './sharing-forecast.ts';
import { SoloEstimates } from './solo-estimates.ts';

/**
 * The adaptive predictor. Execution time = solo time x a predicted slowdown, from
 * features of the live co-location set on the target GPU (colocation-features.ts);
 * transfer time = solo transfers x learned contention factors, the input's from the
 * link's current load. Every model is fitted online, by recursive least squares with
 * a forgetting factor, from each completed request's observed times and the features
 * stored when it was dispatched. Several candidate models of the slowdown run side by
 * side, all learning from every completion; each prediction uses the one with the
 * lowest mean absolute percentage error over the recent window. Until `warmup`
 * requests have completed it answers exactly as solo does.
 *
 * Candidates (slowdown = observed execution / solo execution):
 * - solo: 1, the safe answer while the others are wrong;
 * - linear: one linear model (per sharing mode) of the co-location features: co-
 *   runner overlap, their compute and memory demand, products with the request's
 *   own demand, vacant slot-time;
 * - per-model: the same features, one model per (sharing mode, model name), so
 *   each model's own sensitivity to interference is learned; it answers with
 *   linear's prediction until its model has `warmup` completions;
 * - law: the sharing law of sim/gpu/sharing.ts evaluated on the co-location set
 *   (known co-runners alone, and with vacant slots filled by the recent mean demand),
 *   with a learned linear correction; physically shaped, so it carries over to an
 *   unseen mix better than the purely statistical ones.
 *
 * Params (all optional):
 * - forgetting (0.995): RLS forgetting factor in (0, 1]; memory of about
 *   1 / (1 - forgetting) completions, so it re-fits after a workload change;
 * - window (200): completions over which candidates' errors are compared;
 * - warmup (20): completions before it leaves the solo answer;
 * - candidates (all four): which candidates compete, by name;
 * - delta (100): RLS prior scale (initial P = delta x I); smaller trusts the prior longer.
 * Deterministic: no randomness, no wall time.
 */

export const ADAPTIVE_CANDIDATES = ['solo', 'linear', 'per-model', 'law'] as const;
export type AdaptiveCandidateName = (typeof ADAPTIVE_CANDIDATES)[number];

/** The adaptive predictor's options when a scenario leaves them out (each is described above). */
export const ADAPTIVE_DEFAULTS = {
  /** @default 0.995 */
  forgetting: 0.995,
  /** @default 200 */
  window: 200,
  /** @default 20 */
  warmup: 20,
  /** @default 100 */
  delta: 100,
  /** @default all four */
  candidates: ADAPTIVE_CANDIDATES as readonly AdaptiveCandidateName[],
};

/** Dispatch records kept for requests not yet observed (oldest dropped beyond it). */
const MAX_PENDING = 1 << 16;
/** Slowdowns predicted are kept inside this range (a wild extrapolation stays finite). */
const MIN_SLOWDOWN = 0.5;
const MAX_SLOWDOWN = 1000;

/** What a request's dispatch-time prediction was made from, kept until it completes. */
interface Pending {
  readonly gpu: number;
  readonly at: number;
  readonly features: ColocationFeatures;
  /** Each candidate's predicted slowdown, in candidate order. */
  readonly slowdowns: Float64Array;
  /** The input transfer's contention estimate from the link load, less 1 (0 when idle). */
  readonly inExcess: number;
  readonly totalMs: number;
  readonly completion: number;
}

interface Candidate {
  readonly name: AdaptiveCandidateName;
  /** Predicted slowdown. */
  predict(f: ColocationFeatures, model: string): number;
  learn(f: ColocationFeatures, model: string, slowdown: number, weight: number): void;
}

/** Mean absolute percentage error over the last `size` observations, in O(1) per step. */
class ErrorWindow {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;
  private sum = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  add(value: number): void {
    const size = this.values.length;
    if (this.filled === size) this.sum -= this.values[this.next];
    else this.filled++;
    this.values[this.next] = value;
    this.sum += value;
    this.next = (this.next + 1) % size;
    // Re-add from scratch once per lap so rounding cannot drift.
    if (this.next === 0) {
      let s = 0;
      for (let i = 0; i < this.filled; i++) s += this.values[i];
      this.sum = s;
    }
  }

  get samples(): number {
    return this.filled;
  }

  get mean(): number {
    return this.filled > 0 ? this.sum / this.filled : Infinity;
  }
}

function linearFeatures(f: ColocationFeatures): number[] {
  return [
    1,
    f.coRunners,
    f.full,
    f.overlap,
    f.othersCompute,
    f.othersMemory,
    f.selfMemory * f.othersMemory,
    f.selfCompute * f.othersCompute,
    f.vacancy,
    f.vacancy * f.selfCompute,
    f.vacancy * f.selfMemory,
  ];
}

/** Prior: no interference (slowdown 1). */
const LINEAR_PRIOR = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const LINEAR_DIM = LINEAR_PRIOR.length;

/**
 * The forward runs of the sharing law, with and without refilled slots, and their
 * products with `full`: a saturated GPU stays saturated (a freed slot is refilled by
 * waiting work), one with free slots mostly does not.
 */
function lawFeatures(f: ColocationFeatures): number[] {
  return [1, f.coRunners, f.full, f.forecastKnown, f.forecastFilled, f.full * f.forecastKnown, f.full * f.forecastFilled];
}

/** Prior: halfway between "nothing more arrives" and "vacant slots fill at once". */
const LAW_PRIOR = [0, 0, 0, 0.5, 0.5, 0, 0];
const LAW_DIM = LAW_PRIOR.length;

function clampSlowdown(s: number): number {
  return s >= MIN_SLOWDOWN ? (s <= MAX_SLOWDOWN ? s : MAX_SLOWDOWN) : s === s ? MIN_SLOWDOWN : 1;
}

/** One RLS model per key, created on first use from a shared recipe. */
class KeyedRls {
  private readonly models = new Map<string, RecursiveLeastSquares>();

  constructor(
    private readonly dim: number,
    private readonly prior: readonly number[],
    private readonly forgetting: number,
    private readonly delta: number,
  ) {}

  get(key: string): RecursiveLeastSquares {
    let model = this.models.get(key);
    if (model === undefined) {
      model = new RecursiveLeastSquares(this.dim, { forgetting: this.forgetting, delta: this.delta, initial: this.prior });
      this.models.set(key, model);
    }
    return model;
  }

  peek(key: string): RecursiveLeastSquares | undefined {
    return this.models.get(key);
  }
}

export interface AdaptiveStats {
  /** Completions learned from. */
  readonly observations: number;
  /** The candidate predictions use now ('solo' before warm-up). */
  readonly active: AdaptiveCandidateName;
  /** Each candidate's MAPE (percent) over the recent window. */
  readonly windowMape: Readonly<Record<string, number>>;
}

export class AdaptivePredictor implements Predictor {
  readonly name = 'adaptive';
  readonly forgetting: number;
  readonly window: number;
  readonly warmup: number;
  readonly delta: number;
  readonly candidateNames: readonly AdaptiveCandidateName[];
  private readonly cluster: ClusterSpec;
  private readonly solo: SoloEstimates;
  private readonly candidates: Candidate[];
  private readonly errors: ErrorWindow[];
  private readonly pending = new Map<number, Pending>();
  private readonly out = new PredictionBuffer();
  private readonly forecaster = new SharingForecaster();
  /** Per GPU: observed input-transfer ratio - 1 on the contention estimate - 1. */
  private readonly transferIn: KeyedRls;
  /** Per GPU: running median of observed / uncontended output-transfer time. */
  private readonly outRatio: number[] = [];
  private observations = 0;
  // Slot-time-weighted recent mean demand of the work GPUs run, to fill vacant slots.
  private demandWeight = 0;
  private demandCompute = 0;
  private demandMemory = 0;
  // Recent mean observed slowdown: how fast running phases are taken to progress.
  private slowdownWeight = 0;
  private slowdownSum = 0;

  private get typicalSlowdown(): number {
    return this.slowdownWeight > 0 ? this.slowdownSum / this.slowdownWeight : 1;
  }

  constructor(setup: PredictorSetup) {
    const p = new Params('predictorParams.adaptive', setup.params);
    this.forgetting = p.number('forgetting', ADAPTIVE_DEFAULTS.forgetting, { above: 0, max: 1 });
    this.window = p.number('window', ADAPTIVE_DEFAULTS.window, { integer: true, min: 1 });
    this.warmup = p.number('warmup', ADAPTIVE_DEFAULTS.warmup, { integer: true, min: 0 });
    this.delta = p.number('delta', ADAPTIVE_DEFAULTS.delta, { above: 0 });
    this.candidateNames = p.nameList('candidates', ADAPTIVE_DEFAULTS.candidates, ADAPTIVE_CANDIDATES) as AdaptiveCandidateName[];
    this.solo = new SoloEstimates(setup.cluster);
    this.candidates = this.candidateNames.map((name) => this.buildCandidate(name));
    this.errors = this.candidates.map(() => new ErrorWindow(this.window));
    this.transferIn = new KeyedRls(1, [1], this.forgetting, this.delta);
    this.cluster = setup.cluster;
  }

  private buildCandidate(name: AdaptiveCandidateName): Candidate {
    const { forgetting, delta } = this;
    switch (name) {
      case 'solo':
        return { name, predict: () => 1, learn: () => {} };
      case 'linear': {
        const models = new KeyedRls(LINEAR_DIM, LINEAR_PRIOR, forgetting, delta);
        return {
          name,
          predict: (f) => models.get(f.mode).predict(linearFeatures(f)),
          learn: (f, _model, y, weight) => void models.get(f.mode).update(linearFeatures(f), y, weight),
        };
      }
      case 'per-model': {
        // Its own global model to defer to while a model name is new.
        const global = new KeyedRls(LINEAR_DIM, LINEAR_PRIOR, forgetting, delta);
        const models = new KeyedRls(LINEAR_DIM, LINEAR_PRIOR, forgetting, delta);
        return {
          name,
          predict: (f, model) => {
            const own = models.peek(`${f.mode}|${model}`);
            const x = linearFeatures(f);
            return own !== undefined && own.count >= this.warmup ? own.predict(x) : global.get(f.mode).predict(x);
          },
          learn: (f, model, y, weight) => {
            const x = linearFeatures(f);
            global.get(f.mode).update(x, y, weight);
            models.get(`${f.mode}|${model}`).update(x, y, weight);
          },
        };
      }
      case 'law': {
        const models = new KeyedRls(LAW_DIM, LAW_PRIOR, forgetting, delta);
        return {
          name,
          predict: (f) => models.get(f.mode).predict(lawFeatures(f)),
          learn: (f, _model, y, weight) => void models.get(f.mode).update(lawFeatures(f), y, weight),
        };
      }
    }
  }

  /** Index of the candidate with the lowest recent error (the first on ties). */
  private activeIndex(): number {
    let best = -1;
    let bestError = Infinity;
    for (let i = 0; i < this.candidates.length; i++) {
      const e = this.errors[i].mean;
      if (best < 0 || e < bestError) {
        best = i;
        bestError = e;
      }
    }
    return best;
  }

  get warm(): boolean {
    return this.observations >= this.warmup;
  }

  stats(): AdaptiveStats {
    const windowMape: Record<string, number> = {};
    this.candidates.forEach((c, i) => (windowMape[c.name] = 100 * this.errors[i].mean));
    return {
      observations: this.observations,
      active: this.warm ? this.candidates[this.activeIndex()].name : 'solo',
      windowMape,
    };
  }

  private fillDemand(request: Request): MeanDemand {
    if (this.demandWeight > 0) {
      return { compute: this.demandCompute / this.demandWeight, memory: this.demandMemory / this.demandWeight };
    }
    const own = phaseTable(request.model, request.batch);
    return { compute: own.meanCompute, memory: own.meanMemory };
  }

  predict(request: Request, gpu: GpuView, context: PredictionContext): Prediction {
    const g = gpu.index;
    const inSolo = this.solo.transferInMs(request, g);
    const outSolo = this.solo.transferOutMs(request, g);
    const execSolo = this.solo.executionMs(request);
    const features = colocationFeatures(request, gpu, context.now, this.fillDemand(request), this.typicalSlowdown, this.forecaster);
    const slowdowns = new Float64Array(this.candidates.length);
    for (let i = 0; i < this.candidates.length; i++) {
      slowdowns[i] = clampSlowdown(this.candidates[i].predict(features, request.model.name));
    }
    const inExcess = this.contention(request.inputBytes, inSolo, gpu.linkLoad('h2d'), gpu) - 1;

    let executionMs = execSolo;
    let transferMs = inSolo + outSolo;
    if (this.warm) {
      executionMs = execSolo * slowdowns[this.activeIndex()];
      // Input: 1 + learned slope x the excess the link's load implies now. Output: the
      // load when it will run is unknown at dispatch, so the typical (median) factor.
      const inRatio = clampRatio(1 + this.transferIn.get(String(g)).predict([inExcess]));
      transferMs = inSolo * inRatio + outSolo * (this.outRatio[g] ?? 1);
    }
    const start = this.solo.slotFreeAt(gpu, context.now, {
      runningEnd: (r) => this.ownRecord(r)?.completion,
      queuedMs: (r, on) => this.ownRecord(r)?.totalMs ?? this.solo.totalMs(r, on.index),
    });
    const completion = start + transferMs + executionMs;
    // Only a dispatch-time prediction is kept: a policy's what-if on a request already
    // running must not overwrite what it was dispatched with.
    if (request.state === 'waiting') {
      if (this.pending.size >= MAX_PENDING && !this.pending.has(request.id)) {
        this.pending.delete(this.pending.keys().next().value!);
      }
      this.pending.set(request.id, {
        gpu: g,
        at: context.now,
        features,
        slowdowns,
        inExcess,
        totalMs: transferMs + executionMs,
        completion,
      });
    }
    const out = this.out;
    out.transferMs = transferMs;
    out.executionMs = executionMs;
    out.start = start;
    out.completion = completion;
    return out;
  }

  /** This predictor's record of a request it predicted on the GPU it went to. */
  private ownRecord(request: Request): Pending | undefined {
    const record = this.pending.get(request.id);
    return record !== undefined && record.gpu === request.gpu && record.at === request.dispatchedAt ? record : undefined;
  }

  /**
   * Input transfer time under processor sharing of the link with what is on it now
   * (each of the k transfers moving about bytes / k), bounded below by the host
   * uplink's share, over the uncontended time. 1 when the link is idle.
   */
  private contention(bytes: number, soloMs: number, load: LinkLoad, gpu: GpuView): number {
    if (!(soloMs > 0) || load.transfers + load.hostTransfers === 0) return 1;
    const spec = gpu.spec;
    const host = this.cluster.hosts[spec.host];
    const linkBw = spec.link.h2dBytesPerMs;
    const uplinkBw = host.uplinkH2dBytesPerMs;
    const each = load.transfers > 0 ? load.bytes / load.transfers : 0;
    const shared = Math.min(each, bytes);
    const viaLink = (bytes + load.transfers * shared) / linkBw;
    const viaHost = (bytes + load.hostTransfers * shared) / uplinkBw;
    const contended = spec.link.setupMs + Math.max(viaLink, viaHost, bytes / Math.min(linkBw, uplinkBw));
    return contended / soloMs;
  }

  observe(request: Request, gpu: GpuView): void {
    const record = this.pending.get(request.id);
    if (record === undefined) return;
    this.pending.delete(request.id);
    // A preempted request's times span more than one execution, and a record from
    // another dispatch describes another co-location set: neither teaches anything.
    if (request.preemptions > 0 || record.gpu !== gpu.index || record.at !== request.dispatchedAt) return;
    const f = record.features;
    const observedMs = request.executionEnd - request.executionStart;
    if (!(observedMs > 0 && f.selfSoloMs > 0)) return;
    const y = observedMs / f.selfSoloMs;
    const weight = 1 / (y * y); // squared relative error: the loss MAPE cares about
    for (let i = 0; i < this.candidates.length; i++) {
      this.errors[i].add(Math.abs(record.slowdowns[i] - y) / y);
      this.candidates[i].learn(f, request.model.name, y, weight);
    }
    const g = String(gpu.index);
    const inSolo = this.solo.transferInMs(request, gpu.index);
    const outSolo = this.solo.transferOutMs(request, gpu.index);
    const inObserved = request.transferInEnd - request.transferInStart;
    const outObserved = request.completedAt - request.transferOutStart;
    // No intercept: most transfers meet an idle link and take exactly their solo time,
    // and a mean shift would put a small error on every one of them.
    if (inSolo > 0 && inObserved >= 0 && record.inExcess > 0) this.transferIn.get(g).update([record.inExcess], inObserved / inSolo - 1);
    if (outSolo > 0 && outObserved >= 0) {
      // Running median by stochastic approximation: steps of 0.2% toward each sample.
      const m = this.outRatio[gpu.index] ?? 1;
      const r = outObserved / outSolo;
      this.outRatio[gpu.index] = r > m * 1.000001 ? m * 1.002 : r < m * 0.999999 ? m / 1.002 : m;
    }
    // Slot time this request held, by its demands: what a vacant slot is likely to hold.
    const decay = this.forgetting;
    this.demandWeight = decay * this.demandWeight + observedMs;
    this.demandCompute = decay * this.demandCompute + observedMs * f.selfCompute;
    this.demandMemory = decay * this.demandMemory + observedMs * f.selfMemory;
    this.slowdownWeight = decay * this.slowdownWeight + 1;
    this.slowdownSum = decay * this.slowdownSum + y;
    this.observations++;
  }
}

function clampRatio(r: number): number {
  return r >= 0.5 ? (r <= 1000 ? r : 1000) : r === r ? 0.5 : 1;
}
