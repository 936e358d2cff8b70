import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../../sim/core/errors.ts';
import { parsePlan } from '../../replay/campaign-plan.ts';
import { runCampaign } from '../../replay/run-campaign.ts';

export interface CampaignCommandOptions {
  readonly out?: string;
  readonly force?: boolean;
}

/** `strait campaign PLAN --out DIR`: replicated, interleaved replays with speed probes before and after. */
export async function campaignCommand(planFile: string, options: CampaignCommandOptions): Promise<void> {
  if (options.out === undefined) throw new InputError('--out: the campaign directory to write is required');
  if (!existsSync(planFile)) throw new InputError(`${planFile}: plan file not found`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(planFile, 'utf8'));
  } catch (error) {
    throw new InputError(`${planFile}: not valid JSON (${(error as Error).message})`);
  }
  const plan = parsePlan(json, planFile);
  const total = plan.replicates * plan.configurations.length;
  process.stderr.write(
    `campaign ${plan.name}: ${plan.configurations.length} configurations x ${plan.replicates} replicates = ${total} replays, interleaved (order seed ${plan.orderSeed}); ` +
      `probe threshold ${(100 * plan.probeThreshold).toFixed(0)}%, up to ${plan.maxReruns} re-run(s) of an unstable replay\n`,
  );
  const doc = await runCampaign(plan, planFile, options.out, { force: options.force, progress: (line) => process.stderr.write(line + '\n') });
  const counts = { stable: 0, unstable: 0, failed: 0 };
  for (const r of doc.replays) counts[r.status]++;
  const busy = doc.replays.filter((r) => r.hostLoad?.busy === true).length;
  const kept = new Set(doc.replays.filter((r) => r.status === 'stable').map((r) => `${r.configuration}/${r.replicate}`)).size;
  const lines = [
    `campaign ${plan.name}: ${doc.replays.length} replays in ${(doc.wallMs / 1000).toFixed(0)} s: ${counts.stable} stable, ${counts.unstable} unstable, ${counts.failed} failed; ` +
      `${kept} of ${total} replicates kept`,
  ];
  if (busy > 0) lines.push(`WARNING: ${busy} of ${doc.replays.length} replays ran on a busy host (other runnable processes on the replay's cores): their noise floor will show it`);
  process.stdout.write(lines.join('\n') + '\n');
  process.stderr.write(`wrote ${options.out}/campaign.json and ${options.out}/replays/\n`);
}
