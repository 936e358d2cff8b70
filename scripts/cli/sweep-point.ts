import { join } from 'node:path';
import { applyOverrides } from '../../scenarios/run-scenario.ts';
import { parseScenario } from '../../scenarios/parse-scenario.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import type { SweepPoint } from '../../scenarios/sweeps/sweep-grid.ts';
import { runIntoDirectory } from './run-into-directory.ts';

/** The base scenario every point starts from, parsed back from sweep.json's baseScenario. */
export function parseBaseScenario(baseScenario: unknown, scenarioName: string, sweepDir: string): Scenario {
  return parseScenario(baseScenario, `${sweepDir}/sweep.json: baseScenario`, scenarioName);
}

/**
 * Runs one point of a sweep into runsDir/<run> (atomically), whichever thread runs it.
 * No lock of its own: the sweep holds the lock on its directory.
 */
export async function runSweepPoint(base: Scenario, point: SweepPoint, runsDir: string): Promise<void> {
  await runIntoDirectory(applyOverrides(base, point), join(runsDir, point.run), { directory: { lock: false } });
}
