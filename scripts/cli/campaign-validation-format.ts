import { basename } from 'node:path';
import type { CampaignValidation, ConfigurationValidation } from '../../replay/validate-campaign.ts';
import { formatError, METRICS, type MetricName } from '../../replay/stats/metric.ts';
import type { Assessment } from '../../replay/stats/assess.ts';
import type { ProfileContrast, VerdictCounts } from '../../replay/profile-contrast.ts';
import { fixed, table } from './format.ts';

const SHORT = { PASS: 'PASS', FAIL: 'FAIL', INCONCLUSIVE: 'INCONCL' } as const;

function cell(metric: MetricName, a: Assessment): string[] {
  const n = Number.isFinite(a.floor) ? formatError(metric, a.floor).replace(/^\+/, '') : '-';
  const interval = Number.isFinite(a.interval.low) ? ` [${formatError(metric, a.interval.low)}, ${formatError(metric, a.interval.high)}]` : '';
  return [n, `${formatError(metric, a.error)}${interval}`, SHORT[a.verdict]];
}

function configurationTable(c: ConfigurationValidation): string {
  const header = ['model', 'class', 'R', ...METRICS.flatMap((m) => [`${m} N`, `${m} E [95%]`, 'verdict'])];
  return table(header, c.rows.map((row) => [row.model, row.priority, String(row.metrics.mean.replicates), ...METRICS.flatMap((m) => cell(m, row.metrics[m]))]));
}

function verdictCounts(v: VerdictCounts): string {
  return `${v.PASS} PASS, ${v.FAIL} FAIL, ${v.INCONCLUSIVE} INCONCLUSIVE`;
}

/** `--against`: the other profile's verdicts, split by whether the two profiles' simulations differ there. */
function contrastSection(v: CampaignValidation, contrast: ProfileContrast): string[] {
  const other = v.against!.validation;
  const { differ, agree } = contrast;
  const [first, second] = [basename(contrast.profile), basename(contrast.against)];
  const preferred = { profile: `the replays prefer ${first}`, against: `the replays prefer ${second}`, neither: 'the replays prefer neither' }[contrast.preferred];
  const tau = (x: CampaignValidation) => x.ranks.filter((r) => r.load === 'all').map((r) => `${r.priority} ${Number.isFinite(r.tau) ? fixed(r.tau, 2) : '-'}`).join(', ');
  const signs = (x: CampaignValidation) => `${x.signs.agree} of ${x.signs.agree + x.signs.disagree} signs`;
  return [
    '',
    `against ${contrast.against}: ${verdictCounts(other.verdicts)} (${first}: ${verdictCounts(v.verdicts)})`,
    table(
      ['comparisons', 'n', first, second, `${first} closer`],
      [
        ['simulations differ by more than the tolerance', String(differ.comparisons), verdictCounts(differ.profile), verdictCounts(differ.against), String(differ.profileCloser)],
        ['simulations within the tolerance of each other', String(agree.comparisons), verdictCounts(agree.profile), verdictCounts(agree.against), String(agree.profileCloser)],
      ],
    ),
    `Only where the simulations differ can the replays prefer one profile; where they agree (light load, requests that rarely ran beside others, no violations either way) a PASS of either is correct and no evidence about the other.${contrast.unresolved > 0 ? ` ${contrast.unresolved} comparison(s) without a tolerance (too few replicates) left out.` : ''}`,
    `where they differ: ${contrast.profileOnly} PASS with ${first} and FAIL with ${second}, ${contrast.againstOnly} the reverse: ${preferred}`,
    `trends: ${first} has ${signs(v)} and tau (all configurations) ${tau(v)}; ${second} has ${signs(other)} and tau ${tau(other)}`,
  ];
}

/** The validation as text: a table per configuration, then the trends. */
export function formatCampaignValidation(v: CampaignValidation): string {
  const lines: string[] = [
    `campaign ${v.campaign}, profile ${v.profile}; simulator: each replay's trace x ${v.simSeeds} variability seeds; bootstrap ${v.resamples} resamples (replays, then requests), seed ${v.seed}`,
    'N: noise floor (mean leave-one-out error of one replay against the others); E: simulator against the replicate mean, with its 95% interval.',
    'PASS: |E| <= max(target, 1.5 N) with 1.5 N <= 2 x target; FAIL: the interval lies outside max(target, 1.5 N); else INCONCLUSIVE. Targets 10% mean, 20% p99, 3 pp violations.',
  ];
  for (const c of v.configurations) {
    lines.push('', `${c.name} (${c.role}; policy ${c.policy}, load ${c.load}; ${c.replicates} replicates${c.excluded.length > 0 ? `, replicate(s) ${c.excluded.join(', ')} excluded as unstable` : ''})`);
    lines.push(configurationTable(c));
  }
  lines.push('', `verdicts: ${v.verdicts.PASS} PASS, ${v.verdicts.FAIL} FAIL, ${v.verdicts.INCONCLUSIVE} INCONCLUSIVE`);
  lines.push('', 'trends: Kendall tau of the configurations ordered by violation rate, replay vs simulation');
  lines.push(
    table(
      ['class', 'load', 'tau', 'replay (violation %)', 'simulation'],
      v.ranks.map((r) => [r.priority, String(r.load), Number.isFinite(r.tau) ? fixed(r.tau, 2) : '-', r.items.map((i) => `${i.configuration} ${fixed(i.replay, 1)}`).join(', '), r.items.map((i) => fixed(i.sim, 1)).join(', ')]),
    ),
  );
  const significant = v.differences.filter((d) => d.check !== 'not significant');
  lines.push(
    '',
    `differences the replays show with an interval excluding zero: ${significant.length} of ${v.differences.length}; the simulator has the same sign in ${v.signs.agree}, the opposite in ${v.signs.disagree}`,
  );
  if (significant.length > 0) {
    lines.push(
      table(
        ['b - a', 'varies', 'class', 'metric', 'replay', '95%', 'sim', 'sign'],
        significant.map((d) => [
          `${d.b} - ${d.a}`,
          d.varies,
          d.priority,
          d.metric,
          fixed(d.replay, 2),
          `[${fixed(d.interval.low, 2)}, ${fixed(d.interval.high, 2)}]`,
          fixed(d.sim, 2),
          d.check,
        ]),
      ),
    );
  }
  if (v.against !== undefined) lines.push(...contrastSection(v, v.against.contrast));
  return lines.join('\n');
}
