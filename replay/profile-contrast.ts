import { errorOf, METRICS } from './stats/metric.ts';
import type { VerdictName } from './stats/verdict.ts';
import type { CampaignRecords } from './campaign-records.ts';
import { validateCampaign, type CampaignValidation, type CampaignValidationOptions } from './validate-campaign.ts';

/**
 * Can a campaign tell a profile from another (say one with interference switched off)?
 * Only where the two profiles' simulations differ by more than the tolerance
 * (max(target, 1.5 N), the same band the verdict uses) can the replays prefer one: where
 * they agree (light load, requests that rarely ran beside others, no violations on
 * either side) a PASS of the other profile is correct and says nothing against it.
 */

export type VerdictCounts = Record<VerdictName, number>;

export interface ContrastGroup {
  /** Comparisons (configuration, model, class, metric) in the group. */
  readonly comparisons: number;
  readonly profile: VerdictCounts;
  readonly against: VerdictCounts;
  /** Comparisons where the profile's |E| is smaller than the other's. */
  readonly profileCloser: number;
}

export interface ProfileContrast {
  readonly profile: string;
  readonly against: string;
  /** The simulations differ by more than the tolerance: the replays can decide here. */
  readonly differ: ContrastGroup;
  /** They differ by at most the tolerance: neither verdict is evidence about the other profile. */
  readonly agree: ContrastGroup;
  /** Comparisons without a tolerance (too few replicates). */
  readonly unresolved: number;
  /** Where they differ: the profile PASSes and the other FAILs, and the reverse. */
  readonly profileOnly: number;
  readonly againstOnly: number;
  /** Which one the decided comparisons favour: the one that wins more PASS-against-FAIL splits. */
  readonly preferred: 'profile' | 'against' | 'neither';
}

function counts(): VerdictCounts {
  return { PASS: 0, FAIL: 0, INCONCLUSIVE: 0 };
}

function group(): { comparisons: number; profile: VerdictCounts; against: VerdictCounts; profileCloser: number } {
  return { comparisons: 0, profile: counts(), against: counts(), profileCloser: 0 };
}

/** Compares two validations of the same campaign, comparison by comparison. */
export function contrastProfiles(p: CampaignValidation, q: CampaignValidation): ProfileContrast {
  const differ = group();
  const agree = group();
  let unresolved = 0;
  let profileOnly = 0;
  let againstOnly = 0;
  const other = new Map(q.configurations.flatMap((c) => c.rows.map((row) => [`${c.name}/${row.model}/${row.priority}`, row] as const)));
  for (const c of p.configurations) {
    for (const row of c.rows) {
      const twin = other.get(`${c.name}/${row.model}/${row.priority}`);
      if (twin === undefined) continue;
      for (const metric of METRICS) {
        const [a, b] = [row.metrics[metric], twin.metrics[metric]];
        // The tolerance depends on the replicates only, so it is the same for both profiles.
        if (!Number.isFinite(a.tolerance) || !Number.isFinite(a.sim) || !Number.isFinite(b.sim)) {
          unresolved++;
          continue;
        }
        const apart = Math.abs(errorOf(metric, b.sim, a.sim)) > a.tolerance;
        const g = apart ? differ : agree;
        g.comparisons++;
        g.profile[a.verdict]++;
        g.against[b.verdict]++;
        if (Math.abs(a.error) < Math.abs(b.error)) g.profileCloser++;
        if (apart && a.verdict === 'PASS' && b.verdict === 'FAIL') profileOnly++;
        if (apart && a.verdict === 'FAIL' && b.verdict === 'PASS') againstOnly++;
      }
    }
  }
  const preferred = profileOnly > againstOnly ? 'profile' : againstOnly > profileOnly ? 'against' : 'neither';
  return { profile: p.profile, against: q.profile, differ, agree, unresolved, profileOnly, againstOnly, preferred };
}

/** Validates a campaign with `profile`, then with `against`, and contrasts the two. */
export function validateAgainst(campaign: CampaignRecords, profile: string, against: string, options: CampaignValidationOptions = {}): CampaignValidation {
  const main = validateCampaign(campaign, profile, options);
  const other = validateCampaign(campaign, against, { ...options, onProgress: (line) => options.onProgress?.(`${line} (--against ${against})`) });
  return { ...main, against: { validation: other, contrast: contrastProfiles(main, other) } };
}
