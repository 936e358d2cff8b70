import type { ScenarioRun } from './run-scenario.ts';

// The JSON documents of a run directory. They live here, not in the CLI, because the
// replay engine writes the same summary.json as `strait run` (so reports read both).

/** The deterministic part of a run's results: what summary.json holds. */
export function summaryDocument(run: ScenarioRun): unknown {
  const { scenario, rates, summary } = run;
  return {
    scenario: scenario.name,
    policy: scenario.policy.name,
    predictor: scenario.predictor,
    seed: scenario.seed,
    load: scenario.load,
    offeredLoad: rates.offeredLoad,
    arrivalRatePerSec: rates.totalPerSec,
    requests: run.result.requests,
    ...summary,
  };
}

/** Wall-clock figures, kept apart from summary.json because they differ run to run. */
export function timingDocument(run: ScenarioRun): unknown {
  return {
    wallMs: run.wallMs,
    events: run.result.events,
    eventsPerSec: run.result.events / (run.wallMs / 1000),
    requestsPerSec: run.result.requests / (run.wallMs / 1000),
    /** Peak resident memory of the whole process so far, MiB. */
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    node: process.version,
  };
}
