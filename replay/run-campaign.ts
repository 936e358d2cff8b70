import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomically } from '../sim/core/atomic-file.ts';
import { InputError } from '../sim/core/errors.ts';
import { applyOverrides } from '../scenarios/run-scenario.ts';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { requireNominalLoad } from '../scenarios/load-basis.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { interleavedOrder, probeDrift, type CampaignConfiguration, type CampaignPlan, type PlannedReplay } from './campaign-plan.ts';
import type { HostLoad } from './host-load.ts';
import { planBackend, withSharingDaemon } from './plan-backend.ts';
import { checkReplayable, replayIntoDirectory, scenarioForReplay } from './run-replay.ts';

/** One replay of a campaign, as campaign.json records it. */
export interface CampaignReplay {
  readonly configuration: string;
  readonly replicate: number;
  /** 0 for the first try, 1.. for re-runs of an unstable or failed one. */
  readonly attempt: number;
  /** Relative to the campaign directory. */
  readonly dir: string;
  readonly status: 'stable' | 'unstable' | 'failed';
  /** Speed probe after / before - 1 (geometric mean over model/batch). */
  readonly probeDrift: number | null;
  readonly hostLoad?: HostLoad;
  readonly wallMs: number;
  readonly message?: string;
}

export interface CampaignDocument {
  readonly kind: 'strait-campaign';
  readonly version: 1;
  readonly status: 'running' | 'complete';
  readonly plan: CampaignPlan;
  readonly order: readonly PlannedReplay[];
  readonly replays: readonly CampaignReplay[];
  readonly wallMs: number;
}

export interface CampaignProgress {
  (line: string): void;
}

export function configurationScenario(configuration: CampaignConfiguration, planFile: string): Scenario {
  // A scenario file named relative to the plan is found beside it; a built-in name is left as it is.
  const besidePlan = resolve(dirname(planFile), configuration.scenario);
  const scenario = applyOverrides(loadScenario(existsSync(besidePlan) ? besidePlan : configuration.scenario), configuration);
  requireNominalLoad(scenario, 'strait campaign');
  checkReplayable(scenario);
  return scenario;
}

/** Refuses a campaign directory that holds something other than an earlier campaign (or, without force, any campaign). */
function prepareDirectory(out: string, force: boolean): void {
  if (!existsSync(out)) return mkdirSync(out, { recursive: true }) as unknown as void;
  const entries = readdirSync(out);
  if (entries.length === 0) return;
  const own = entries.every((e) => e === 'campaign.json' || e === 'replays' || e.startsWith('campaign.json.'));
  if (!own) throw new InputError(`--out: ${out} holds files that are not a campaign's; choose another directory`);
  if (!force) throw new InputError(`--out: ${out} already holds a campaign; use --force to replace it, or another directory`);
  rmSync(join(out, 'replays'), { recursive: true, force: true });
  rmSync(join(out, 'campaign.json'), { force: true });
}

function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Records a campaign: every planned replay in the interleaved order, each with a speed
 * probe before and after; an unstable one (probe moved beyond the threshold) or a
 * failed one is re-run at the end of the order, up to maxReruns times, and excluded if
 * it never settles. campaign.json is rewritten after every replay.
 */
export async function runCampaign(plan: CampaignPlan, planFile: string, out: string, options: { readonly force?: boolean; readonly progress: CampaignProgress }): Promise<CampaignDocument> {
  const scenarios = new Map(plan.configurations.map((c) => [c.name, configurationScenario(c, planFile)]));
  const first = plan.configurations[0];
  const planned = planBackend(plan.backend, scenarios.get(first.name)!);
  prepareDirectory(out, options.force === true);
  const order = interleavedOrder(plan);
  const queue: (PlannedReplay & { attempt: number })[] = order.map((p) => ({ ...p, attempt: 0 }));
  const replays: CampaignReplay[] = [];
  const started = Date.now();
  const write = (status: CampaignDocument['status']): CampaignDocument => {
    const doc: CampaignDocument = { kind: 'strait-campaign', version: 1, status, plan, order, replays, wallMs: Date.now() - started };
    writeFileAtomically(join(out, 'campaign.json'), JSON.stringify(doc, null, 2) + '\n');
    return doc;
  };
  write('running');
  for (let k = 0; k < queue.length; k++) {
    const item = queue[k];
    const dir = join('replays', item.configuration, `r${item.replicate}${item.attempt > 0 ? `-rerun${item.attempt}` : ''}`);
    const scenario = scenarioForReplay(scenarios.get(item.configuration)!, planned);
    const t0 = Date.now();
    let entry: CampaignReplay;
    try {
      const { meta } = await withSharingDaemon(planned, (backend) =>
        replayIntoDirectory(scenario, join(out, dir), {
          backend,
          timeScale: plan.backend.timeScale ?? 1,
          warmupRuns: plan.backend.warmup ?? 3,
          pin: (plan.backend.pin ?? 'auto') === 'auto',
          requests: plan.requests,
          probeAfter: true,
        }),
      );
      const drift = probeDrift(meta.speedProbe, meta.speedProbeAfter);
      const failed = meta.failure !== undefined;
      const status = failed ? 'failed' : Number.isFinite(drift) && Math.abs(drift) > plan.probeThreshold ? 'unstable' : 'stable';
      entry = {
        configuration: item.configuration, replicate: item.replicate, attempt: item.attempt, dir, status,
        probeDrift: Number.isFinite(drift) ? Math.round(drift * 1e4) / 1e4 : null,
        ...(meta.hostLoad !== undefined ? { hostLoad: meta.hostLoad } : {}),
        wallMs: Date.now() - t0,
        ...(failed ? { message: meta.failure!.message } : {}),
      };
    } catch (error) {
      if (error instanceof InputError) throw error;
      entry = { configuration: item.configuration, replicate: item.replicate, attempt: item.attempt, dir, status: 'failed', probeDrift: null, wallMs: Date.now() - t0, message: (error as Error).message };
    }
    replays.push(entry);
    const rerun = entry.status !== 'stable' && item.attempt < plan.maxReruns;
    if (rerun) queue.push({ ...item, attempt: item.attempt + 1 });
    const drift = entry.probeDrift === null ? 'probe -' : `probe ${entry.probeDrift >= 0 ? '+' : ''}${(100 * entry.probeDrift).toFixed(1)}%`;
    const busy = entry.hostLoad?.busy === true ? `, BUSY host (${entry.hostLoad.othersRunnable} others runnable, load ${entry.hostLoad.loadAverage1m.toFixed(1)})` : '';
    options.progress(
      `[${k + 1}/${queue.length}] ${item.configuration} r${item.replicate}${item.attempt > 0 ? ` (re-run ${item.attempt})` : ''}: ${entry.status}, ${drift}${busy}, ` +
        `${formatSeconds(entry.wallMs)}; ${formatSeconds(Date.now() - started)} so far${rerun ? '; will re-run it at the end' : entry.status !== 'stable' ? '; excluded' : ''}`,
    );
    write('running');
  }
  return write('complete');
}
