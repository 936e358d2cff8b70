import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../sim/core/errors.ts';
import type { CampaignConfiguration } from './campaign-plan.ts';
import { readReplayDirectory, type ReplayDirectory } from './replay-records.ts';
import type { CampaignDocument, CampaignReplay } from './run-campaign.ts';

/** A configuration of a campaign with the replays it keeps (stable ones, one per replicate). */
export interface CampaignConfigurationReplays {
  readonly configuration: CampaignConfiguration;
  readonly replays: readonly ReplayDirectory[];
  readonly entries: readonly CampaignReplay[];
  /** Replicates with no stable replay (unstable or failed every time). */
  readonly excluded: readonly number[];
}

export interface CampaignRecords {
  readonly dir: string;
  readonly document: CampaignDocument;
  readonly configurations: readonly CampaignConfigurationReplays[];
}

export function isCampaignDirectory(dir: string): boolean {
  return existsSync(join(dir, 'campaign.json'));
}

export function readCampaignDocument(dir: string): CampaignDocument {
  const file = join(dir, 'campaign.json');
  if (!existsSync(file)) throw new InputError(`${dir}: not a campaign directory (no campaign.json; write one with \`strait campaign PLAN --out ${dir}\`)`);
  let doc: CampaignDocument;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as CampaignDocument;
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (doc.kind !== 'strait-campaign') throw new InputError(`${file}: kind: expected "strait-campaign", got ${JSON.stringify(doc.kind)}`);
  if (doc.status !== 'complete') throw new InputError(`${file}: status: expected "complete", got ${JSON.stringify(doc.status)} (the campaign did not finish)`);
  return doc;
}

/** Reads a finished campaign and its stable replays, optionally only those of one role. */
export function readCampaign(dir: string, role?: CampaignConfiguration['role']): CampaignRecords {
  const document = readCampaignDocument(dir);
  const configurations = document.plan.configurations
    .filter((c) => role === undefined || c.role === role)
    .map((configuration): CampaignConfigurationReplays => {
      const entries = document.replays.filter((r) => r.configuration === configuration.name && r.status === 'stable');
      const kept = new Map<number, CampaignReplay>();
      for (const e of entries) if (!kept.has(e.replicate)) kept.set(e.replicate, e);
      const excluded: number[] = [];
      for (let r = 1; r <= document.plan.replicates; r++) if (!kept.has(r)) excluded.push(r);
      const chosen = [...kept.values()].sort((a, b) => a.replicate - b.replicate);
      return { configuration, entries: chosen, replays: chosen.map((e) => readReplayDirectory(join(dir, e.dir))), excluded };
    });
  return { dir, document, configurations };
}
