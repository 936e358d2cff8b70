import type { CampaignValidation } from './validate-campaign.ts';

/**
 * What `strait validate --campaign DIR --check` fails on. A FAIL anywhere fails it. With
 * `--against Q` the campaign must also tell the profile from Q: where their simulations
 * differ beyond the tolerance, the replays must favour the profile (more comparisons it
 * PASSes and Q FAILs than the reverse). A campaign that cannot decide between the two is
 * no evidence for the profile, so a check that ignored it would pass a wrong model
 * whenever the replays are too noisy to fail either.
 */
export function campaignCheckFailures(result: CampaignValidation): string[] {
  const failures: string[] = [];
  if (result.verdicts.FAIL > 0) {
    failures.push(`${result.verdicts.FAIL} comparison(s) FAIL: the simulator is outside max(target, 1.5 N) beyond the replays' interval`);
  }
  const contrast = result.against?.contrast;
  if (contrast !== undefined && contrast.preferred !== 'profile') {
    const decided = `${contrast.profileOnly} comparison(s) PASS only with ${contrast.profile}, ${contrast.againstOnly} only with ${contrast.against}, of ${contrast.differ.comparisons} where their simulations differ`;
    failures.push(
      contrast.preferred === 'against'
        ? `the replays favour --against ${contrast.against} over ${contrast.profile}: ${decided}`
        : `the campaign cannot tell ${contrast.profile} from --against ${contrast.against}: ${decided}`,
    );
  }
  return failures;
}
