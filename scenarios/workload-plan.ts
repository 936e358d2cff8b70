import { RandomStreams } from '../sim/core/random.ts';
import { d2hSetupMs, type ClusterSpec } from '../sim/cluster/cluster-spec.ts';
import { requestInputBytes, requestOutputBytes, requestSoloExecutionMs, soloExecutionMs, type ModelProfile } from '../sim/model/profile.ts';
import type { RequestSize } from '../traces/converters/convert-common.ts';
import { MergedArrivals, ownChannel, sharedChannel, type ArrivalChannel, type GeneratedStream } from '../traces/generated-arrivals.ts';
import type { Scenario, StopRule, StreamSpec, WorkloadSpec } from './scenario.ts';
import { PhasedArrivals } from '../traces/phased-arrivals.ts';
import type { ArrivalSource, ArrivalSpec } from '../sim/simulator.ts';
import { BufferedArrivals } from '../traces/buffered-arrivals.ts';
import { readTrace } from '../traces/trace-reader.ts';
import type { TraceRecord } from '../traces/trace-schema.ts';
import { bug } from '../sim/core/errors.ts';

/**
 * Solo latency of a request as deadlines see it: uncontended transfers over the
 * first GPU hosting the model, plus its solo execution; with `size`, one request's,
 * its tokens shaping both (see RequestShape) or its measured duration replacing the
 * execution.
 */
export function soloLatencyMs(model: ModelProfile, batch: number, cluster: ClusterSpec, size: RequestSize = {}): number {
  const gpu = cluster.gpus.find((g) => g.models.includes(model.name)) ?? cluster.gpus[0];
  const host = cluster.hosts[gpu.host];
  const shape = { model, batch, inputTokens: size.inputTokens ?? -1, outputTokens: size.outputTokens ?? -1, durationMs: size.durationMs ?? 0 };
  const transferIn = requestInputBytes(model, batch, shape.inputTokens) / Math.min(gpu.link.h2dBytesPerMs, host.uplinkH2dBytesPerMs);
  const transferOut = requestOutputBytes(model, batch, shape.outputTokens) / Math.min(gpu.link.d2hBytesPerMs, host.uplinkD2hBytesPerMs);
  return gpu.link.setupMs + d2hSetupMs(gpu.link) + transferIn + transferOut + requestSoloExecutionMs(shape);
}

function meanSoloExecutionMs(stream: StreamSpec, model: ModelProfile): number {
  let total = 0;
  for (const batch of stream.batchSizes) total += soloExecutionMs(model, batch);
  return total / stream.batchSizes.length;
}

export interface RatePlan {
  /** Total requests per second, load applied. */
  readonly totalPerSec: number;
  /** Requests per second at which the mix offers the cluster exactly its capacity. */
  readonly capacityPerSec: number;
  /** Offered solo work per GPU per unit time (1 = exactly the capacity). */
  readonly offeredLoad: number;
  readonly perStreamPerSec: readonly number[];
}

/**
 * Turns the workload's weights into rates. Capacity assumes any GPU can serve any
 * request and counts execution only (transfers overlap with other requests' kernels).
 */
export function planRates(scenario: Scenario): RatePlan {
  const { workload, cluster } = scenario;
  // A trace's rate is whatever it holds; it is not known before reading it.
  if (workload.trace !== undefined) return { totalPerSec: NaN, capacityPerSec: NaN, offeredLoad: NaN, perStreamPerSec: [] };
  if (workload.phases !== undefined) return phasedRates(scenario, workload.phases);
  const models = new Map(scenario.models.map((m) => [m.name, m]));
  const totalWeight = workload.streams.reduce((s, st) => s + st.weight, 0);
  let meanSolo = 0;
  for (const stream of workload.streams) {
    meanSolo += (stream.weight / totalWeight) * meanSoloExecutionMs(stream, models.get(stream.model)!);
  }
  const capacityPerSec = (cluster.gpus.length * 1000) / meanSolo;
  const totalPerSec = (workload.ratePerSec ?? capacityPerSec) * scenario.load;
  return {
    totalPerSec,
    capacityPerSec,
    offeredLoad: totalPerSec / capacityPerSec,
    perStreamPerSec: workload.streams.map((s) => (totalPerSec * s.weight) / totalWeight),
  };
}

/** Rates of a phased workload: averages over the phases, weighted by their durations. */
function phasedRates(scenario: Scenario, phases: readonly WorkloadSpec[]): RatePlan {
  let time = 0;
  let requests = 0;
  let offered = 0;
  for (const phase of phases) {
    const ms = phase.stop.kind === 'duration' ? phase.stop.ms : 0;
    const rates = planRates({ ...scenario, workload: phase });
    time += ms;
    requests += (rates.totalPerSec * ms) / 1000;
    offered += rates.offeredLoad * ms;
  }
  const totalPerSec = (requests / time) * 1000;
  const offeredLoad = offered / time;
  return { totalPerSec, capacityPerSec: totalPerSec / offeredLoad, offeredLoad, perStreamPerSec: [] };
}

/**
 * The scenario's arrivals as a lazy source, every random draw from named streams:
 * stream i draws its gaps from "arrivals/i/<model>/<priority>" and its batch sizes
 * from "batch/i/<model>/<priority>", so appending a stream leaves the draws of the
 * others as they were (and poisson workloads make the draws they always made). With
 * the workload's process at scope "workload", the streams that inherit it share one
 * process drawn from "arrivals/workload", each arrival assigned to one of them by
 * weight from "arrivals/workload/pick".
 */
export function buildArrivals(scenario: Scenario): ArrivalSource & Iterable<ArrivalSpec> {
  const { workload } = scenario;
  if (workload.trace !== undefined) bug('buildArrivals: expected a generated workload, got a trace (read traces with workloadArrivals)');
  if (workload.phases === undefined) return buildGenerated(scenario, '');
  // Phase k draws from streams named "phase<k>/...": phases never share draws.
  let start = 0;
  const phases = workload.phases.map((phase, k) => {
    const startMs = start;
    start += phase.stop.kind === 'duration' ? phase.stop.ms : 0;
    return { startMs, source: buildGenerated({ ...scenario, workload: phase }, `phase${k}/`) };
  });
  return iterableSource(new PhasedArrivals(phases, workload.stop.kind === 'requests' ? workload.stop.count : Infinity));
}

/** Makes a pull source iterable (each iteration drains the same source). */
function iterableSource(source: ArrivalSource): ArrivalSource & Iterable<ArrivalSpec> {
  return {
    next: () => source.next(),
    *[Symbol.iterator]() {
      for (let a = source.next(); a !== undefined; a = source.next()) yield a;
    },
  };
}

function buildGenerated(scenario: Scenario, prefix: string): MergedArrivals {
  const random = new RandomStreams(scenario.seed);
  const models = new Map(scenario.models.map((m) => [m.name, m]));
  const rates = planRates(scenario);
  const { workload } = scenario;
  const streams: GeneratedStream[] = workload.streams.map((spec, i) => {
    const model = models.get(spec.model)!;
    const deadline = spec.deadline;
    const byBatch = new Map(spec.batchSizes.map((b) => [b, deadline.kind === 'budget' ? deadline.ms : deadline.factor * soloLatencyMs(model, b, scenario.cluster)]));
    const relativeDeadline = (batch: number) => byBatch.get(batch)!;
    return {
      model: spec.model,
      priority: spec.priority,
      ratePerMs: rates.perStreamPerSec[i] / 1000,
      batchSizes: spec.batchSizes,
      relativeDeadline,
      batchRandom: random.stream(`${prefix}batch/${i}/${spec.model}/${spec.priority}`),
    };
  });
  const shared = workload.arrivalScope === 'workload' ? streams.filter((_, i) => workload.streams[i].arrivals === undefined) : [];
  const channels: ArrivalChannel[] = [];
  workload.streams.forEach((spec, i) => {
    const stream = streams[i];
    if (shared.includes(stream)) {
      if (stream === shared[0]) {
        channels.push(sharedChannel(shared, workload.arrivals, random.stream(`${prefix}arrivals/workload`), random.stream(`${prefix}arrivals/workload/pick`)));
      }
      return;
    }
    channels.push(ownChannel(stream, spec.arrivals ?? workload.arrivals, random.stream(`${prefix}arrivals/${i}/${spec.model}/${spec.priority}`)));
  });
  const stop = workload.stop;
  if (stop.kind === 'end') bug('generated workload: expected a stop rule (requests or durationMs), got none');
  return new MergedArrivals(channels, stop.kind === 'requests' ? { requests: stop.count } : { durationMs: stop.ms });
}

/**
 * The arrivals of any workload, in chunks: a generated one pulled from its lazy
 * source, a trace read from its file (rows checked against the models the cluster
 * hosts, times divided by the load, cut at the stop rule).
 */
export function workloadArrivals(scenario: Scenario): BufferedArrivals {
  const { workload } = scenario;
  if (workload.trace === undefined) return BufferedArrivals.fromSource(buildArrivals(scenario));
  const hosted = new Set(scenario.cluster.gpus.flatMap((g) => g.models));
  return BufferedArrivals.fromChunks(scaledTrace(readTrace(workload.trace, { knownModels: hosted }), scenario.load, workload.stop));
}

async function* scaledTrace(chunks: AsyncIterable<TraceRecord[]>, load: number, stop: StopRule): AsyncGenerator<TraceRecord[]> {
  let remaining = stop.kind === 'requests' ? stop.count : Infinity;
  const endMs = stop.kind === 'duration' ? stop.ms : Infinity;
  for await (const chunk of chunks) {
    const out: TraceRecord[] = [];
    for (const record of chunk) {
      const arrival = record.arrival / load;
      if (remaining <= 0 || arrival >= endMs) {
        if (out.length > 0) yield out;
        return;
      }
      out.push(load === 1 ? record : { ...record, arrival });
      remaining--;
    }
    yield out;
  }
}
