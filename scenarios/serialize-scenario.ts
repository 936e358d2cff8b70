import type { BatchTable, ModelProfile } from '../sim/model/profile.ts';
import type { ArrivalProcessSpec } from '../traces/arrival-processes.ts';
import type { ArrivalScope, Scenario, StopRule, WorkloadSpec } from './scenario.ts';

/** Bytes per ms back to GB/s, rounded off float noise. */
function gbps(bytesPerMs: number): number {
  return Number((bytesPerMs / 1e6).toPrecision(12));
}

function tableJson(table: BatchTable): number | Record<string, number> {
  if (table.batchSizes.length === 1 && table.batchSizes[0] === 1) return table.values[0];
  return Object.fromEntries(table.batchSizes.map((b, i) => [String(b), table.values[i]]));
}

function modelJson(model: ModelProfile): unknown {
  return {
    name: model.name,
    ...(model.description ? { description: model.description } : {}),
    inputBytesPerItem: model.inputBytesPerItem,
    outputBytesPerItem: model.outputBytesPerItem,
    ...(model.inputBytesPerToken !== undefined ? { inputBytesPerToken: model.inputBytesPerToken } : {}),
    ...(model.outputBytesPerToken !== undefined ? { outputBytesPerToken: model.outputBytesPerToken } : {}),
    variability: model.variability,
    maxBatch: model.maxBatch,
    phases: model.phases.map((p) => ({
      name: p.name,
      soloMs: tableJson(p.soloMs),
      compute: tableJson(p.compute),
      memory: tableJson(p.memory),
      ...(p.sensitivity !== undefined ? { sensitivity: tableJson(p.sensitivity) } : {}),
      ...(p.tokens !== undefined ? { tokens: { ...p.tokens } } : {}),
    })),
  };
}

/** An arrival process as the scenario format writes it: "poisson" or the spelled-out object. */
export function arrivalProcessJson(process: ArrivalProcessSpec): unknown {
  return process.kind === 'poisson' ? 'poisson' : { ...process };
}

/** The workload's arrivals: "poisson" (the default, as before) or the object with its scope. */
function workloadArrivalsJson(process: ArrivalProcessSpec, scope: ArrivalScope): unknown {
  if (process.kind === 'poisson' && scope === 'stream') return 'poisson';
  return { ...process, scope };
}

/**
 * The resolved scenario in the input format, every default spelled out: what a run
 * directory records, and a scenario file that reproduces the run when fed back.
 */
export function scenarioToJson(scenario: Scenario): unknown {
  const { cluster, workload } = scenario;
  return {
    name: scenario.name,
    ...(scenario.description ? { description: scenario.description } : {}),
    seed: scenario.seed,
    load: scenario.load,
    ...(scenario.loadBasis !== undefined ? { loadBasis: scenario.loadBasis } : {}),
    policy: { name: scenario.policy.name, params: scenario.policy.params },
    predictor: scenario.predictor,
    ...(Object.keys(scenario.predictorParams).length > 0 ? { predictorParams: scenario.predictorParams } : {}),
    models: scenario.models.map(modelJson),
    cluster: {
      hosts: cluster.hosts.map((host, h) => ({
        name: host.name,
        uplink: { h2dGBps: gbps(host.uplinkH2dBytesPerMs), d2hGBps: gbps(host.uplinkD2hBytesPerMs) },
        gpus: cluster.gpus
          .filter((g) => g.host === h)
          .map((g) => ({
            id: g.id,
            models: g.models,
            maxConcurrency: g.maxConcurrency,
            sharing: g.sharing.mode,
            interferenceAlpha: g.sharing.interferenceAlpha,
            timeSliceMs: g.sharing.timeSliceMs,
            contextSwitchMs: g.sharing.contextSwitchMs,
            link: {
              h2dGBps: gbps(g.link.h2dBytesPerMs),
              d2hGBps: gbps(g.link.d2hBytesPerMs),
              setupMs: g.link.setupMs,
              ...(g.link.d2hSetupMs !== undefined ? { d2hSetupMs: g.link.d2hSetupMs } : {}),
              ...(g.link.busySetupMs !== undefined ? { busySetupMs: g.link.busySetupMs } : {}),
              ...(g.link.d2hBusySetupMs !== undefined ? { d2hBusySetupMs: g.link.d2hBusySetupMs } : {}),
            },
          })),
      })),
    },
    workload: workloadJson(workload),
  };
}

function workloadJson(workload: WorkloadSpec): unknown {
  if (workload.trace !== undefined) return traceWorkloadJson(workload.trace, workload.stop);
  if (workload.phases !== undefined) {
    return { phases: workload.phases.map(workloadJson), ...(workload.stop.kind === 'requests' ? { requests: workload.stop.count } : {}) };
  }
  return {
      arrivals: workloadArrivalsJson(workload.arrivals, workload.arrivalScope),
      ...(workload.ratePerSec !== undefined ? { ratePerSec: workload.ratePerSec } : {}),
      streams: workload.streams.map((s) => ({
        model: s.model,
        priority: s.priority,
        weight: s.weight,
        batchSizes: s.batchSizes,
        ...(s.deadline.kind === 'slo-factor' ? { sloFactor: s.deadline.factor } : { deadlineMs: s.deadline.ms }),
        ...(s.arrivals !== undefined ? { arrivals: arrivalProcessJson(s.arrivals) } : {}),
      })),
      ...stopJson(workload.stop),
  };
}

function stopJson(stop: StopRule): Record<string, number> {
  if (stop.kind === 'requests') return { requests: stop.count };
  if (stop.kind === 'duration') return { durationMs: stop.ms };
  return {};
}

/** A trace workload names its file by absolute path, so the JSON works from anywhere. */
function traceWorkloadJson(trace: string, stop: StopRule): unknown {
  return { trace, ...stopJson(stop) };
}
