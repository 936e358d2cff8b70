import type { OutputDirectoryOptions } from '../../sim/output/output-directory.ts';
import { RunDirectory } from '../../sim/output/run-directory.ts';
import { runScenario, type ScenarioRun } from '../../scenarios/run-scenario.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { scenarioToJson } from '../../scenarios/serialize-scenario.ts';
import { summaryDocument, timingDocument } from '../../scenarios/run-documents.ts';

export interface RunIntoDirectoryOptions {
  readonly onProgress?: (arrivals: number, simulatedMs: number) => void;
  /** Predictors evaluated alongside the scenario's own (they steer nothing). */
  readonly shadowPredictors?: readonly string[];
  /** Called once the simulation is done, before the files are written (e.g. to clear a progress line). */
  readonly onSimulated?: () => void;
  /** Whether a finished run there may be replaced (--force), and whether to lock it. */
  readonly directory?: OutputDirectoryOptions;
}

/**
 * Simulates a resolved scenario into a run directory (summary.json, requests.arrow,
 * scenario.json, timing.json), written atomically: what `strait run` and every point
 * of `strait sweep` do, so a sweep point's files equal the same `strait run`'s.
 */
export async function runIntoDirectory(
  scenario: Scenario,
  out: string,
  options: RunIntoDirectoryOptions = {},
): Promise<{ run: ScenarioRun; summary: unknown }> {
  const directory = RunDirectory.open(out, options.directory);
  try {
    const run = await runScenario(scenario, {
      recordsPath: directory.path('requests.arrow'),
      shadowPredictors: options.shadowPredictors,
      onProgress: options.onProgress,
    });
    options.onSimulated?.();
    const summary = summaryDocument(run);
    directory.writeJson('summary.json', summary);
    directory.writeJson('scenario.json', scenarioToJson(scenario));
    directory.writeJson('timing.json', timingDocument(run));
    directory.commit();
    return { run, summary };
  } catch (error) {
    directory.discard();
    throw error;
  }
}
