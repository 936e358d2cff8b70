import { describe, expect, it } from 'vitest';
import { campaignCheckFailures } from '../replay/campaign-check.ts';
import { contrastProfiles } from '../replay/profile-contrast.ts';
import type { Assessment } from '../replay/stats/assess.ts';
import { errorOf, METRICS, TARGETS, type MetricName } from '../replay/stats/metric.ts';
import type { VerdictName } from '../replay/stats/verdict.ts';
import type { CampaignValidation, GroupRow } from '../replay/validate-campaign.ts';

/** An assessment of a simulated value against a replicate mean, with the verdict given (the contrast only reads it). */
function assessment(metric: MetricName, replayMean: number, sim: number, verdict: VerdictName, tolerance = TARGETS[metric]): Assessment {
  const error = errorOf(metric, sim, replayMean);
  return {
    metric, replicates: 5, replayValues: [replayMean], replayMean, replaySpread: 0, replayInterval: { low: replayMean, high: replayMean },
    sim, floor: 0, error, interval: { low: error, high: error }, tolerance, verdict, reason: '',
  };
}

/** One configuration; each row gives the (replay, sim, verdict) of its mean latency, the other metrics agreeing. */
function validation(profile: string, rows: readonly { model: string; replay: number; sim: number; verdict: VerdictName; tolerance?: number }[]): CampaignValidation {
  const groupRows: GroupRow[] = rows.map((r) => ({
    model: r.model,
    priority: 'high',
    metrics: Object.fromEntries(METRICS.map((m) => [m, m === 'mean' ? assessment(m, r.replay, r.sim, r.verdict, r.tolerance) : assessment(m, 10, 10, 'PASS')])) as Record<MetricName, Assessment>,
  }));
  return {
    kind: 'strait-campaign-validation', campaign: 'c', profile, simSeeds: 1, resamples: 1, seed: 1,
    configurations: [{ name: 'fifo', role: 'heldout', policy: 'fifo', load: 0.7, replicates: 5, excluded: [], rows: groupRows }],
    ranks: [], differences: [], verdicts: { PASS: 0, FAIL: 0, INCONCLUSIVE: 0 }, signs: { agree: 0, disagree: 0, notSignificant: 0 },
  };
}

describe('contrasting two profiles on one campaign', () => {
  it('counts a PASS of the other profile as evidence only where the two simulations differ by more than the tolerance', () => {
    const right = validation('right.json', [
      { model: 'solo', replay: 10, sim: 10.2, verdict: 'PASS' },
      { model: 'shared', replay: 20, sim: 21, verdict: 'PASS' },
      { model: 'noisy', replay: 30, sim: 31, verdict: 'INCONCLUSIVE', tolerance: NaN },
    ]);
    const wrong = validation('wrong.json', [
      { model: 'solo', replay: 10, sim: 9.8, verdict: 'PASS' },
      { model: 'shared', replay: 20, sim: 12, verdict: 'FAIL' },
      { model: 'noisy', replay: 30, sim: 10, verdict: 'FAIL', tolerance: NaN },
    ]);
    const c = contrastProfiles(right, wrong);
    expect(c.differ).toEqual({ comparisons: 1, profile: { PASS: 1, FAIL: 0, INCONCLUSIVE: 0 }, against: { PASS: 0, FAIL: 1, INCONCLUSIVE: 0 }, profileCloser: 1 });
    // solo's mean, and the p99 and violations of all three rows (they agree, with a tolerance).
    expect(c.agree.comparisons).toBe(1 + 3 * 2);
    expect(c.agree.against.PASS).toBe(c.agree.comparisons);
    expect(c.unresolved).toBe(1);
    expect([c.profileOnly, c.againstOnly, c.preferred]).toEqual([1, 0, 'profile']);
    expect(contrastProfiles(wrong, right).preferred).toBe('against');
  });

  it('prefers neither when the decided comparisons split evenly, or there are none', () => {
    const a = validation('a.json', [{ model: 'x', replay: 10, sim: 10, verdict: 'PASS' }, { model: 'y', replay: 10, sim: 20, verdict: 'FAIL' }]);
    const b = validation('b.json', [{ model: 'x', replay: 10, sim: 20, verdict: 'FAIL' }, { model: 'y', replay: 10, sim: 10, verdict: 'PASS' }]);
    expect(contrastProfiles(a, b)).toMatchObject({ profileOnly: 1, againstOnly: 1, preferred: 'neither' });
    expect(contrastProfiles(a, a)).toMatchObject({ differ: { comparisons: 0 }, preferred: 'neither' });
  });
});

describe('validate --campaign --check', () => {
  const right = validation('right.json', [{ model: 'shared', replay: 20, sim: 21, verdict: 'PASS' }]);
  const wrong = validation('wrong.json', [{ model: 'shared', replay: 20, sim: 12, verdict: 'FAIL' }]);
  const noisy = validation('noisy.json', [{ model: 'shared', replay: 20, sim: 12, verdict: 'INCONCLUSIVE' }]);
  const against = (p: CampaignValidation, q: CampaignValidation): CampaignValidation => ({ ...p, against: { validation: q, contrast: contrastProfiles(p, q) } });

  it('passes a profile the replays favour over --against, and fails on any FAIL', () => {
    expect(campaignCheckFailures(against(right, wrong))).toEqual([]);
    expect(campaignCheckFailures({ ...right, verdicts: { PASS: 0, FAIL: 2, INCONCLUSIVE: 0 } })[0]).toMatch(/^2 comparison\(s\) FAIL/);
  });

  it('fails when the campaign cannot tell the profile from --against, even without a FAIL', () => {
    const failures = campaignCheckFailures(against(right, noisy));
    expect(failures).toEqual(['the campaign cannot tell right.json from --against noisy.json: 0 comparison(s) PASS only with right.json, 0 only with noisy.json, of 1 where their simulations differ']);
  });

  it('fails when the replays favour --against', () => {
    expect(campaignCheckFailures(against(wrong, right))[0]).toMatch(/^the replays favour --against right.json over wrong.json: 0 comparison\(s\) PASS only with wrong.json, 1 only with right.json/);
  });
});
