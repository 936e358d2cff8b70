/**
 * strait on bench:floor's M/M/c model, shared by bench:floor and bench:layers: c
 * exclusive GPUs (one slot each), one single-phase model with exponential service of
 * mean 1 ms, no transfers, two classes (25% high) arriving as a Poisson stream at
 * rho 0.85. Two events per request. The policy (`priority` by default) and the sink
 * can be swapped, which is how bench:layers prices each layer. The default sink is a
 * RunRecorder that builds every record in batches of 65,536 and drops each batch, as
 * `strait run` does before the Arrow writer (its batch buffers are reused). Until
 * 2026-12-06 it held every record in memory, sized up front: on this VM the first
 * write of that memory (168 MB at 1M requests) was a third of strait's time here, a
 * cost the CLI never pays (RESULTS.md, "Records in batches").
 */
import type { ClusterSpec } from '../sim/cluster/cluster-spec.ts';
import { RandomStream } from '../sim/core/random.ts';
import { RunRecorder } from '../sim/metrics/run-recorder.ts';
import { constantTable, type ModelProfile } from '../sim/model/profile.ts';
import type { Policy } from '../sim/policy/policy.ts';
import { POLICIES } from '../sim/policy/registry.ts';
import { PREDICTORS } from '../sim/predictor/registry.ts';
import { Simulator, type ArrivalSource, type ArrivalSpec, type RequestSink, type SimulationResult } from '../sim/simulator.ts';

export const MMC_RHO = 0.85;
export const MMC_HIGH_SHARE = 0.25;
export const MMC_SERVICE_MS = 1;

export interface MmcRun {
  readonly events: number;
  readonly seconds: number;
}

export interface MmcOptions {
  readonly requests: number;
  readonly gpus: number;
  readonly seed: number;
  /** @default the registry's `priority` */
  readonly policy?: Policy;
  /** @default a RunRecorder building records in batches and dropping them (as the CLI, before its writer) */
  readonly sink?: RequestSink;
}

/** The M/M/c cluster: `gpus` GPUs of one slot on one host, links that cost nothing for zero bytes. */
export function mmcCluster(gpus: number): ClusterSpec {
  return {
    hosts: [{ name: 'host0', uplinkH2dBytesPerMs: 1e12, uplinkD2hBytesPerMs: 1e12 }],
    gpus: Array.from({ length: gpus }, (_, i) => ({
      id: `gpu${i}`,
      host: 0,
      models: ['m'],
      maxConcurrency: 1,
      sharing: { mode: 'time-sliced' as const, interferenceAlpha: 0, timeSliceMs: 1, contextSwitchMs: 0 },
      link: { h2dBytesPerMs: 1000, d2hBytesPerMs: 1000, setupMs: 0 },
    })),
  };
}

const MODEL: ModelProfile = {
  name: 'm',
  description: 'one exponential phase',
  phases: [{ name: 'service', soloMs: constantTable(MMC_SERVICE_MS), compute: constantTable(1), memory: constantTable(0) }],
  inputBytesPerItem: 0,
  outputBytesPerItem: 0,
  variability: { kind: 'exponential' },
  maxBatch: 1,
};

/**
 * The model's arrivals as an ArrivalSource: a Poisson stream at rho, each request high
 * with probability MMC_HIGH_SHARE. A class, as strait's own generators are
 * (traces/generated-arrivals.ts): written as a closure over `let time` (until
 * 2026-12-07), each arrival stored a new heap number into the closure's context, with a
 * write barrier, a cost of the harness that strait's generators do not have.
 */
class MmcArrivals implements ArrivalSource {
  private readonly stream: RandomStream;
  private readonly meanGap: number;
  private time = 0;

  constructor(
    private left: number,
    gpus: number,
    seed: number,
  ) {
    this.stream = new RandomStream(`floor-arrivals:${seed}`);
    this.meanGap = MMC_SERVICE_MS / (MMC_RHO * gpus);
  }

  next(): ArrivalSpec | undefined {
    if (this.left-- <= 0) return undefined;
    this.time += this.stream.exponential(this.meanGap);
    const priority = this.stream.uniform() < MMC_HIGH_SHARE ? 'high' : 'low';
    return { arrival: this.time, model: 'm', batch: 1, priority, relativeDeadline: 1e9 };
  }
}

/** Runs the model once through the Simulator; the time is the run's alone (set-up excluded). */
export function straitMmc(o: MmcOptions): MmcRun & { readonly result: SimulationResult } {
  const cluster = mmcCluster(o.gpus);
  const arrivals = new MmcArrivals(o.requests, o.gpus, o.seed);
  const simulator = new Simulator({
    cluster,
    models: new Map([[MODEL.name, MODEL]]),
    arrivals,
    policy: o.policy ?? POLICIES.get('priority')!.create({}),
    predictor: PREDICTORS.get('solo')!.create({ cluster }),
    seed: o.seed,
    // As runScenario: the run's length is known (it sizes the summary), records go out in batches.
    sink: o.sink ?? new RunRecorder(cluster, { expectedRequests: o.requests, onRecords: () => {} }),
  });
  const started = performance.now();
  const result = simulator.run();
  const seconds = (performance.now() - started) / 1000;
  return { events: result.events, seconds, result };
}
